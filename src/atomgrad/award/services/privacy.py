"""An applicant's rights over the personal data of an application (152-ФЗ, art. 14 and 21), exercised through
the application's secret link: a copy of everything held, and erasure. Committee members' reads of private data
(an application's details, its petition) are written to the audit log. docs/personal-data.md says what erasure
removes and what it keeps."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from atomgrad.award.models import Application, ApplicationStatus
from atomgrad.core.models import AuditLogEntry
from atomgrad.core.services import audit_record
from atomgrad.voting import ledger

# What a committee member or organiser can read that is private, and the audit action recorded for it.
PRIVATE_READS = {"details": "application.viewed", "petition": "application.petition_downloaded"}


def _when(moment: Any) -> str | None:
    return ledger.timestamp_format(moment) if moment else None


def application_personal_data(*, application: Application) -> dict[str, Any]:
    """Everything held about the application's people, as one JSON-able document (format atomgrad-applicant-data/1).

    The decisions' history lists what was decided and when, not which committee member decided (that is the
    member's own personal data)."""
    history = AuditLogEntry.objects.filter(object_type=application._meta.label_lower,
                                           object_id=str(application.pk)).order_by("created_at", "id")
    return {
        "format": "atomgrad-applicant-data/1",
        "generated_at": _when(timezone.now()),
        "application": {
            "id": application.pk,
            "season": application.season.year,
            "city": application.city.slug,
            "sphere": application.sphere.slug,
            "full_name": application.full_name,
            "birth_date": application.birth_date.isoformat(),
            "workplace": application.workplace,
            "position": application.position,
            "story": application.story,
            "phone": application.phone,
            "email": application.email,
            "photo": "хранится (JPEG без метаданных) / stored (JPEG without metadata)" if application.photo else None,
            "nomination_kind": application.nomination_kind,
            "nominator_name": application.nominator_name,
            "petition": "хранится (PDF) / stored (PDF)" if application.petition else None,
            "candidate_consent": application.candidate_consent,
            "status": application.status,
            "status_comment": application.status_comment,
            "submitted_at": _when(application.submitted_at),
            "decided_at": _when(application.decided_at),
            "published_at": _when(application.published_at),
        },
        "consent": {
            "document": application.consent_document.title,
            "version": application.consent_document.version,
            "given_at": _when(application.consent_given_at),
            "client_address": application.consent_ip,
        },
        "history": [{"action": entry.action, "at": _when(entry.created_at), "comment": entry.reason}
                    for entry in history if entry.action not in PRIVATE_READS.values()],
        "reads_by_committee": sum(1 for entry in history if entry.action in PRIVATE_READS.values()),
    }


ERASABLE = (ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED, ApplicationStatus.REJECTED)


def application_erase(*, application: Application) -> str:
    """Erase an application at its applicant's request. Returns "erased" or "requested".

    An application that was never published (submitted, returned, rejected) is deleted with its photo and
    petition; the audit log keeps that it existed and was erased, by id only. A published candidate's name is part
    of the vote, the ledger's candidate ids and the signed protocols, so it cannot vanish by itself: the request is
    recorded in the audit log for the organisers, who answer within 30 days (152-ФЗ, art. 21)."""
    with transaction.atomic():
        current = Application.objects.select_for_update().get(pk=application.pk)
        if current.status not in ERASABLE:
            already = AuditLogEntry.objects.filter(object_type=current._meta.label_lower, object_id=str(current.pk),
                                                   action="application.erasure_requested").exists()
            if not already:
                audit_record(actor=None, action="application.erasure_requested", obj=current, city=current.city,
                             reason="Запрос заявителя на удаление персональных данных (152-ФЗ)")
            return "requested"
        files = [(field.storage, field.name) for field in (current.photo, current.petition) if field]
        audit_record(actor=None, action="application.erased", obj=current, city=current.city,
                     reason="Удаление персональных данных по запросу заявителя (152-ФЗ)",
                     details={"status": current.status, "season": current.season.year})
        current.delete()

        def remove_files() -> None:
            for storage, name in files:
                storage.delete(name)

        transaction.on_commit(remove_files)
    return "erased"


def application_private_read(*, actor: AbstractBaseUser | AnonymousUser, application: Application, what: str) -> None:
    """Record that a committee member or organiser read the application's private data (`what`: details |
    petition) — who, when, which application."""
    audit_record(actor=actor, action=PRIVATE_READS[what], obj=application, city=application.city)

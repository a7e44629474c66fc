"""The city protocol: generate a draft (tally under the ledger-head lock → A4 PDF → SHA-256), mark it signed
(optionally with the signed scan), attach a scan later.

A new draft supersedes the previous draft. Signing needs the latest draft, no unresolved tie among the top
three, and a draft that still states the current count (`data_digest`): if anything changed since — an
annulment, a decision — the committee makes a new draft first. A signed protocol freezes the city.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from atomgrad.award.models import Season
from atomgrad.cities.models import City
from atomgrad.core.errors import ApplicationError
from atomgrad.core.services import audit_record
from atomgrad.results.models import CityProtocol, ProtocolStatus
from atomgrad.results.pdf.render import render_pdf
from atomgrad.results.permissions import (
    city_check_access,
    city_review_check,
    city_review_lock,
    user_is_committee_member,
)
from atomgrad.results.selectors import committee_members
from atomgrad.results.services.tally import city_tally, data_digest, reason_label
from atomgrad.voting.models import LedgerHead
from atomgrad.voting.services.annulment import SIGNAL_REASON_PREFIX

User = AbstractBaseUser | AnonymousUser

SCAN_MAX_BYTES = 20 * 1024 * 1024
SCAN_TYPES = {b"%PDF": "pdf", b"\xff\xd8\xff": "jpg", b"\x89PNG": "png"}


def parse_timestamp(value: str) -> dt.datetime:
    """A ledger timestamp ('2026-03-01T07:00:00.000000Z') as an aware datetime."""
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


def protocol_context(*, data: dict[str, Any], number: int, generated_at: dt.datetime,
                     members: list[dict[str, str]]) -> dict[str, Any]:
    """What the protocol template shows, from the stored data (so a PDF can be re-rendered from the record)."""
    names = {line["id"]: line["full_name"] for line in data["candidates"]}
    tie = None
    if data.get("tie_decision"):
        decision = data["tie_decision"]
        tie = {
            "rule_label": decision["rule_label"], "explanation": decision["explanation"],
            "groups": [{"votes": group["votes"], "names": [names.get(i, str(i)) for i in group["order"]]}
                       for group in decision["groups"]],
        }
    warning = ""
    if data.get("tie_unresolved"):
        warning = ("ПРОЕКТ. Протокол не может быть подписан: равенство голосов, от которого зависит состав "
                   "призёров, не разрешено решением оргкомитета.")
    return {
        "data": data,
        "number": number,
        "generated_at": generated_at,
        "voting_open_at": parse_timestamp(data["voting_open_at"]),
        "voting_close_at": parse_timestamp(data["voting_close_at"]),
        "reasons": [(reason_label(code), count) for code, count in data["annulled_by_reason"].items()],
        "signal_reasons": signal_counts(data["annulled_by_reason"]),
        "signal_total": sum(count for _, count in signal_counts(data["annulled_by_reason"])),
        "disqualified": [line for line in data["candidates"] if line["disqualified"]],
        "without_votes": [line for line in data["candidates"] if not line["disqualified"] and not line["valid"]],
        "laureates": sorted((line for line in data["candidates"] if line["laureate"]), key=lambda line: line["place"]),
        "tie": tie,
        "warning": warning,
        "members": members,
    }


def signal_counts(by_reason: dict[str, int]) -> list[tuple[str, int]]:
    """The annulments made on an integrity signal, by the signal's kind (its reason code): (words, count)."""
    return [(reason_label(code), count) for code, count in sorted(by_reason.items())
            if code.startswith(SIGNAL_REASON_PREFIX) and count]


def protocol_generate(*, actor: User, season: Season, city: City) -> CityProtocol:
    """Make a new protocol draft of the city: count under the head lock, render the PDF, store both.

    Raises ApplicationError: city_not_found (404), voting_not_closed / protocol_signed (409).
    """
    city_review_check(actor=actor, season=season, city=city)
    with transaction.atomic():
        # The head lock: no vote or annulment of the season can be appended while we count, so the numbers and
        # the ledger head they are stated at agree.
        LedgerHead.objects.select_for_update().filter(season=season).first()
        tally = city_tally(season=season, city=city)
    data = tally.as_data()
    members = [{"full_name": member.full_name, "role": str(member.get_role_display()).capitalize()}
               for member in committee_members(city=city)]
    data["committee"] = members
    now = timezone.now()
    versions = list(
        CityProtocol.objects.filter(season=season, city=city).order_by("-version").values_list("version", "status")
    )
    if any(status == ProtocolStatus.SIGNED for _, status in versions):
        raise ApplicationError("protocol_signed", "Протокол города уже подписан.",
                               "The city's protocol is already signed.", status=409)
    number = (versions[0][0] if versions else 0) + 1
    # Rendered outside any transaction (it takes a while); the version number is claimed when saving.
    pdf = render_pdf("protocol.html", protocol_context(data=data, number=number, generated_at=now, members=members))
    protocol = CityProtocol(
        season=season, city=city, version=number, status=ProtocolStatus.DRAFT, created_at=now,
        created_by=actor, pdf_sha256=hashlib.sha256(pdf).hexdigest(), ledger_sequence=tally.ledger_sequence,
        ledger_head_hash=tally.ledger_head_hash, data=data, data_digest=data_digest(data),
    )
    protocol.pdf.save(f"protocol-{season.year}-{city.slug}-v{number}.pdf", ContentFile(pdf), save=False)
    try:
        with transaction.atomic():
            city_review_lock(season=season, city=city)
            protocol.save()  # (season, city, version) is unique: a parallel draft with our number fails here
            CityProtocol.objects.filter(season=season, city=city, status=ProtocolStatus.DRAFT).exclude(
                pk=protocol.pk
            ).update(status=ProtocolStatus.SUPERSEDED)
            audit_record(actor=actor, action="protocol_generated", obj=protocol, city=city,
                         details={"season": season.year, "version": number, "sha256": protocol.pdf_sha256,
                                  "ledger_sequence": protocol.ledger_sequence})
    except IntegrityError:
        protocol.pdf.delete(save=False)
        raise ApplicationError(
            "protocol_busy", "Протокол формируется кем-то другим прямо сейчас. Обновите страницу.",
            "Someone else is making the protocol right now. Reload the page.", status=409,
        ) from None
    except ApplicationError:
        protocol.pdf.delete(save=False)
        raise
    return protocol


def _scan_check(scan: UploadedFile) -> tuple[bytes, str]:
    if scan.size is not None and scan.size > SCAN_MAX_BYTES:
        raise ApplicationError(
            "scan_too_big", "Скан слишком большой: не больше 20 МБ.", "The scan is too big: at most 20 MB.",
            status=422,
        )
    content = scan.read()
    if len(content) > SCAN_MAX_BYTES:
        raise ApplicationError(
            "scan_too_big", "Скан слишком большой: не больше 20 МБ.", "The scan is too big: at most 20 MB.",
            status=422,
        )
    extension = next((ext for magic, ext in SCAN_TYPES.items() if content.startswith(magic)), None)
    if extension is None:
        raise ApplicationError(
            "scan_type", "Скан должен быть файлом PDF, JPEG или PNG.", "The scan must be a PDF, JPEG or PNG file.",
            status=422,
        )
    return content, extension


def _scan_store(protocol: CityProtocol, scan: UploadedFile) -> None:
    content, extension = _scan_check(scan)
    protocol.signed_scan.save(
        f"protocol-{protocol.season.year}-{protocol.city.slug}-v{protocol.version}-signed.{extension}",
        ContentFile(content), save=False,
    )
    protocol.signed_scan_sha256 = hashlib.sha256(content).hexdigest()


def protocol_sign(*, actor: User, protocol: CityProtocol, scan: UploadedFile | None = None) -> CityProtocol:
    """The committee marks the protocol signed (the paper copy carries the signatures; the scan is optional).

    Only a member of the city's committee may. Raises ApplicationError: city_not_found (404),
    committee_only (403), protocol_superseded / protocol_signed / protocol_stale (409), tie_unresolved (409).
    """
    season, city = protocol.season, protocol.city
    city_check_access(actor=actor, city=city)
    if not user_is_committee_member(actor, city):
        raise ApplicationError(
            "committee_only", "Отметить протокол подписанным может только член оргкомитета города.",
            "Only a member of the city's committee can mark the protocol signed.", status=403,
        )
    if scan is not None:
        _scan_check(scan)
        scan.seek(0)
    with transaction.atomic():
        # The head lock first (as every review action takes it): no annulment or decision can slip in between
        # the check that the draft is current and the signature.
        LedgerHead.objects.select_for_update().filter(season=season).first()
        current = CityProtocol.objects.select_for_update().get(pk=protocol.pk)
        if current.status == ProtocolStatus.SIGNED:
            raise ApplicationError("protocol_signed", "Протокол уже подписан.", "The protocol is already signed.",
                                   status=409)
        if current.status != ProtocolStatus.DRAFT:
            raise ApplicationError(
                "protocol_superseded", "Этот проект заменён более новым: подпишите последний проект.",
                "This draft has been replaced by a newer one: sign the latest draft.", status=409,
            )
        if current.data.get("tie_unresolved"):
            raise ApplicationError(
                "tie_unresolved",
                "Среди первых трёх мест есть равенство голосов: сначала оргкомитет записывает своё решение "
                "(правило и порядок мест), затем формирует протокол заново.",
                "There is a tie among the top three: the committee records its decision (the rule and the order) "
                "first, then makes the protocol again.",
                status=409,
            )
        now_data = city_tally(season=season, city=city).as_data()
        now_data["committee"] = current.data.get("committee", [])
        if data_digest(now_data) != current.data_digest:
            raise ApplicationError(
                "protocol_stale",
                "После формирования проекта итоги изменились (аннулирование или решение оргкомитета). "
                "Сформируйте протокол заново и подпишите новый проект.",
                "The result has changed since the draft was made (an annulment or a decision). "
                "Make the protocol again and sign the new draft.",
                status=409,
            )
        if scan is not None:
            _scan_store(current, scan)
        current.status = ProtocolStatus.SIGNED
        current.signed_at = timezone.now()
        current.signed_by = actor
        current.save(update_fields=["status", "signed_at", "signed_by", "signed_scan", "signed_scan_sha256"])
        audit_record(actor=actor, action="protocol_signed", obj=current, city=city,
                     details={"season": season.year, "version": current.version, "sha256": current.pdf_sha256,
                              "scan_sha256": current.signed_scan_sha256 or None})
    return current


def protocol_attach_scan(*, actor: User, protocol: CityProtocol, scan: UploadedFile) -> CityProtocol:
    """Attach the signed scan to a signed protocol that has none yet (committee members of the city)."""
    city = protocol.city
    city_check_access(actor=actor, city=city)
    if not user_is_committee_member(actor, city):
        raise ApplicationError(
            "committee_only", "Загрузить скан подписанного протокола может только член оргкомитета города.",
            "Only a member of the city's committee can upload the signed scan.", status=403,
        )
    with transaction.atomic():
        current = CityProtocol.objects.select_for_update().get(pk=protocol.pk)
        if current.status != ProtocolStatus.SIGNED:
            raise ApplicationError("protocol_not_signed", "Сначала протокол отмечают подписанным.",
                                   "Mark the protocol signed first.", status=409)
        if current.signed_scan:
            raise ApplicationError("scan_exists", "Скан этого протокола уже загружен.",
                                   "The scan of this protocol is already uploaded.", status=409)
        _scan_store(current, scan)
        current.save(update_fields=["signed_scan", "signed_scan_sha256"])
        audit_record(actor=actor, action="protocol_scan_attached", obj=current, city=city,
                     details={"season": current.season.year, "scan_sha256": current.signed_scan_sha256})
    return current

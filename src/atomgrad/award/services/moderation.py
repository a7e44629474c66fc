"""Committee moderation: a decision on an application, its audit record and the e-mail to the applicant.

The state machine itself is declared in `award.workflow`; this module is the one place that moves an application
out of «на проверке». The web workspace (and any later API or bot handler) calls `application_decide`.
"""

from __future__ import annotations

import datetime as dt
import logging
from enum import StrEnum

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from atomgrad.award.models import Application, ApplicationStatus, ModerationExtension, Season
from atomgrad.award.permissions import moderation_phase_allows, user_may_moderate_city
from atomgrad.award.phases import PHASE_RULES
from atomgrad.award.selectors import moderation_extended_until, moderation_open_in_city
from atomgrad.award.services.seasons import season_city_check
from atomgrad.award.workflow import check_transition
from atomgrad.cities.models import City
from atomgrad.cities.permissions import user_is_organiser
from atomgrad.core.errors import ApplicationError
from atomgrad.core.generations import CANDIDATES, generation_bump
from atomgrad.core.services import audit_record
from atomgrad.core.text import reason_clean, text_check
from atomgrad.core.timefmt import datetime_in

logger = logging.getLogger(__name__)

COMMENT_MAX_LENGTH = 2000


class Decision(StrEnum):
    ACCEPT = "accept"
    RETURN = "return"
    REJECT = "reject"


# The audit log's action for each decision ("application.accepted", …), next to the applicant's own
# "application.submitted" and "application.resubmitted".
DECISION_AUDIT_ACTION: dict[Decision, str] = {
    Decision.ACCEPT: "application.accepted",
    Decision.RETURN: "application.returned",
    Decision.REJECT: "application.rejected",
}


DECISION_STATUS: dict[Decision, ApplicationStatus] = {
    Decision.ACCEPT: ApplicationStatus.ACCEPTED,
    Decision.RETURN: ApplicationStatus.RETURNED,
    Decision.REJECT: ApplicationStatus.REJECTED,
}


def _decision_parse(decision: str) -> Decision:
    try:
        return Decision(decision)
    except ValueError:
        raise ApplicationError(
            "unknown_decision",
            "Неизвестное решение. Выберите: принять, вернуть на доработку или отклонить.",
            "Unknown decision. Choose accept, return for corrections or reject.",
            details={"decision": decision, "allowed": [item.value for item in Decision]},
        ) from None


def _comment_check(decision: Decision, comment: str) -> None:
    text_check(comment, field="comment", label_ru="Комментарий", label_en="Comment", multiline=True)
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ApplicationError(
            "comment_too_long",
            f"Комментарий слишком длинный: не больше {COMMENT_MAX_LENGTH} знаков.",
            f"The comment is too long: at most {COMMENT_MAX_LENGTH} characters.",
            details={"max_length": COMMENT_MAX_LENGTH},
        )
    if comment:
        return
    if decision == Decision.RETURN:
        raise ApplicationError(
            "comment_required",
            "Напишите, что заявителю нужно исправить: без комментария заявку нельзя вернуть на доработку.",
            "Say what the applicant must fix: an application cannot be returned without a comment.",
        )
    if decision == Decision.REJECT:
        raise ApplicationError(
            "reason_required",
            "Укажите причину отказа: без неё заявку нельзя отклонить.",
            "Give the reason: an application cannot be rejected without one.",
        )


def application_decide(
    *,
    actor: AbstractBaseUser | AnonymousUser,
    application: Application,
    decision: str,
    comment: str = "",
) -> Application:
    """Accept, return for corrections (a comment is required) or reject (a reason is required) an application.

    In one transaction: lock the application's row (SELECT … FOR UPDATE; on SQLite the IMMEDIATE transaction
    holds the database's write lock), check that the actor may act on its city and that the phase allows it,
    check the transition against `award.workflow` on the *locked* row, save, and append the audit entry. So of
    two committee members deciding at once, the second sees the first's decision and is refused. The e-mail to
    the applicant is sent only after the commit.

    Returns the application as saved (a fresh instance; the one passed in is not modified).
    """
    chosen = _decision_parse(decision)
    comment = (comment or "").strip()
    _comment_check(chosen, comment)
    target = DECISION_STATUS[chosen]

    with transaction.atomic():
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("season", "city")
            .filter(pk=application.pk)
            .first()
        )
        if locked is None or not user_may_moderate_city(actor, locked.city_id):
            raise ApplicationError(
                "application_not_found",
                "Заявка не найдена.",
                "Application not found.",
                status=404,
            )
        now = timezone.now()
        phase = locked.season.phase_at(now)
        if not moderation_phase_allows(actor, locked.season, city_id=locked.city_id, moment=now):
            raise ApplicationError(
                "moderation_closed",
                f"Проверка заявок этого сезона закрыта (сейчас этап «{PHASE_RULES[phase].title}»). "
                "Решение может принять только федеральный организатор.",
                f"Moderation of this season is closed (the phase is now '{phase}'). "
                "Only a federal organiser can decide.",
                status=409,
                details={"phase": str(phase)},
            )
        previous = locked.status
        try:
            check_transition(current=previous, target=target)
        except ApplicationError as error:
            raise ApplicationError(
                error.code,
                f"По этой заявке уже нельзя принять такое решение: её статус — «{ApplicationStatus(previous).label}». "
                "Возможно, решение только что принял другой член оргкомитета.",
                f"This decision is no longer possible: the application's status is '{previous}'. "
                "Another committee member may have just decided it.",
                status=409,
                details=error.details,
            ) from None

        locked.status = target
        locked.status_comment = comment
        locked.decided_at = now
        if target == ApplicationStatus.ACCEPTED:
            locked.published_at = now
        locked.save(update_fields=["status", "status_comment", "decided_at", "published_at"])
        if target == ApplicationStatus.ACCEPTED:
            generation_bump(name=CANDIDATES)  # published: every copy of the season's candidate lists is stale

        committees_window = PHASE_RULES[phase].moderation_open
        extended = not committees_window and moderation_open_in_city(
            season=locked.season, city_id=locked.city_id, moment=now
        )
        audit_record(
            actor=actor,
            action=DECISION_AUDIT_ACTION[chosen],
            obj=locked,
            city=locked.city,
            reason=comment,
            details={
                "from": previous,
                "to": target.value,
                "season": locked.season.year,
                "phase": str(phase),
                "organiser": user_is_organiser(actor),
                "after_moderation": not committees_window,
                "extended": extended,
            },
        )
        application_id = locked.pk

        def notify_applicant() -> None:  # a named function: Django logs a robust callback's __qualname__
            application_decision_notify(application_id=application_id)

        # robust: a mail server that is down must not turn a committed decision into an error page.
        transaction.on_commit(notify_applicant, robust=True)
    return locked


def application_decision_notify(*, application_id: int) -> None:
    """E-mail the applicant the committee's decision: the status, the comment, and the link to fix a returned
    application or to see the published candidate page. Call after the decision is committed."""
    application = Application.objects.select_related("season", "city", "sphere").get(pk=application_id)
    if not application.email:
        return
    edit_url = ""
    candidate_url = ""
    if application.status == ApplicationStatus.RETURNED:
        edit_url = settings.SITE_URL + reverse("award:apply_edit", args=[application.edit_token])
    elif application.status == ApplicationStatus.ACCEPTED:
        candidate_url = settings.SITE_URL + reverse("award:candidate_detail", args=[application.pk])
    context = {
        "application": application,
        "status_label": ApplicationStatus(application.status).label,
        "edit_url": edit_url,
        "candidate_url": candidate_url,
        "site_url": settings.SITE_URL,
    }
    # Applicants read Russian; the site's default language, whatever language the committee member uses.
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("award/email/application_decision_subject.txt", context).split())
        text = render_to_string("award/email/application_decision.txt", context)
        html = render_to_string("award/email/application_decision.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [application.email])
    message.attach_alternative(html, "text/html")
    message.send()
    logger.info("decision e-mail sent for application %s (%s)", application_id, application.status)


# --- extensions of a city's moderation ------------------------------------------------------------------------


def moderation_extension_validate(*, season: Season, city: City, closes_at: dt.datetime, reason: str) -> str:
    """Check an extension before it is made; returns the cleaned reason. Raises ApplicationError.

    An extension ends after the vote has opened (before that the committees' window is open anyway) and no
    later than the season's vote closes: a candidate published after the close could get no votes."""
    reason = reason_clean(reason=reason, what_ru="продления проверки заявок", what_en="extending the moderation")
    if timezone.is_naive(closes_at):
        raise ValueError("closes_at must be timezone-aware")
    if closes_at <= season.voting_open_at:
        raise ApplicationError(
            "extension_not_later",
            f"Новое время окончания проверки должно быть позже начала голосования "
            f"({datetime_in(season.voting_open_at, 'ru')}): до него оргкомитеты и так проверяют заявки.",
            f"The new end of moderation must be later than the vote's opening "
            f"({datetime_in(season.voting_open_at, 'en')}): committees moderate until then anyway.",
            status=422,
        )
    if closes_at > season.voting_close_at:
        raise ApplicationError(
            "extension_after_voting",
            f"Проверка заявок должна закончиться до окончания голосования "
            f"({datetime_in(season.voting_close_at, 'ru')}): иначе опубликованный соискатель не успеет получить "
            "голоса.",
            f"Moderation must end before the vote closes ({datetime_in(season.voting_close_at, 'en')}): otherwise "
            "a candidate published then could get no votes.",
            status=422,
        )
    season_city_check(season=season, city=city)
    return reason


def moderation_extend(
    *, actor: AbstractBaseUser | AnonymousUser, season: Season, city: City, closes_at: dt.datetime, reason: str
) -> ModerationExtension:
    """Organisers let a city's committee decide applications until `closes_at`, during the vote; audited with
    the previous end. The latest extension of a city is in force (a later one may also end it sooner)."""
    if not user_is_organiser(actor):
        raise ApplicationError(
            "forbidden", "Продлевать проверку заявок могут только организаторы премии.",
            "Only the award's organisers can extend the moderation.", status=403,
        )
    reason = moderation_extension_validate(season=season, city=city, closes_at=closes_at, reason=reason)
    with transaction.atomic():
        previous = moderation_extended_until(season=season, city_id=city.pk) or season.voting_open_at
        extension = ModerationExtension.objects.create(
            season=season, city=city, closes_at=closes_at, reason=reason, actor=actor
        )
        audit_record(
            actor=actor, action="moderation_extended", obj=extension, city=city, reason=reason,
            details={"season": season.year, "closes_at": closes_at.isoformat(), "previous": previous.isoformat()},
        )
    return extension

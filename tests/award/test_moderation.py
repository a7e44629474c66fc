"""The moderation service: the state machine, comments, phases, city isolation, the audit log, the e-mails,
and parallel decisions on one application."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from atomgrad.award.models import Application, ApplicationStatus
from atomgrad.award.phases import Phase
from atomgrad.award.selectors import candidate_list_published
from atomgrad.award.services.moderation import application_decide
from atomgrad.core.errors import ApplicationError
from atomgrad.core.models import AuditLogEntry
from tests.concurrency import run_each
from tests.factories import (
    ApplicationFactory,
    CityFactory,
    CommitteeMemberFactory,
    SeasonFactory,
    UserFactory,
    make_organiser,
)

DECISION_TARGET = {
    "accept": ApplicationStatus.ACCEPTED,
    "return": ApplicationStatus.RETURNED,
    "reject": ApplicationStatus.REJECTED,
}



@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Factories give every user a password; the production hasher would spend most of these tests on it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

@pytest.fixture
def city():
    return CityFactory(slug="zarechny", name_ru="Заречный", name_en="Zarechny")


@pytest.fixture
def season(city):
    return SeasonFactory(phase=Phase.MODERATION, cities=[city])


@pytest.fixture
def member(city):
    return CommitteeMemberFactory(city=city, full_name="Секретарёва Ольга Павловна").user


def audit_entries(application: Application):
    return AuditLogEntry.objects.filter(object_type="award.application", object_id=str(application.pk))


# --- the state machine ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("decision", ["accept", "return", "reject"])
def test_a_submitted_application_can_take_every_decision(
    decision, season, city, member, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(season=season, city=city)
    with django_capture_on_commit_callbacks(execute=True):
        decided = application_decide(actor=member, application=application, decision=decision, comment="Комментарий")
    application.refresh_from_db()
    assert decided.status == application.status == DECISION_TARGET[decision]
    assert application.decided_at is not None
    assert application.status_comment == "Комментарий"
    assert (application.published_at is not None) == (decision == "accept")


@pytest.mark.django_db
@pytest.mark.parametrize("start", [ApplicationStatus.RETURNED, ApplicationStatus.ACCEPTED, ApplicationStatus.REJECTED])
@pytest.mark.parametrize("decision", ["accept", "return", "reject"])
def test_only_a_submitted_application_can_be_decided(decision, start, season, city, member, mailoutbox):
    application = ApplicationFactory(season=season, city=city, status=start, status_comment="было")
    with pytest.raises(ApplicationError) as refused:
        application_decide(actor=member, application=application, decision=decision, comment="Новое решение")
    assert refused.value.code == "illegal_transition"
    assert refused.value.status == 409
    application.refresh_from_db()
    assert application.status == start
    assert application.status_comment == "было"
    assert not audit_entries(application).exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_deciding_twice_is_refused(season, city, member, django_capture_on_commit_callbacks, mailoutbox):
    application = ApplicationFactory(season=season, city=city)
    with django_capture_on_commit_callbacks(execute=True):
        application_decide(actor=member, application=application, decision="accept", comment="")
    other_member = CommitteeMemberFactory(city=city).user
    with pytest.raises(ApplicationError) as refused:
        # The caller still holds the stale instance that says "submitted": the locked row decides.
        application_decide(actor=other_member, application=application, decision="reject", comment="Дубль")
    assert refused.value.code == "illegal_transition"
    assert "уже" in refused.value.message_ru
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    assert audit_entries(application).count() == 1
    assert len(mailoutbox) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("decision", "comment", "code"),
    [
        ("return", "", "comment_required"),
        ("return", "   \n\t ", "comment_required"),
        ("reject", "", "reason_required"),
        ("reject", "  ", "reason_required"),
        ("reject", "х" * 2001, "comment_too_long"),
        ("publish", "Комментарий", "unknown_decision"),
        ("", "", "unknown_decision"),
    ],
)
def test_a_decision_needs_what_it_needs(decision, comment, code, season, city, member, mailoutbox):
    application = ApplicationFactory(season=season, city=city)
    with pytest.raises(ApplicationError) as refused:
        application_decide(actor=member, application=application, decision=decision, comment=comment)
    assert refused.value.code == code
    assert refused.value.message_ru and refused.value.message_en
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.decided_at is None
    assert not audit_entries(application).exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_accepting_publishes_the_candidate(season, city, member, django_capture_on_commit_callbacks):
    application = ApplicationFactory(season=season, city=city)
    assert not candidate_list_published(season=season, city=city).exists()
    with django_capture_on_commit_callbacks(execute=True):
        application_decide(actor=member, application=application, decision="accept", comment="  ")
    application.refresh_from_db()
    assert application.status_comment == ""
    assert application.published_at == application.decided_at
    assert list(candidate_list_published(season=season, city=city)) == [application]


# --- who and when --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_member_of_another_city_cannot_decide(season, city, mailoutbox):
    application = ApplicationFactory(season=season, city=city)
    stranger = CommitteeMemberFactory(city=CityFactory()).user
    for actor in (stranger, UserFactory()):
        with pytest.raises(ApplicationError) as refused:
            application_decide(actor=actor, application=application, decision="accept", comment="")
        assert refused.value.code == "application_not_found"
        assert refused.value.status == 404
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not audit_entries(application).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("phase", list(Phase))
def test_committees_decide_only_while_moderation_is_open(phase, city, member):
    season = SeasonFactory(phase=phase, cities=[city])
    application = ApplicationFactory(season=season, city=city)
    if phase in (Phase.APPLICATIONS, Phase.MODERATION):
        application_decide(actor=member, application=application, decision="accept", comment="")
        application.refresh_from_db()
        assert application.status == ApplicationStatus.ACCEPTED
        assert audit_entries(application).get().details["after_moderation"] is False
    else:
        with pytest.raises(ApplicationError) as refused:
            application_decide(actor=member, application=application, decision="accept", comment="")
        assert refused.value.code == "moderation_closed"
        application.refresh_from_db()
        assert application.status == ApplicationStatus.SUBMITTED


@pytest.mark.django_db
@pytest.mark.parametrize("phase", [Phase.VOTING, Phase.VERIFICATION, Phase.CEREMONY])
def test_organisers_may_decide_after_moderation_and_it_is_marked(phase, city):
    organiser = make_organiser()
    season = SeasonFactory(phase=phase, cities=[city])
    application = ApplicationFactory(season=season, city=city)
    application_decide(actor=organiser, application=application, decision="reject", comment="Не житель города")
    entry = audit_entries(application).get()
    assert entry.actor == organiser
    assert entry.details["organiser"] is True
    assert entry.details["after_moderation"] is True
    assert entry.details["phase"] == phase.value


# --- the audit log ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("decision", "action"),
    [("accept", "application.accepted"), ("return", "application.returned"), ("reject", "application.rejected")],
)
def test_every_decision_is_audited(decision, action, season, city, member):
    application = ApplicationFactory(season=season, city=city)
    application_decide(actor=member, application=application, decision=decision, comment="  Почему так  ")
    entry = audit_entries(application).get()
    assert entry.actor == member
    assert entry.action == action
    assert entry.city == city
    assert entry.reason == "Почему так"
    assert entry.created_at is not None
    assert entry.details["from"] == "submitted"
    assert entry.details["to"] == DECISION_TARGET[decision]
    assert entry.details["season"] == season.year


# --- the e-mail to the applicant -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_applicant_is_told_after_the_commit(season, city, member, django_capture_on_commit_callbacks):
    application = ApplicationFactory(season=season, city=city, email="anna@example.org")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        application_decide(actor=member, application=application, decision="accept", comment="")
    assert mail.outbox == []  # nothing leaves before the decision is committed
    (notify,) = [callback for callback in callbacks if "notify_applicant" in callback.__qualname__]
    notify()
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_accepted_applicant_gets_the_candidate_page(
    season, city, member, django_capture_on_commit_callbacks, mailoutbox, settings
):
    settings.SITE_URL = "https://award.example.org"
    application = ApplicationFactory(season=season, city=city, email="anna@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        application_decide(actor=member, application=application, decision="accept", comment="Поздравляем!")
    (message,) = mailoutbox
    assert message.to == ["anna@example.org"]
    assert "принята" in message.subject
    assert "принята" in message.body
    assert "Поздравляем!" in message.body
    assert "https://award.example.org" + reverse("award:candidate_detail", args=[application.pk]) in message.body
    assert application.edit_token not in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Поздравляем!" in html


@pytest.mark.django_db
def test_the_returned_applicant_gets_the_comment_and_the_edit_link(
    season, city, member, django_capture_on_commit_callbacks, mailoutbox, settings
):
    settings.SITE_URL = "https://award.example.org"
    application = ApplicationFactory(season=season, city=city)
    with django_capture_on_commit_callbacks(execute=True):
        application_decide(
            actor=member, application=application, decision="return", comment="Замените фотографию: лицо не видно."
        )
    (message,) = mailoutbox
    edit_url = "https://award.example.org" + reverse("award:apply_edit", args=[application.edit_token])
    assert "исправить" in message.subject.lower()
    assert "Замените фотографию: лицо не видно." in message.body
    assert edit_url in message.body
    assert edit_url in message.alternatives[0][0]


@pytest.mark.django_db
def test_the_rejected_applicant_gets_the_reason(season, city, member, django_capture_on_commit_callbacks, mailoutbox):
    application = ApplicationFactory(season=season, city=city)
    with django_capture_on_commit_callbacks(execute=True):
        application_decide(actor=member, application=application, decision="reject", comment="Живёт в другом городе.")
    (message,) = mailoutbox
    assert "отклонена" in message.subject
    assert "Причина:" in message.body
    assert "Живёт в другом городе." in message.body
    assert application.edit_token not in message.body


class BrokenBackend:
    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        pass

    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("the mail server is down")


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_failure_does_not_undo_the_decision(settings, city):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenBackend"
    season = SeasonFactory(phase=Phase.MODERATION, cities=[city])
    member = CommitteeMemberFactory(city=city).user
    application = ApplicationFactory(season=season, city=city)
    application_decide(actor=member, application=application, decision="accept", comment="")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    assert audit_entries(application).count() == 1


# --- parallel decisions --------------------------------------------------------------------------------


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_parallel_decisions_on_one_application_make_exactly_one(mailoutbox):
    city = CityFactory()
    season = SeasonFactory(phase=Phase.MODERATION, cities=[city])
    application = ApplicationFactory(season=season, city=city)
    members = [CommitteeMemberFactory(city=city).user for _ in range(8)]
    decisions = ["accept", "return", "reject"]
    outcomes = run_each(len(members), lambda index: application_decide(
        actor=members[index], application=application, decision=decisions[index % 3], comment=f"Решение {index}",
    ))

    decided = [outcome.status for outcome in outcomes if isinstance(outcome, Application)]
    refused = [outcome.code for outcome in outcomes if isinstance(outcome, ApplicationError)]
    assert len(decided) + len(refused) == len(members), outcomes
    assert len(decided) == 1
    assert refused == ["illegal_transition"] * (len(members) - 1)
    application.refresh_from_db()
    assert application.status == decided[0]
    (entry,) = audit_entries(application)
    assert entry.details["to"] == decided[0]
    assert len(mailoutbox) == 1

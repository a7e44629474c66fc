"""Organisers extend one city's moderation into the vote: the service's checks and audit entry, the committee's
decisions under it (and not in other cities, not after it ends), the applicant's fix of a returned application,
the committee's pages, the admin and the demo."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from atomgrad.award.models import ApplicationStatus, ModerationExtension
from atomgrad.award.phases import Phase
from atomgrad.award.selectors import candidate_list_published, moderation_open_in_city
from atomgrad.award.services.moderation import application_decide, moderation_extend
from atomgrad.award.services.staff import organiser_grant
from atomgrad.core.errors import ApplicationError
from atomgrad.core.models import AuditLogEntry
from tests.factories import (
    ApplicationFactory,
    CityFactory,
    CommitteeMemberFactory,
    SeasonFactory,
    UserFactory,
    make_organiser,
)

REASON = "Оргкомитет города сформирован позже других"


class World:
    """A season whose vote is open; two cities, each with a committee member and an undecided application."""

    def __init__(self) -> None:
        self.city_a = CityFactory(slug="sarov", name_ru="Саров", name_en="Sarov")
        self.city_b = CityFactory(slug="seversk", name_ru="Северск", name_en="Seversk")
        self.season = SeasonFactory(phase=Phase.VOTING, cities=[self.city_a, self.city_b])
        self.organiser = make_organiser(UserFactory(username="organiser"))
        self.member_a = CommitteeMemberFactory(city=self.city_a, user=UserFactory(username="sarov-member")).user
        self.member_b = CommitteeMemberFactory(city=self.city_b, user=UserFactory(username="seversk-member")).user
        self.waiting_a = ApplicationFactory(season=self.season, city=self.city_a,
                                            full_name="Алексеева Мария Ивановна")
        self.waiting_b = ApplicationFactory(season=self.season, city=self.city_b,
                                            full_name="Борисов Пётр Олегович")

    def extend_a(self, closes_at: dt.datetime | None = None) -> ModerationExtension:
        return moderation_extend(actor=self.organiser, season=self.season, city=self.city_a,
                                 closes_at=closes_at or timezone.now() + dt.timedelta(days=3), reason=REASON)


@pytest.fixture
def world(db):
    return World()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the service -----------------------------------------------------------------------------------------


def test_without_an_extension_committees_cannot_decide_during_the_vote(world):
    with pytest.raises(ApplicationError) as caught:
        application_decide(actor=world.member_a, application=world.waiting_a, decision="accept")
    assert caught.value.code == "moderation_closed"


def test_an_extension_lets_that_citys_committee_publish_a_candidate_who_joins_the_vote(world):
    world.extend_a()
    decided = application_decide(actor=world.member_a, application=world.waiting_a, decision="accept")

    assert decided.status == ApplicationStatus.ACCEPTED
    published = candidate_list_published(season=world.season, city=world.city_a)
    assert [candidate.pk for candidate in published] == [world.waiting_a.pk]
    entry = AuditLogEntry.objects.get(action="application.accepted", object_id=str(world.waiting_a.pk))
    assert entry.details["after_moderation"] is True and entry.details["extended"] is True
    assert entry.details["organiser"] is False


def test_an_extension_is_for_its_city_only(world):
    world.extend_a()
    with pytest.raises(ApplicationError) as caught:
        application_decide(actor=world.member_b, application=world.waiting_b, decision="reject",
                           comment="Не проживает в городе")
    assert caught.value.code == "moderation_closed"
    world.waiting_b.refresh_from_db()
    assert world.waiting_b.status == ApplicationStatus.SUBMITTED


def test_the_latest_extension_is_in_force_and_ends_the_window(world):
    world.extend_a()
    # Organisers bring the end back to a moment already past: the committee's window is closed again.
    world.extend_a(closes_at=world.season.voting_open_at + dt.timedelta(seconds=1))
    assert not moderation_open_in_city(season=world.season, city_id=world.city_a.pk)
    with pytest.raises(ApplicationError) as caught:
        application_decide(actor=world.member_a, application=world.waiting_a, decision="accept")
    assert caught.value.code == "moderation_closed"


def test_the_window_follows_the_extensions_end(world):
    extension = world.extend_a()
    before_end = extension.closes_at - dt.timedelta(seconds=1)
    assert moderation_open_in_city(season=world.season, city_id=world.city_a.pk, moment=before_end)
    assert not moderation_open_in_city(season=world.season, city_id=world.city_a.pk, moment=extension.closes_at)
    # After the vote an extension opens nothing, whatever it says.
    assert not moderation_open_in_city(season=world.season, city_id=world.city_a.pk,
                                       moment=world.season.voting_close_at)


def test_granting_is_audited_with_the_previous_end(world):
    first = world.extend_a()
    second = world.extend_a(closes_at=first.closes_at + dt.timedelta(days=1))
    entries = AuditLogEntry.objects.filter(action="moderation_extended").order_by("id")
    assert [entry.object_id for entry in entries] == [str(first.pk), str(second.pk)]
    assert entries[0].details["previous"] == world.season.voting_open_at.isoformat()
    assert entries[1].details["previous"] == first.closes_at.isoformat()
    assert entries[1].reason == REASON and entries[1].actor == world.organiser


@pytest.mark.parametrize(
    ("closes_at", "reason", "code"),
    [
        (lambda season: season.voting_open_at, REASON, "extension_not_later"),
        (lambda season: season.voting_close_at + dt.timedelta(seconds=1), REASON, "extension_after_voting"),
        (lambda season: season.voting_close_at, "   ", "reason_required"),
    ],
)
def test_bad_extensions_are_refused_and_change_nothing(world, closes_at, reason, code):
    with pytest.raises(ApplicationError) as caught:
        moderation_extend(actor=world.organiser, season=world.season, city=world.city_a,
                          closes_at=closes_at(world.season), reason=reason)
    assert caught.value.code == code
    assert caught.value.message("ru") and caught.value.message("en")
    assert not ModerationExtension.objects.exists()
    assert not AuditLogEntry.objects.filter(action="moderation_extended").exists()


def test_only_organisers_extend(world):
    with pytest.raises(ApplicationError) as caught:
        moderation_extend(actor=world.member_a, season=world.season, city=world.city_a,
                          closes_at=timezone.now() + dt.timedelta(days=1), reason=REASON)
    assert caught.value.code == "forbidden" and caught.value.status == 403
    assert not ModerationExtension.objects.exists()


def test_a_city_outside_the_season_is_refused(world):
    elsewhere = CityFactory(slug="ozersk", name_ru="Озёрск", name_en="Ozersk")
    with pytest.raises(ApplicationError) as caught:
        moderation_extend(actor=world.organiser, season=world.season, city=elsewhere,
                          closes_at=timezone.now() + dt.timedelta(days=1), reason=REASON)
    assert caught.value.code == "city_not_in_season"


# --- the web surfaces ------------------------------------------------------------------------------------


def test_the_committee_decides_over_http_and_sees_why_it_still_can(world):
    world.extend_a()
    client = logged_in(world.member_a)
    queue = client.get(reverse("award:committee_queue")).content.decode()
    assert "Организаторы продлили проверку заявок этого города до" in queue
    assert "решения по заявкам больше не принимаются" not in queue

    response = client.post(reverse("award:committee_decide", args=[world.waiting_a.pk]),
                           {"decision": "return", "comment": "Добавьте описание заслуг"})
    assert response.status_code == 302
    world.waiting_a.refresh_from_db()
    assert world.waiting_a.status == ApplicationStatus.RETURNED

    other = logged_in(world.member_b).get(reverse("award:committee_queue")).content.decode()
    assert "решения по заявкам больше не принимаются" in other


def test_an_applicant_in_the_extended_city_can_fix_a_returned_application(world):
    world.extend_a()
    returned_a = ApplicationFactory(season=world.season, city=world.city_a, status=ApplicationStatus.RETURNED,
                                    status_comment="Добавьте описание заслуг")
    returned_b = ApplicationFactory(season=world.season, city=world.city_b, status=ApplicationStatus.RETURNED,
                                    status_comment="Добавьте описание заслуг")
    fixable = Client().get(reverse("award:apply_edit", args=[returned_a.edit_token]))
    closed = Client().get(reverse("award:apply_edit", args=[returned_b.edit_token]))
    assert "award/apply/status.html" not in [template.name for template in fixable.templates]
    assert "award/apply/status.html" in [template.name for template in closed.templates]


def test_organisers_extend_through_the_admin(world):
    client = logged_in(organiser_grant(user=world.organiser))
    url = reverse("admin:award_moderationextension_add")
    closes = timezone.localtime(world.season.voting_close_at + dt.timedelta(days=1))
    refused = client.post(url, {"season": world.season.pk, "city": world.city_a.pk,
                                "closes_at_0": closes.strftime("%d.%m.%Y"), "closes_at_1": closes.strftime("%H:%M"),
                                "reason": REASON})
    assert refused.status_code == 200
    assert "до окончания голосования" in refused.content.decode()
    assert not ModerationExtension.objects.exists()

    closes = timezone.localtime(timezone.now() + dt.timedelta(days=2))
    saved = client.post(url, {"season": world.season.pk, "city": world.city_a.pk,
                              "closes_at_0": closes.strftime("%d.%m.%Y"), "closes_at_1": closes.strftime("%H:%M"),
                              "reason": REASON})
    assert saved.status_code == 302
    extension = ModerationExtension.objects.get()
    assert extension.actor == world.organiser
    assert AuditLogEntry.objects.filter(action="moderation_extended", object_id=str(extension.pk)).exists()


# --- the demo --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_leaves_one_city_whose_committee_still_moderates_during_the_vote(client):
    call_command("demo", "--applications", "120", "--votes", "0", stdout=open("/dev/null", "w"))  # noqa: SIM115
    extension = ModerationExtension.objects.select_related("season", "city").get()
    season, city = extension.season, extension.city
    assert season.phase == Phase.VOTING
    waiting = season.applications.filter(city=city, status=ApplicationStatus.SUBMITTED).first()
    assert waiting is not None

    committee = get_user_model().objects.get(username=city.slug)
    decided = application_decide(actor=committee, application=waiting, decision="accept")
    assert decided.status == ApplicationStatus.ACCEPTED

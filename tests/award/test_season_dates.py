"""Every change of a season's dates has a reason, a confirmation when it cuts the open phase short, and an audit
entry with the old and new values — through the service, the admin and the command alike."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from atomgrad.award.models import Season
from atomgrad.award.phases import Phase
from atomgrad.award.services.seasons import season_dates_change
from atomgrad.award.services.staff import organiser_grant
from atomgrad.core.errors import ApplicationError
from atomgrad.core.models import AuditLogEntry
from tests.factories import CityFactory, SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def voting():
    season = SeasonFactory(phase=Phase.VOTING, cities=[CityFactory()])
    fields = ("applications_open_at", "applications_close_at", "voting_open_at", "voting_close_at", "results_at",
              "ceremony_at")
    # whole seconds, as the admin's form sends them
    Season.objects.filter(pk=season.pk).update(**{f: getattr(season, f).replace(microsecond=0) for f in fields})
    season.refresh_from_db()
    return season


def _entries():
    return list(AuditLogEntry.objects.filter(action="season_dates_changed"))


def test_closing_the_vote_now_needs_a_reason_and_a_confirmation_and_is_audited(voting):
    organiser = organiser_grant(user=UserFactory(username="federal"))
    old_close = voting.voting_close_at
    now = timezone.now()
    with pytest.raises(ApplicationError) as error:
        season_dates_change(actor=organiser, season=voting, dates={"voting_close_at": now}, reason="  ")
    assert error.value.code == "reason_required"
    with pytest.raises(ApplicationError) as error:
        season_dates_change(actor=organiser, season=voting, dates={"voting_close_at": now}, reason="Сбой SMS")
    assert error.value.code == "confirmation_required" and "Народное голосование" in error.value.message_ru
    voting.refresh_from_db()
    assert voting.voting_close_at == old_close and _entries() == []

    season_dates_change(actor=organiser, season=voting, dates={"voting_close_at": now}, reason="Сбой SMS",
                        confirmed=True)
    voting.refresh_from_db()
    assert voting.voting_close_at == now and voting.phase == Phase.VERIFICATION
    [entry] = _entries()
    assert entry.actor == organiser and entry.reason == "Сбой SMS" and entry.object_id == str(voting.pk)
    assert entry.details["changes"] == {"voting_close_at": {"old": old_close.isoformat(), "new": now.isoformat()}}
    assert (entry.details["phase_before"], entry.details["phase_after"]) == ("voting", "verification")


def test_an_extension_needs_a_reason_but_no_confirmation(voting):
    later = voting.voting_close_at + dt.timedelta(days=2)
    season_dates_change(actor=None, season=voting, dates={"voting_close_at": later}, reason="Продление")
    assert Season.objects.get(pk=voting.pk).voting_close_at == later
    assert _entries()[0].details["changes"]["voting_close_at"]["new"] == later.isoformat()


def test_dates_out_of_order_and_no_change_write_nothing(voting):
    with pytest.raises(ApplicationError) as error:
        season_dates_change(actor=None, season=voting, dates={"voting_close_at": voting.voting_open_at},
                            reason="Ошибка", confirmed=True)
    assert error.value.code == "season_dates_order"
    season_dates_change(actor=None, season=voting, dates={"voting_close_at": voting.voting_close_at}, reason="Так")
    assert _entries() == []


def _admin_form(season: Season, **overrides: str) -> dict[str, object]:
    def split(value: dt.datetime) -> tuple[str, str]:
        local = timezone.localtime(value)
        return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")

    form: dict[str, object] = {
        "year": str(season.year), "title": season.title, "cities": [c.pk for c in season.cities.all()],
        "min_age": "18", "laureate_cooldown_years": "3", "votes_per_voter": str(season.votes_per_voter),
        "laureate_min_valid_votes": "1", "own_city_only": "on",
    }
    for field in ("applications_open_at", "applications_close_at", "voting_open_at", "voting_close_at",
                  "results_at", "ceremony_at"):
        form[f"{field}_0"], form[f"{field}_1"] = split(getattr(season, field))
    form.update(overrides)
    return form


def test_the_admin_asks_for_a_reason_and_a_confirmation_before_closing_the_vote(voting):
    client = Client()
    client.force_login(organiser_grant(user=UserFactory(username="federal")))
    url = f"/admin/award/season/{voting.pk}/change/"
    now_date, now_time = timezone.localtime(timezone.now()).strftime("%Y-%m-%d %H:%M:%S").split()
    form = _admin_form(voting, voting_close_at_0=now_date, voting_close_at_1=now_time)

    page = client.post(url, form).content.decode()
    assert "Укажите причину изменения сроков сезона" in page and "Подтвердите его" in page
    assert Season.objects.get(pk=voting.pk).phase == Phase.VOTING

    form.update(change_reason="Решение оргкомитета от 1 октября", confirm_change="on")
    assert client.post(url, form).status_code == 302
    assert Season.objects.get(pk=voting.pk).phase == Phase.VERIFICATION
    [entry] = _entries()
    assert entry.reason == "Решение оргкомитета от 1 октября" and "voting_close_at" in entry.details["changes"]


def test_the_admin_saves_other_settings_without_a_reason(voting):
    client = Client()
    client.force_login(organiser_grant(user=UserFactory(username="federal")))
    response = client.post(f"/admin/award/season/{voting.pk}/change/", _admin_form(voting, title="Новое название"))
    assert response.status_code == 302
    assert Season.objects.get(pk=voting.pk).title == "Новое название" and _entries() == []


def test_the_command_goes_through_the_same_service(voting):
    close = timezone.localtime(timezone.now() - dt.timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")
    with pytest.raises(CommandError, match="--yes"):
        call_command("season_dates", "--season", str(voting.year), "--voting-close-at", close, "--reason", "Тест")
    call_command("season_dates", "--season", str(voting.year), "--voting-close-at", close, "--reason", "Тест",
                 "--yes")
    assert Season.objects.get(pk=voting.pk).phase == Phase.VERIFICATION
    assert _entries()[0].actor is None and _entries()[0].reason == "Тест"
    with pytest.raises(CommandError, match="no season"):
        call_command("season_dates", "--season", "1900", "--results-at", close, "--reason", "Тест")

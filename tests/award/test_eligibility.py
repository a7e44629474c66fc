"""Every eligibility rule of `application_submit`, checked against the season (through the service)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from atomgrad.award.identity import person_key_for
from atomgrad.award.models import Application, ApplicationStatus, Laureate, NominationKind
from atomgrad.award.services import applications as applications_service
from atomgrad.award.services.applications import age_on, application_submit, applications_close_day
from atomgrad.core.errors import ApplicationError
from atomgrad.core.models import AuditLogEntry
from atomgrad.core.timefmt import MOSCOW
from tests.award.apply_support import (
    VALID_BIRTH_DATE,
    VALID_NAME,
    consent_document,
    open_season,
    pdf_bytes,
    petition_upload,
    service_arguments,
    stored_files,
)
from tests.factories import CityFactory, ConsentDocumentFactory, SeasonFactory, SphereFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _consent():
    consent_document()


def refusal(**kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        application_submit(**kwargs)
    return caught.value


def assert_nothing_saved() -> None:
    assert Application.objects.count() == 0
    assert stored_files() == []


# --- age --------------------------------------------------------------------------------------------------


def test_eighteen_on_the_close_day_is_eligible():
    season = open_season()
    close_day = applications_close_day(season)
    birth = close_day.replace(year=close_day.year - 18)
    application = application_submit(**service_arguments(season, birth_date=birth))
    assert application.birth_date == birth


def test_one_day_short_of_eighteen_on_the_close_day_is_refused():
    season = open_season()
    close_day = applications_close_day(season)
    birth = close_day.replace(year=close_day.year - 18) + dt.timedelta(days=1)
    error = refusal(**service_arguments(season, birth_date=birth))
    assert error.code == "too_young"
    assert error.details["field"] == "birth_date"
    assert "18 лет" in error.message_ru and "18 years" in error.message_en
    assert_nothing_saved()


def test_the_close_day_is_taken_in_moscow_time():
    # 22:30 UTC is already 01:30 of the next day in Moscow: a person turning 18 on that Moscow day is eligible.
    season = open_season()
    utc_day = (timezone.now() + dt.timedelta(days=5)).date()
    season.applications_close_at = dt.datetime.combine(utc_day, dt.time(22, 30), tzinfo=dt.UTC)
    season.save()
    moscow_day = season.applications_close_at.astimezone(MOSCOW).date()
    assert moscow_day == utc_day + dt.timedelta(days=1)
    birth = moscow_day.replace(year=moscow_day.year - 18)
    application_submit(**service_arguments(season, birth_date=birth))
    assert Application.objects.count() == 1


def test_the_season_minimum_age_is_a_setting():
    season = open_season(min_age=21)
    close_day = applications_close_day(season)
    error = refusal(**service_arguments(season, birth_date=close_day.replace(year=close_day.year - 20)))
    assert error.code == "too_young"
    assert "21 год " in error.message_ru


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (dt.date(2008, 2, 29), dt.date(2026, 2, 28), 18),  # leap-day birthday: a year ends on 28 Feb
        (dt.date(2008, 2, 29), dt.date(2026, 2, 27), 17),
        (dt.date(2008, 2, 29), dt.date(2028, 2, 28), 19),
        (dt.date(2008, 2, 29), dt.date(2028, 2, 29), 20),
        (dt.date(2008, 6, 15), dt.date(2026, 6, 14), 17),
        (dt.date(2008, 6, 15), dt.date(2026, 6, 15), 18),
    ],
)
def test_age_on(birth, day, age):
    assert age_on(birth_date=birth, day=day) == age


def test_a_birth_date_in_the_future_is_refused():
    season = open_season()
    error = refusal(**service_arguments(season, birth_date=timezone.localdate() + dt.timedelta(days=3)))
    assert error.code == "birth_date_invalid"


# --- city -------------------------------------------------------------------------------------------------


def test_a_city_outside_the_season_is_refused():
    season = open_season()
    elsewhere = CityFactory(name_ru="Непричастный")
    error = refusal(**service_arguments(season, city=elsewhere))
    assert error.code == "city_not_participating"
    assert error.details["field"] == "city"
    assert "Непричастный" in error.message_ru
    assert_nothing_saved()


# --- laureates --------------------------------------------------------------------------------------------


def make_laureate(*, season_year: int, city, full_name: str = VALID_NAME, birth_date=VALID_BIRTH_DATE, place=1):
    past = SeasonFactory(year=season_year, phase="ceremony")
    return Laureate.objects.create(
        season=past, city=city, full_name=full_name, birth_date=birth_date,
        person_key=person_key_for(full_name, birth_date), place=place,
    )


def test_a_laureate_inside_the_waiting_period_is_refused():
    season = open_season(laureate_cooldown_years=3)
    make_laureate(season_year=season.year - 3, city=season.cities.first(), place=2)
    error = refusal(**service_arguments(season))
    assert error.code == "recent_laureate"
    assert str(season.year - 3) in error.message_ru
    assert error.details["eligible_from"] == season.year + 1
    assert_nothing_saved()


def test_a_laureate_outside_the_waiting_period_may_apply_again():
    season = open_season(laureate_cooldown_years=3)
    make_laureate(season_year=season.year - 4, city=season.cities.first())
    assert application_submit(**service_arguments(season)).pk


def test_a_laureate_is_recognised_however_the_name_is_typed_and_in_any_city():
    season = open_season(laureate_cooldown_years=2)
    make_laureate(season_year=season.year - 1, city=CityFactory(), full_name="ПЕТРОВА  Алена   сергеевна")
    error = refusal(**service_arguments(season, full_name="Петрова Алёна Сергеевна"))
    assert error.code == "recent_laureate"


def test_a_waiting_period_of_zero_lets_last_years_laureate_apply():
    season = open_season(laureate_cooldown_years=0)
    make_laureate(season_year=season.year - 1, city=season.cities.first())
    assert application_submit(**service_arguments(season)).pk


def test_a_namesake_with_another_birth_date_is_not_the_laureate():
    season = open_season()
    make_laureate(season_year=season.year - 1, city=season.cities.first(), birth_date=dt.date(1970, 1, 1))
    assert application_submit(**service_arguments(season)).pk


# --- the window -------------------------------------------------------------------------------------------


def test_before_the_window_opens_applications_are_refused_with_the_dates():
    city = CityFactory()
    season = SeasonFactory(phase="upcoming", cities=[city])
    error = refusal(**service_arguments(season))
    assert error.code == "applications_not_open"
    assert error.status == 409
    assert "откроется" in error.message_ru and "(МСК)" in error.message_ru
    assert_nothing_saved()


@pytest.mark.parametrize("phase", ["moderation", "voting", "results"])
def test_after_the_window_closes_applications_are_refused_with_the_dates(phase):
    city = CityFactory()
    season = SeasonFactory(phase=phase, cities=[city])
    error = refusal(**service_arguments(season))
    assert error.code == "applications_closed"
    assert "завершён" in error.message_ru
    assert_nothing_saved()


# --- one application per person ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "same_person",
    ["Петрова Алёна Сергеевна", "петрова алена сергеевна", "  ПЕТРОВА   АЛЁНА  Сергеевна ", "Петрова Алена Сергеевна"],
)
def test_a_second_application_of_the_same_person_is_refused(same_person):
    season = open_season()
    application_submit(**service_arguments(season, full_name="Петрова Алёна Сергеевна"))
    files_before = sorted(stored_files())
    error = refusal(**service_arguments(season, full_name=same_person, email="other@example.org"))
    assert error.code == "duplicate_application"
    assert error.status == 409
    assert Application.objects.count() == 1
    assert sorted(stored_files()) == files_before


def test_a_namesake_born_on_another_day_is_another_person():
    season = open_season()
    application_submit(**service_arguments(season))
    application_submit(**service_arguments(season, birth_date=dt.date(1990, 1, 2)))
    assert Application.objects.count() == 2


def test_the_same_person_may_apply_in_another_season():
    season = open_season()
    application_submit(**service_arguments(season))
    other = open_season(city=season.cities.first())
    application_submit(**service_arguments(other))
    assert Application.objects.count() == 2


def test_a_rejected_application_still_counts_for_the_season():
    season = open_season()
    first = application_submit(**service_arguments(season))
    Application.objects.filter(pk=first.pk).update(status=ApplicationStatus.REJECTED)
    assert refusal(**service_arguments(season)).code == "duplicate_application"


def test_the_database_constraint_catches_a_duplicate_the_check_missed(monkeypatch):
    """The path a parallel submission takes: the check passes, the unique constraint refuses, the files go."""
    season = open_season()
    application_submit(**service_arguments(season))
    files_before = sorted(stored_files())
    monkeypatch.setattr(applications_service, "_check_not_duplicate", lambda *args, **kwargs: None)
    error = refusal(**service_arguments(season, nomination_kind=NominationKind.LABOUR_COLLECTIVE,
                                        nominator_name="АО «Комбинат»", candidate_consent=True,
                                        petition=petition_upload()))
    assert error.code == "duplicate_application"
    assert Application.objects.count() == 1
    assert sorted(stored_files()) == files_before


# --- sphere, story, consent -------------------------------------------------------------------------------


def test_an_inactive_sphere_is_refused():
    season = open_season()
    error = refusal(**service_arguments(season, sphere=SphereFactory(is_active=False)))
    assert error.code == "sphere_inactive"
    assert error.details["field"] == "sphere"


def test_the_story_length_limit():
    season = open_season()
    limit = Application._meta.get_field("story").max_length
    error = refusal(**service_arguments(season, story="а" * (limit + 1)))
    assert error.code == "story_too_long"
    # Line breaks sent by browsers as CRLF count as one character each.
    story = ("б" * 99 + "\r\n") * (limit // 100)
    application = application_submit(**service_arguments(season, story=story))
    assert len(application.story) <= limit
    assert "\r" not in application.story


def test_consent_is_required():
    season = open_season()
    error = refusal(**service_arguments(season, consent_given=False))
    assert error.code == "consent_required"
    assert error.details["field"] == "consent"


def test_consent_to_an_outdated_text_is_asked_again():
    season = open_season()
    old = ConsentDocumentFactory(kind="application", version="test-0",
                                 published_at=timezone.now() - dt.timedelta(days=30))
    error = refusal(**service_arguments(season, consent_document=old))
    assert error.code == "consent_outdated"


def test_the_full_name_needs_at_least_two_words_of_letters():
    season = open_season()
    assert refusal(**service_arguments(season, full_name="Алёна")).code == "full_name_invalid"
    assert refusal(**service_arguments(season, full_name="Петрова 123")).code == "full_name_invalid"


# --- nomination by others ---------------------------------------------------------------------------------


def others(**overrides):
    values = {"nomination_kind": NominationKind.PUBLIC_ORGANISATION, "nominator_name": "Союз ветеранов атомной отрасли",
              "candidate_consent": True, "petition": petition_upload()}
    values.update(overrides)
    return values


def test_a_nomination_by_others_needs_the_nominator_name():
    season = open_season()
    error = refusal(**service_arguments(season, **others(nominator_name="  ")))
    assert (error.code, error.details["field"]) == ("nominator_name_required", "nominator_name")
    assert_nothing_saved()


def test_a_nomination_by_others_needs_the_petition():
    season = open_season()
    error = refusal(**service_arguments(season, **others(petition=None)))
    assert (error.code, error.details["field"]) == ("petition_required", "petition")
    assert_nothing_saved()


def test_a_nomination_by_others_needs_the_candidates_consent():
    season = open_season()
    error = refusal(**service_arguments(season, **others(candidate_consent=False)))
    assert (error.code, error.details["field"]) == ("candidate_consent_required", "candidate_consent")
    assert_nothing_saved()


@pytest.mark.parametrize("kind", [NominationKind.LABOUR_COLLECTIVE, NominationKind.PUBLIC_ORGANISATION,
                                  NominationKind.INITIATIVE_GROUP])
def test_a_complete_nomination_by_others_is_stored_with_the_petition_in_private_storage(kind, settings):
    season = open_season()
    application = application_submit(**service_arguments(season, **others(nomination_kind=kind)))
    application.refresh_from_db()
    assert application.nomination_kind == kind
    assert application.nominator_name == "Союз ветеранов атомной отрасли"
    assert application.candidate_consent is True
    petition_path = application.petition.path
    assert petition_path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert not petition_path.startswith(str(settings.MEDIA_ROOT))
    with application.petition.open("rb") as stored:
        assert stored.read() == pdf_bytes()


def test_a_self_nomination_keeps_no_nominator_and_no_petition():
    season = open_season()
    application = application_submit(**service_arguments(season, nominator_name="Кто-то", petition=petition_upload()))
    assert application.nominator_name == ""
    assert not application.petition
    assert len(stored_files()) == 1  # the photo only


# --- what a stored application holds -----------------------------------------------------------------------


def test_a_stored_application_records_consent_normalises_contacts_and_is_audited():
    season = open_season()
    document = consent_document()
    before = timezone.now()
    application = application_submit(**service_arguments(season))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.consent_document == document
    assert before <= application.consent_given_at <= timezone.now()
    assert application.consent_ip == "203.0.113.7"
    assert application.phone == "+79001234567"
    assert application.email == "alena@example.org"
    assert application.person_key == person_key_for(VALID_NAME, VALID_BIRTH_DATE)
    assert len(application.edit_token) >= 40
    entry = AuditLogEntry.objects.get(action="application.submitted")
    assert entry.object_id == str(application.pk)
    assert entry.details["consent_version"] == "test-1"


def test_the_consent_address_must_be_an_ip_address():
    season = open_season()
    error = refusal(**service_arguments(season, consent_ip="not-an-address"))
    assert error.code == "consent_ip_invalid"
    assert_nothing_saved()
    assert application_submit(**service_arguments(season, consent_ip="2001:db8::1")).consent_ip == "2001:db8::1"

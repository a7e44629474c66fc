"""`manage.py demo`: the demo season a newcomer sees after `make run`.

Each test runs the real command (with a small --applications for speed) and checks what a newcomer and the
other parts of the site rely on: a season in its voting phase today, all 31 cities, applications in every
status, published candidates everywhere, real image and PDF files without metadata, working demo log-ins,
fictional people only, `--if-empty` as a no-op and a reload that regenerates cleanly.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from atomgrad.award.demo_people import FEMALE_FIRST_NAMES, MALE_FIRST_NAMES, PATRONYMICS, SURNAMES
from atomgrad.award.identity import person_key_for
from atomgrad.award.models import Application, ApplicationStatus, Laureate, NominationKind, Season
from atomgrad.award.phases import Phase
from atomgrad.award.services import demo as demo_service
from atomgrad.award.services.demo import DEMO_COMMITTEE_PASSWORD, DEMO_ORGANISER_PASSWORD
from atomgrad.cities.models import City, CommitteeMembership, CommitteeRole
from atomgrad.cities.permissions import cities_for_user, user_is_organiser
from atomgrad.core.timefmt import MOSCOW
from tests.factories import SeasonFactory, SeasonVoterFactory

APPLICATIONS = 60  # enough for every status in every city; the full 1,300 is measured, not tested
CITY_COUNT = len(json.loads((django_settings.REPO_DIR / "data" / "cities.json").read_text("utf-8"))["cities"])


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", "--applications", str(APPLICATIONS), "--votes", "0", *args, stdout=out)
    return out.getvalue()


def signature() -> list[tuple[str, str, str, str]]:
    """What a seed determines: who applied where, in which sphere and with what outcome."""
    return list(Application.objects.order_by("phone").values_list("full_name", "city__slug", "sphere__slug",
                                                                  "status"))


def stored_files(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


@pytest.mark.django_db
def test_demo_loads_a_season_in_its_voting_phase_with_all_cities():
    output = run_demo("--seed", "7")

    season = Season.objects.get(year=timezone.localtime(timezone.now(), MOSCOW).year)
    assert season.phase == Phase.VOTING
    assert season.phase_rules.voting_open
    assert season.applications_close_at < timezone.now() - dt.timedelta(days=14)
    assert season.voting_close_at > timezone.now() + dt.timedelta(days=14)
    assert (season.min_age, season.laureate_cooldown_years, season.votes_per_voter) == (18, 3, 3)
    assert season.own_city_only and not season.counts_public
    assert season.cities.count() == CITY_COUNT == City.objects.count() == 31
    assert Season.objects.order_by("-year").first() == season  # the site shows this season

    applications = Application.objects.filter(season=season)
    assert applications.count() == APPLICATIONS
    assert set(applications.values_list("status", flat=True)) == set(ApplicationStatus.values)
    published_cities = set(applications.filter(status=ApplicationStatus.ACCEPTED).values_list("city", flat=True))
    assert published_cities == set(City.objects.values_list("pk", flat=True))
    assert not applications.filter(status=ApplicationStatus.ACCEPTED, published_at__isnull=True).exists()
    assert not applications.filter(status=ApplicationStatus.RETURNED, status_comment="").exists()
    assert not applications.filter(status=ApplicationStatus.REJECTED, status_comment="").exists()
    assert applications.values("sphere").distinct().count() >= 8

    # a bigger city has more applications than the smallest ones
    biggest = City.objects.order_by("-population").first()
    smallest = City.objects.order_by("population").first()
    assert applications.filter(city=biggest).count() > applications.filter(city=smallest).count()

    assert "applications" in output and "organiser" in output and DEMO_COMMITTEE_PASSWORD in output
    assert demo_service.season_is_demo(season=season)
    assert not demo_service.season_is_demo(season=SeasonFactory(year=2040))
    # the season before last has its laureates only; the last one its applications (its vote: `--votes`)
    assert Laureate.objects.filter(season__year=season.year - 2).count() == 3 * CITY_COUNT
    assert Application.objects.filter(season__year=season.year - 1, status=ApplicationStatus.ACCEPTED).exists()


@pytest.mark.django_db
def test_demo_applications_are_valid_and_their_private_data_obviously_fake():
    run_demo()
    season = Season.objects.order_by("-year").first()
    closing_day = timezone.localtime(season.applications_close_at, MOSCOW).date()
    nominated_by_others = 0
    for application in Application.objects.filter(season=season):
        assert application.person_key == person_key_for(application.full_name, application.birth_date)
        assert len(application.edit_token) >= 32
        age = closing_day.year - application.birth_date.year - (
            (closing_day.month, closing_day.day) < (application.birth_date.month, application.birth_date.day))
        assert age >= season.min_age
        assert application.phone.startswith("+7900000") and len(application.phone) == 12
        assert application.email.endswith("@example.org")
        assert application.consent_document.kind == "application"
        assert application.consent_given_at <= application.submitted_at
        assert season.applications_open_at <= application.submitted_at <= season.applications_close_at
        assert 40 < len(application.story) <= 3000
        if application.nomination_kind == NominationKind.SELF:
            assert not application.petition
        else:
            nominated_by_others += 1
            assert application.candidate_consent and application.nominator_name
            with application.petition.open("rb") as petition:
                data = petition.read()
            assert data.startswith(b"%PDF-")
            assert len(PdfReader(io.BytesIO(data)).pages) == 1
    assert nominated_by_others > 0
    # two seasons' applications, every phone its own
    assert Application.objects.filter(season=season).count() == APPLICATIONS
    assert Application.objects.values("phone").distinct().count() == Application.objects.count() > APPLICATIONS


@pytest.mark.django_db
def test_demo_photos_are_portrait_jpegs_without_metadata():
    run_demo()
    for application in Application.objects.all():
        with application.photo.open("rb") as photo:
            image = Image.open(io.BytesIO(photo.read()))
            image.load()
        assert image.format == "JPEG"
        assert image.size == (480, 600)
        assert not image.getexif()
        assert not {"exif", "icc_profile", "xmp", "comment"} & set(image.info)


@pytest.mark.django_db
def test_demo_photos_are_deterministic_per_person():
    run_demo("--seed", "3")
    first = {app.full_name: app.photo.read() for app in Application.objects.order_by("pk")[:5]}
    call_command("demo", "--applications", str(APPLICATIONS), "--votes", "0", "--seed", "3", stdout=io.StringIO())
    again = {app.full_name: app.photo.read() for app in Application.objects.filter(full_name__in=first)}
    assert again == first


@pytest.mark.django_db
def test_demo_people_are_fictional():
    run_demo()
    first_names = set(MALE_FIRST_NAMES) | set(FEMALE_FIRST_NAMES)
    patronymics = {form for pair in PATRONYMICS.values() for form in pair}
    names = [
        *Application.objects.values_list("full_name", flat=True),
        *Laureate.objects.values_list("full_name", flat=True),
        *CommitteeMembership.objects.values_list("full_name", flat=True),
    ]
    assert len(names) > APPLICATIONS
    for full_name in names:
        surname, first_name, patronymic = full_name.split(" ")
        assert surname in SURNAMES, full_name
        assert first_name in first_names, full_name
        assert patronymic in patronymics, full_name
        # masculine surname with a masculine patronymic, feminine with feminine
        assert patronymic.endswith("ич") == (surname[-1] not in "ая"), full_name
    for user in get_user_model().objects.all():
        assert user.last_name in SURNAMES


@pytest.mark.django_db
def test_demo_committee_accounts_log_in_and_act_only_on_their_city(client):
    run_demo()
    cities = City.objects.all()
    for city in cities:
        user = get_user_model().objects.get(username=city.slug)
        assert user.check_password(DEMO_COMMITTEE_PASSWORD)
        assert list(cities_for_user(user)) == [city]
        assert CommitteeMembership.objects.get(user=user).role == CommitteeRole.CHAIR
    secretary = CommitteeMembership.objects.get(user__username="sarov-secretary")
    assert secretary.city.slug == "sarov" and secretary.role == CommitteeRole.SECRETARY

    response = client.post(reverse("core:login"), {"username": "sarov", "password": DEMO_COMMITTEE_PASSWORD})
    assert response.status_code == 302
    own = Application.objects.filter(city__slug="sarov").first()
    other = Application.objects.exclude(city__slug="sarov").first()
    assert client.get(reverse("award:committee_application", args=[own.pk])).status_code == 200
    assert client.get(reverse("award:committee_application", args=[other.pk])).status_code == 404


@pytest.mark.django_db
def test_demo_organiser_logs_in_and_sees_every_city(client):
    run_demo()
    organiser = get_user_model().objects.get(username="organiser")
    assert organiser.check_password(DEMO_ORGANISER_PASSWORD)
    assert organiser.is_staff and user_is_organiser(organiser)
    assert cities_for_user(organiser).count() == CITY_COUNT
    assert client.login(username="organiser", password=DEMO_ORGANISER_PASSWORD)
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_if_empty_keeps_an_existing_season():
    run_demo("--seed", "5")
    before = signature()
    ids = set(Application.objects.values_list("pk", flat=True))

    output = run_demo("--if-empty", "--seed", "9")

    assert "already loaded" in output
    assert set(Application.objects.values_list("pk", flat=True)) == ids
    assert signature() == before


@pytest.mark.django_db
def test_if_empty_does_nothing_when_a_season_was_created_by_hand():
    SeasonFactory(year=2030)
    output = run_demo("--if-empty")
    assert "already loaded" in output
    assert Application.objects.count() == 0 and City.objects.count() == 0


@pytest.mark.django_db
def test_reload_regenerates_the_same_demo_and_removes_the_old_files(django_capture_on_commit_callbacks):
    media = Path(django_settings.MEDIA_ROOT)
    private = Path(django_settings.PRIVATE_MEDIA_ROOT)
    with django_capture_on_commit_callbacks(execute=True):
        run_demo("--seed", "11")
    first = signature()
    first_ids = set(Application.objects.values_list("pk", flat=True))
    first_files = stored_files(media) | stored_files(private)
    assert len(first_files) > APPLICATIONS

    with django_capture_on_commit_callbacks(execute=True):
        output = run_demo("--seed", "11")

    assert "Removed the previous demo seasons" in output
    assert signature() == first  # same seed, same people
    assert not first_ids & set(Application.objects.values_list("pk", flat=True))  # but new rows
    assert Season.objects.count() == 3  # the current season and two earlier ones, not duplicated
    assert get_user_model().objects.filter(username="organiser").count() == 1
    assert CommitteeMembership.objects.count() == CITY_COUNT + 1
    second_files = stored_files(media) | stored_files(private)
    assert not first_files & second_files  # the old files are gone
    assert len(second_files) == len(first_files)

    with django_capture_on_commit_callbacks(execute=True):
        run_demo("--seed", "12")
    assert signature() != first


@pytest.mark.django_db
def test_reload_removes_the_voters_and_votes_of_the_demo_season():
    from atomgrad.voting.models import SeasonVoter, Vote
    from atomgrad.voting.services.ballots import vote_cast

    run_demo()
    season = Season.objects.order_by("-year").first()
    candidate = Application.objects.filter(city__slug="sarov", status=ApplicationStatus.ACCEPTED).first()
    voter = SeasonVoterFactory(season=season, city=candidate.city)
    vote_cast(voter=voter, candidate=candidate, channel="web")
    assert Vote.objects.count() == 1

    if connection.vendor == "postgresql":
        # votes are insert-only there (a trigger refuses DELETE): the reload refuses and changes nothing
        with pytest.raises(CommandError, match="append-only ledger"):
            run_demo()
        assert Vote.objects.count() == 1 and Application.objects.filter(pk=candidate.pk).exists()
    else:
        run_demo()
        assert Vote.objects.count() == 0 and SeasonVoter.objects.count() == 0
        assert Season.objects.filter(year=season.year).count() == 1


@pytest.mark.django_db
def test_reload_refuses_to_delete_a_season_it_did_not_create():
    run_demo()
    SeasonFactory(year=2031)
    count = Application.objects.count()
    with pytest.raises(CommandError, match="not created by the demo"):
        run_demo()
    assert Application.objects.count() == count
    assert Season.objects.filter(year=2031).exists()


@pytest.mark.django_db
def test_a_failed_load_leaves_no_files_behind(monkeypatch):
    media = Path(django_settings.MEDIA_ROOT)
    private = Path(django_settings.PRIVATE_MEDIA_ROOT)

    def fail(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(demo_service, "audit_record", fail)  # the last step of the load
    with pytest.raises(RuntimeError):
        run_demo()
    assert stored_files(media) == set() and stored_files(private) == set()
    assert not Season.objects.exists() and not Application.objects.exists()


@pytest.mark.django_db
def test_too_few_applications_is_refused_with_a_clear_message():
    with pytest.raises(CommandError, match="at least 34 applications"):
        call_command("demo", "--applications", "20", "--votes", "0", stdout=io.StringIO())
    assert not Season.objects.exists()


def test_status_plan_gives_every_city_an_accepted_application_and_every_status():
    import random

    counts = [1, 1, 2, 5, 9]
    plan = demo_service._status_plan(random.Random(1), counts)
    assert [len(statuses) for statuses in plan] == counts
    assert all(statuses[0] == ApplicationStatus.ACCEPTED for statuses in plan)
    assert {status for statuses in plan for status in statuses} == set(ApplicationStatus.values)


@pytest.mark.parametrize(("number", "expected"), [(1, "год"), (2, "года"), (4, "года"), (5, "лет"), (11, "лет"),
                                                  (12, "лет"), (14, "лет"), (21, "год"), (22, "года"), (25, "лет")])
def test_russian_plural_forms(number, expected):
    assert demo_service._plural(number, "год", "года", "лет") == expected

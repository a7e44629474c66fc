"""The demo season a newcomer sees after `make run`: `python manage.py demo` calls `demo_load`.

It loads the reference data (cities, spheres, consent texts), creates the current year's season with its voting
open today, two earlier seasons with their top-three laureates, about 1,300 fictional applications spread over
the 31 cities, the spheres and the moderation statuses (with generated portraits and, for nominations by others,
a petition PDF), a demo organiser and one committee account per city.

Everything it creates is fictional and deterministic for a seed (except secret edit tokens and file names).
Seasons it created are marked in the audit log (`demo.load`); a reload deletes exactly those seasons and all
that hangs on them (applications, laureates, voters and, later, votes), and refuses to touch a season it did not
create. See docs/demo.md.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import DatabaseError, models, transaction
from django.db.models import Count, ProtectedError, QuerySet, RestrictedError
from django.utils import timezone

from atomgrad.award.demo_media import MediaJob, PetitionText, media_render, ordered_map
from atomgrad.award.demo_people import FictionalPerson, Gender, person_fictional, transliterate
from atomgrad.award.identity import edit_token_new, person_key_for
from atomgrad.award.models import (
    Application,
    ApplicationStatus,
    ConsentKind,
    Laureate,
    NominationKind,
    Season,
    Sphere,
)
from atomgrad.award.services.moderation import moderation_extend
from atomgrad.award.services.reference import (
    DATA_DIR,
    consent_current,
    consents_load_from_file,
    spheres_load_from_file,
)
from atomgrad.award.services.staff import organiser_grant, organiser_group_sync
from atomgrad.cities.models import City, CommitteeMembership, CommitteeRole
from atomgrad.cities.permissions import user_is_organiser
from atomgrad.cities.services import cities_load_from_file
from atomgrad.core import timefmt
from atomgrad.core.errors import ApplicationError
from atomgrad.core.generations import CANDIDATES, generation_bump
from atomgrad.core.models import AuditLogEntry
from atomgrad.core.services import audit_record
from atomgrad.core.timefmt import MOSCOW

CONTENT_FILE = DATA_DIR / "demo" / "content.json"

DEMO_ORGANISER_USERNAME = "organiser"
DEMO_ORGANISER_PASSWORD = "demo-organiser-2026"  # noqa: S105 - a published demo password, not a secret
DEMO_COMMITTEE_PASSWORD = "demo-committee-2026"  # noqa: S105 - a published demo password, not a secret
DEMO_SECOND_MEMBER_CITY = "sarov"  # one city also gets a secretary, to show a committee of two
DEMO_AUDIT_ACTION = "demo.load"

DEMO_APPLICATIONS_DEFAULT = 1300
DEMO_APPLICATIONS_MAX = 5000  # the fictional phone range +7 900 000-00-00 … -99-99 has 10,000 numbers
DEMO_SEED_DEFAULT = 1
DEMO_PAST_SEASONS = 2  # the earlier one with its laureates only; the last one a whole season (see `votes`)
COMPLETE_SEASON_SHARE = 4  # the last season has a quarter as many applications as the current one
MIN_APPLICATIONS_PER_CITY = 8
DEMO_MODERATION_EXTENSION_DAYS = 7  # one city's committee still moderates during the vote (`moderation_extend`)

# Share of each status among applications (the rest of a season's life happened before "today").
STATUS_SHARES: dict[str, float] = {
    ApplicationStatus.ACCEPTED: 0.78,
    ApplicationStatus.SUBMITTED: 0.08,
    ApplicationStatus.RETURNED: 0.07,
    ApplicationStatus.REJECTED: 0.07,
}
NOMINATION_SHARES: dict[str, float] = {
    NominationKind.SELF: 0.55,
    NominationKind.LABOUR_COLLECTIVE: 0.2,
    NominationKind.PUBLIC_ORGANISATION: 0.12,
    NominationKind.INITIATIVE_GROUP: 0.13,
}
GENERIC_SPHERE_WEIGHT = 3  # spheres organisers added that the demo texts do not know

_BATCH = 250
_PROGRESS_EVERY = 100
_TIMES = ("дважды", "трижды", "четырежды", "не раз", "несколько раз")
_MANY = (20, 30, 40, 50, 60, 70, 80, 100, 120, 150, 200, 250, 300)  # always followed by the genitive plural
_BIG = (1000, 1500, 2000, 3000, 5000)
_DOC_IPS = ("192.0.2", "198.51.100", "203.0.113")  # RFC 5737 documentation ranges: never a real address
_GENDERED = re.compile(r"\(\(([^()|]*)\|([^()|]*)\)\)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_COUNTED = re.compile(r"<(\w+):([^|<>]*)\|([^|<>]*)\|([^|<>]*)>")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    city: str  # the city's Russian name, or "" for the organiser (all cities)


@dataclass
class DemoResult:
    season: Season
    loaded: bool  # False when `if_empty` found a season and did nothing
    applications_by_status: dict[str, int] = field(default_factory=dict)
    laureates: int = 0
    petitions: int = 0
    accounts: list[DemoAccount] = field(default_factory=list)
    removed_seasons: list[int] = field(default_factory=list)
    seconds: float = 0.0
    complete_season: Season | None = None  # last season: applications published, its vote to be run by `votes`
    complete_applications: int = 0
    votes_summary: list[str] = field(default_factory=list)  # what the `votes` step did, in lines for the command
    moderation_extended_city: City | None = None  # its committee still decides applications during the vote

    @property
    def applications(self) -> int:
        return sum(self.applications_by_status.values())


# --- public entry points -----------------------------------------------------------------------------------


def season_latest() -> Season | None:
    return Season.objects.order_by("-year").first()


def season_is_demo(*, season: Season) -> bool:
    """Whether `demo` created this season (for a "demo data" banner: its people are fictional)."""
    return AuditLogEntry.objects.filter(
        action=DEMO_AUDIT_ACTION, object_type=Season._meta.label_lower, object_id=str(season.pk)
    ).exists()


def demo_load(
    *,
    applications: int = DEMO_APPLICATIONS_DEFAULT,
    seed: int = DEMO_SEED_DEFAULT,
    if_empty: bool = False,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
    votes: Callable[[DemoResult], list[str]] | None = None,
) -> DemoResult:
    """Load (or reload) the demo season. With `if_empty`, do nothing if any season exists.

    Raises `ApplicationError` when the database holds seasons the demo did not create (they are never
    deleted), when the numbers are out of range, or when the database refuses to delete the previous demo's
    data (an append-only ledger, for instance); nothing is changed then.

    `votes`, if given, runs in the same transaction once the seasons and their applications exist: it casts
    the seasons' votes and carries the last season through to its results (the voting and results layers sit
    above this app, so `manage.py demo` passes it in: `integrity.demo.demo_votes`). It returns lines for the
    command's report.
    """
    started = time.monotonic()
    if if_empty:
        existing = season_latest()
        if existing is not None:
            return DemoResult(season=existing, loaded=False)
    if not 0 < applications <= DEMO_APPLICATIONS_MAX:
        raise ApplicationError(
            "demo_applications_out_of_range",
            f"Число заявок должно быть от 1 до {DEMO_APPLICATIONS_MAX}.",
            f"The number of applications must be between 1 and {DEMO_APPLICATIONS_MAX}.",
            details={"applications": applications},
        )
    now = now or timezone.now()
    written: list[tuple[Storage, str]] = []
    try:
        result = _demo_load_atomic(applications=applications, seed=seed, now=now, progress=progress,
                                   written=written, votes=votes)
    except BaseException:
        _files_delete(written)  # the rows are rolled back: the files must go too
        raise
    result.seconds = time.monotonic() - started
    return result


# --- the load itself ---------------------------------------------------------------------------------------


@transaction.atomic
def _demo_load_atomic(
    *, applications: int, seed: int, now: dt.datetime, progress: Progress | None,
    written: list[tuple[Storage, str]], votes: Callable[[DemoResult], list[str]] | None = None,
) -> DemoResult:
    generation_bump(name=CANDIDATES)  # the demo's candidates replace whatever lists were kept
    cities_load_from_file()
    spheres_load_from_file()
    consents_load_from_file()
    cities = list(City.objects.order_by("name_ru"))
    minimum = len(cities) + len(STATUS_SHARES) - 1
    if applications < minimum:
        raise ApplicationError(
            "demo_applications_too_few",
            f"Для демонстрации нужно не меньше {minimum} {timefmt.plural(minimum, 'заявки,заявок,заявок')}: "
            f"хотя бы одна принятая в каждом городе "
            f"и по одной в каждом из остальных статусов.",
            f"The demo needs at least {minimum} applications: one accepted in every city and one in each "
            f"other status.",
            details={"applications": applications, "minimum": minimum},
        )

    removed = _demo_seasons_remove()
    rng = random.Random(seed)
    content = json.loads(Path(CONTENT_FILE).read_text(encoding="utf-8"))
    today = timezone.localtime(now, MOSCOW).date()

    season = Season.objects.create(year=today.year, title=_season_title(today.year), **_season_dates(today),
                                   **_SEASON_SETTINGS)
    season.cities.set(cities)
    past = [_past_season_create(year=today.year - back, cities=cities) for back in range(DEMO_PAST_SEASONS, 0, -1)]
    complete = past[-1]  # last season: a whole season, applications to published results (by `votes`)

    used_names: set[str] = set()
    laureates = _laureates_create(rng=rng, seasons=past[:-1], cities=cities, used_names=used_names)
    accounts = _accounts_create(rng=rng, cities=cities, today=today, used_names=used_names)

    complete_total = max(len(cities) + len(STATUS_SHARES) - 1, applications // COMPLETE_SEASON_SHARE)
    complete_generator = _ApplicationGenerator(
        rng=rng, content=content, season=complete, cities=cities, laureates=laureates, used_names=used_names,
        written=written,
    )
    complete_by_status, _ = complete_generator.create_all(total=complete_total, progress=None)
    generator = _ApplicationGenerator(
        rng=rng, content=content, season=season, cities=cities, laureates=laureates, used_names=used_names,
        written=written, first_index=complete_total,
    )
    by_status, petitions = generator.create_all(total=applications, progress=progress)
    extended_city = _moderation_extension_grant(season=season, now=now)

    audit_record(
        actor=None, action=DEMO_AUDIT_ACTION, obj=season,
        reason="Демонстрационные данные: люди и организации вымышлены.",
        details={"seed": seed, "applications": applications, "past_seasons": [s.pk for s in past]},
    )
    for past_season in past:
        audit_record(actor=None, action=DEMO_AUDIT_ACTION, obj=past_season,
                     reason="Демонстрационные данные: прошлый сезон для призёров.", details={"seed": seed})
    result = DemoResult(
        season=season, loaded=True, applications_by_status=by_status, laureates=sum(map(len, laureates.values())),
        petitions=petitions, accounts=accounts, removed_seasons=removed, complete_season=complete,
        complete_applications=sum(complete_by_status.values()),
        moderation_extended_city=extended_city,
    )
    if votes is not None:
        result.votes_summary = votes(result)
    return result


_SEASON_SETTINGS: dict[str, Any] = {
    "min_age": 18,
    "laureate_cooldown_years": 3,
    "votes_per_voter": 3,
    "own_city_only": True,
    "counts_public": False,
    "ceremony_place": "Москва, Центр «Атом» на ВДНХ",
}


def _moderation_extension_grant(*, season: Season, now: dt.datetime) -> City | None:
    """One city's committee still works through its queue while the vote runs: organisers extended its
    moderation for a week (the city with the most applications awaiting a decision; a tie goes to the name)."""
    pending = (
        Application.objects.filter(season=season, status=ApplicationStatus.SUBMITTED)
        .values("city_id", "city__name_ru")
        .annotate(waiting=Count("id"))
        .order_by("-waiting", "city__name_ru")
        .first()
    )
    if pending is None:
        return None
    city = City.objects.get(pk=pending["city_id"])
    week_later = timezone.localtime(now, MOSCOW).date() + dt.timedelta(days=DEMO_MODERATION_EXTENSION_DAYS)
    moderation_extend(
        actor=get_user_model().objects.get(username=DEMO_ORGANISER_USERNAME), season=season, city=city,
        closes_at=min(_moscow(week_later, 23, 59), season.voting_close_at),
        reason=f"Оргкомитет города {city.name_ru} сформирован позже других: по его просьбе проверка заявок "
               f"продлена на неделю голосования.",
    )
    return city


def _season_title(year: int) -> str:
    return f"Новые Созидатели — {year}"


def _moscow(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=MOSCOW)


def _season_dates(today: dt.date) -> dict[str, dt.datetime]:
    """Applications closed some weeks ago; voting opened four days ago and runs three more weeks; then two
    weeks of verification, the results, and the ceremony two weeks later."""
    voting_close = today + dt.timedelta(days=20)
    results = voting_close + dt.timedelta(days=14)
    return {
        "applications_open_at": _moscow(today - dt.timedelta(days=80), 0),
        "applications_close_at": _moscow(today - dt.timedelta(days=26), 23, 59),
        "voting_open_at": _moscow(today - dt.timedelta(days=4), 0),
        "voting_close_at": _moscow(voting_close, 23, 59),
        "results_at": _moscow(results, 12),
        "ceremony_at": _moscow(results + dt.timedelta(days=14), 15),
    }


def _past_season_create(*, year: int, cities: Sequence[City]) -> Season:
    """An earlier season, over: applications in summer, the vote in early October, results in November
    (the pattern of the real award's 2024 season)."""
    season = Season.objects.create(
        year=year, title=_season_title(year),
        applications_open_at=_moscow(dt.date(year, 6, 1), 0),
        applications_close_at=_moscow(dt.date(year, 9, 15), 23, 59),
        voting_open_at=_moscow(dt.date(year, 10, 4), 0),
        voting_close_at=_moscow(dt.date(year, 10, 18), 23, 59),
        results_at=_moscow(dt.date(year, 11, 10), 12),
        ceremony_at=_moscow(dt.date(year, 11, 22), 15),
        **_SEASON_SETTINGS,
    )
    season.cities.set(cities)
    return season


def _unique_person(
    rng: random.Random, used_names: set[str], *, on_date: dt.date, min_age: int = 18, max_age: int = 75,
    female_share: float = 0.5,
) -> FictionalPerson:
    """A fictional person whose full name nobody else in the demo has (so every name is one person)."""
    while True:
        person = person_fictional(rng, on_date=on_date, min_age=min_age, max_age=max_age,
                                  female_share=female_share)
        if person.full_name not in used_names:
            used_names.add(person.full_name)
            return person


def _laureates_create(
    *, rng: random.Random, seasons: Sequence[Season], cities: Sequence[City], used_names: set[str],
) -> dict[tuple[int, int], list[Laureate]]:
    """The top three of every city in the earlier seasons; returns them by (season year, city id)."""
    rows: list[Laureate] = []
    for season in seasons:
        on_date = timezone.localtime(season.applications_close_at, MOSCOW).date()
        for city in cities:
            for place in (1, 2, 3):
                person = _unique_person(rng, used_names, on_date=on_date, min_age=25, max_age=70)
                rows.append(Laureate(
                    season=season, city=city, full_name=person.full_name, birth_date=person.birth_date,
                    person_key=person_key_for(person.full_name, person.birth_date), place=place,
                ))
    Laureate.objects.bulk_create(rows, batch_size=_BATCH)
    by_key: dict[tuple[int, int], list[Laureate]] = {}
    for row in rows:
        by_key.setdefault((row.season.year, row.city_id), []).append(row)
    return by_key


# --- accounts ----------------------------------------------------------------------------------------------


def _account_set(*, username: str, password: str, password_hash: str, person: FictionalPerson, email: str,
                 is_staff: bool = False) -> AbstractBaseUser:
    """Create or reset a demo account: the fixed demo password (hashed once by the caller: PBKDF2 takes about
    a second, and 33 accounts share two passwords), a fictional name, active."""
    user, _created = get_user_model().objects.get_or_create(username=username)
    user.first_name = person.first_name
    user.last_name = person.surname
    user.email = email
    user.is_active = True
    user.is_staff = user.is_staff or is_staff
    validate_password(password, user)  # the published demo passwords must satisfy the site's own rules
    user.password = password_hash
    user.save()
    return user


def _membership_set(*, city: City, user: AbstractBaseUser, role: str, full_name: str) -> None:
    """Give `user` the role in the city's committee; a chair or secretary someone else held becomes a member
    (a city has one of each)."""
    if role in (CommitteeRole.CHAIR, CommitteeRole.SECRETARY):
        CommitteeMembership.objects.filter(city=city, role=role).exclude(user=user).update(role=CommitteeRole.MEMBER)
    CommitteeMembership.objects.update_or_create(city=city, user=user,
                                                 defaults={"role": role, "full_name": full_name})


def _accounts_create(
    *, rng: random.Random, cities: Sequence[City], today: dt.date, used_names: set[str],
) -> list[DemoAccount]:
    organiser_person = _unique_person(rng, used_names, on_date=today, min_age=35, max_age=60)
    organiser = _account_set(
        username=DEMO_ORGANISER_USERNAME, password=DEMO_ORGANISER_PASSWORD,
        password_hash=make_password(DEMO_ORGANISER_PASSWORD), person=organiser_person,
        email="organiser@example.org", is_staff=True,
    )
    organiser_group_sync()
    if not user_is_organiser(organiser):
        organiser_grant(user=organiser)
    accounts = [DemoAccount(DEMO_ORGANISER_USERNAME, DEMO_ORGANISER_PASSWORD, "organiser", "")]

    committee_hash = make_password(DEMO_COMMITTEE_PASSWORD)
    for city in cities:
        members = [(city.slug, CommitteeRole.CHAIR)]
        if city.slug == DEMO_SECOND_MEMBER_CITY:
            members.append((f"{city.slug}-secretary", CommitteeRole.SECRETARY))
        for username, role in members:
            person = _unique_person(rng, used_names, on_date=today, min_age=30, max_age=65)
            user = _account_set(username=username, password=DEMO_COMMITTEE_PASSWORD,
                                password_hash=committee_hash, person=person,
                                email=f"{username}@example.org")
            _membership_set(city=city, user=user, role=role, full_name=person.full_name)
            accounts.append(DemoAccount(username, DEMO_COMMITTEE_PASSWORD, f"committee {role}", city.name_ru))
    return accounts


# --- applications ------------------------------------------------------------------------------------------


def _plural(number: int, one: str, few: str, many: str) -> str:
    """The Russian word form for a count: 1 год, 2 года, 5 лет, 11 лет, 21 год."""
    if number % 10 == 1 and number % 100 != 11:
        return one
    if 2 <= number % 10 <= 4 and not 12 <= number % 100 <= 14:
        return few
    return many


def _weighted_counts(weights: Sequence[float], total: int) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainders), so the counts add up exactly."""
    weight_sum = sum(weights)
    exact = [total * weight / weight_sum for weight in weights]
    counts = [int(value) for value in exact]
    by_remainder = sorted(range(len(weights)), key=lambda index: exact[index] - counts[index], reverse=True)
    for index in by_remainder[: total - sum(counts)]:
        counts[index] += 1
    return counts


def _city_counts(cities: Sequence[City], total: int) -> list[int]:
    """Bigger cities get more applications (population^0.6), every city at least a handful."""
    base = min(MIN_APPLICATIONS_PER_CITY, total // len(cities))
    extra = _weighted_counts([max(city.population, 1000) ** 0.6 for city in cities], total - base * len(cities))
    return [base + more for more in extra]


def _status_plan(rng: random.Random, counts: Sequence[int]) -> list[list[str]]:
    """Statuses per city in the exact overall shares, with every city's first application accepted (so every
    city has published candidates) and every status present at least once."""
    total = sum(counts)
    quotas = dict(zip(STATUS_SHARES, _weighted_counts(list(STATUS_SHARES.values()), total), strict=True))
    for status in STATUS_SHARES:
        if quotas[status] == 0:
            quotas[status] = 1
            quotas[ApplicationStatus.ACCEPTED] -= 1
    quotas[ApplicationStatus.ACCEPTED] = max(quotas[ApplicationStatus.ACCEPTED] - len(counts), 0)
    pool = [status for status, quota in quotas.items() for _ in range(quota)]
    pool += [ApplicationStatus.ACCEPTED] * (total - len(counts) - len(pool))  # rounding slack
    rng.shuffle(pool)
    plan = []
    for count in counts:
        plan.append([ApplicationStatus.ACCEPTED, *pool[: count - 1]])
        del pool[: count - 1]
    return plan


class _ApplicationGenerator:
    """Draws fictional applications from the demo texts and writes them (files first, rows in batches)."""

    def __init__(
        self, *, rng: random.Random, content: dict[str, Any], season: Season, cities: Sequence[City],
        laureates: dict[tuple[int, int], list[Laureate]], used_names: set[str], written: list[tuple[Storage, str]],
        first_index: int = 0,
    ) -> None:
        self.first_index = first_index  # the demo phones and e-mails of two seasons' applications never repeat
        self.rng = rng
        self.content = content
        self.season = season
        self.cities = cities
        self.laureates = laureates
        self.used_names = used_names
        self.laureates_applied: set[str] = set()
        self.written = written
        self.consent = consent_current(kind=ConsentKind.APPLICATION)
        self.spheres = list(Sphere.objects.filter(is_active=True).order_by("order", "name_ru"))
        self.sphere_weights = [content["spheres"].get(sphere.slug, {}).get("weight", GENERIC_SPHERE_WEIGHT)
                               for sphere in self.spheres]
        self.close_day = timezone.localtime(season.applications_close_at, MOSCOW).date()
        photo_field = Application._meta.get_field("photo")
        petition_field = Application._meta.get_field("petition")
        assert isinstance(photo_field, models.FileField) and isinstance(petition_field, models.FileField)
        self.photo_field = photo_field
        self.petition_field = petition_field

    # drawing ---------------------------------------------------------------------------------------------

    def _fill(self, template: str, person: FictionalPerson, values: dict[str, Any]) -> str:
        text = _GENDERED.sub(lambda match: match[2] if person.is_female else match[1], template)
        text = _COUNTED.sub(
            lambda match: f"{values[match[1]]} {_plural(values[match[1]], match[2], match[3], match[4])}", text
        )
        text = text.format(**values)
        return text[:1].upper() + text[1:]

    def _values(self, person: FictionalPerson, age: int) -> dict[str, Any]:
        names = self.rng.sample(self.content["names"], 2)
        return {
            "n": self.rng.randint(1, 32),
            "name": names[0],
            "name2": names[1],
            "many": self.rng.choice(_MANY),
            "big": self.rng.choice(_BIG),
            "times": self.rng.choice(_TIMES),
            "since": self.rng.randint(min(max(1990, self.season.year - age + 20), self.season.year - 1),
                                      self.season.year - 1),
            "years": max(1, age - self.rng.randint(18, 24)),
            "short_name": person.short_name,
        }

    def _story(self, spec: dict[str, Any], person: FictionalPerson, values: dict[str, Any]) -> str:
        generic = self.content["generic"]
        rng = self.rng
        intro_pool = spec.get("intro") or generic["intro"]
        sentences = [rng.choice(generic["intro"] if rng.random() < 0.15 else intro_pool)]
        own = spec.get("achievements") or generic["achievements"]
        sentences += rng.sample(own, k=min(len(own), rng.choice((2, 2, 3))))
        if rng.random() < 0.3:
            sentences.append(rng.choice(generic["achievements"]))
        if rng.random() < 0.6:
            sentences.append(rng.choice(generic["community"]))
        if rng.random() < 0.8:
            sentences.append(rng.choice(generic["closing"]))
        return " ".join(self._fill(sentence, person, values) for sentence in sentences)

    def _draw(self, *, city: City, status: str, index: int) -> tuple[Application, FictionalPerson, str | None]:
        """One application (not saved), its person, and the nominator's meeting date text for a petition."""
        rng = self.rng
        sphere = rng.choices(self.spheres, weights=self.sphere_weights)[0]
        spec: dict[str, Any] = self.content["spheres"].get(sphere.slug, {})
        min_age, max_age = spec.get("age", (self.season.min_age, 70))
        min_age = max(min_age, self.season.min_age)

        reason = ""
        # laureates of the earlier seasons still waiting (the latest season with laureates first)
        years = sorted((year for year, city_id in self.laureates if city_id == city.pk), reverse=True)
        last_year = years[0] if years else self.season.year - 1
        waiting = [laureate for laureate in self.laureates.get((last_year, city.pk), [])
                   if laureate.person_key not in self.laureates_applied]
        if status == ApplicationStatus.REJECTED and waiting and rng.random() < 0.3:
            # a past laureate who applied too soon: the very person of last season's top three
            laureate = rng.choice(waiting)
            self.laureates_applied.add(laureate.person_key)
            person = self._person_of_laureate(laureate)
            reason = self.content["rejected_laureate_reason"].format(year=last_year)
        else:
            person = _unique_person(rng, self.used_names, on_date=self.close_day, min_age=min_age,
                                    max_age=max_age, female_share=spec.get("female_share", 0.5))
        age = _age(person.birth_date, self.close_day)
        values = self._values(person, age)

        retired = spec.get("retired")
        if retired and age >= retired["from_age"] and rng.random() < retired["share"]:
            workplaces, positions = retired["workplaces"], retired["positions"]
        else:
            workplaces = spec.get("workplaces") or ["{name}"]
            positions = spec.get("positions") or ["специалист"]
        workplace = self._fill(rng.choice(workplaces), person, values)
        position = self._fill(rng.choice(positions), person, values)
        position = position[:1].lower() + position[1:]
        values["workplace"] = workplace

        kind = rng.choices(list(NOMINATION_SHARES), weights=list(NOMINATION_SHARES.values()))[0]
        nominator = ""
        if kind != NominationKind.SELF:
            nominator = self._fill(rng.choice(self.content["nominators"][kind]), person, values)

        window_start = self.season.applications_open_at
        window = (self.season.applications_close_at - window_start).total_seconds()
        submitted_at = window_start + dt.timedelta(seconds=rng.uniform(0.02, 0.98) * window)
        decided_at = None
        comment = ""
        if status != ApplicationStatus.SUBMITTED:
            latest = self.season.voting_open_at - dt.timedelta(hours=12)
            decided_at = min(submitted_at + dt.timedelta(days=rng.uniform(0.5, 12)), latest)
            if status == ApplicationStatus.RETURNED:
                comments = list(self.content["returned_comments"])
                if kind != NominationKind.SELF:
                    comments += self.content["returned_comments_petition"]
                comment = rng.choice(comments)
            elif status == ApplicationStatus.REJECTED:
                comment = reason or rng.choice(self.content["rejected_reasons"])

        first = transliterate(person.first_name).lower()
        last = transliterate(person.surname).lower()
        application = Application(
            season=self.season, city=city, sphere=sphere, full_name=person.full_name, birth_date=person.birth_date,
            workplace=workplace[:200], position=position[:200],
            story=self._story(spec, person, values),
            phone=f"+7900000{index:04d}", email=f"{first}.{last}.{index:04d}@example.org",
            nomination_kind=kind, nominator_name=nominator[:300], candidate_consent=kind != NominationKind.SELF,
            consent_document=self.consent, consent_given_at=submitted_at - dt.timedelta(minutes=rng.randint(1, 25)),
            consent_ip=f"{rng.choice(_DOC_IPS)}.{rng.randint(1, 254)}",
            person_key=person_key_for(person.full_name, person.birth_date), edit_token=edit_token_new(),
            status=status, status_comment=comment, submitted_at=submitted_at, decided_at=decided_at,
            published_at=decided_at if status == ApplicationStatus.ACCEPTED else None,
        )
        meeting = None
        if kind != NominationKind.SELF:
            meeting_day = timezone.localtime(submitted_at, MOSCOW).date() - dt.timedelta(days=rng.randint(2, 20))
            meeting = f"{meeting_day:%d.%m.%Y}"
        return application, person, meeting

    def _person_of_laureate(self, laureate: Laureate) -> FictionalPerson:
        surname, first_name, patronymic = laureate.full_name.split(" ", 2)
        gender = Gender.FEMALE if patronymic.endswith("а") else Gender.MALE
        return FictionalPerson(surname=surname, first_name=first_name, patronymic=patronymic, gender=gender,
                               birth_date=laureate.birth_date)

    # files -----------------------------------------------------------------------------------------------

    def _file_name(self, file_field: models.FileField, extension: str) -> str:
        """A fresh random name under the field's folder; remembered so a failed load removes the file."""
        name = file_field.generate_filename(None, f"{uuid.uuid4().hex}.{extension}")
        self.written.append((file_field.storage, name))
        return name

    def _media_job(self, application: Application, person: FictionalPerson, meeting: str | None) -> MediaJob:
        """What the files of an application show; drawn later, possibly in another process."""
        petition = None
        if meeting is not None:
            rng = self.rng
            chair = _unique_person(rng, self.used_names, on_date=self.close_day, min_age=30, max_age=70)
            secretary = _unique_person(rng, self.used_names, on_date=self.close_day, min_age=25, max_age=70)
            votes_for = rng.randint(9, 140)
            petition = PetitionText(
                season_year=self.season.year, city_name=application.city.name_ru,
                nominator_name=application.nominator_name, candidate_name=application.full_name,
                candidate_position=application.position, candidate_workplace=application.workplace,
                grounds=" ".join(_SENTENCE_END.split(application.story)[:2]),
                meeting_date=meeting, protocol_number=rng.randint(1, 40), votes_for=votes_for,
                votes_abstained=rng.randint(0, max(1, votes_for // 15)),
                chair_name=chair.short_name, secretary_name=secretary.short_name,
            )
        application.photo.name = self._file_name(self.photo_field, "jpg")
        if petition is not None:
            application.petition.name = self._file_name(self.petition_field, "pdf")
        return MediaJob(photo_seed=int(application.person_key[:15], 16), initials=person.initials,
                        female=person.is_female, age=_age(person.birth_date, self.close_day),
                        photo_name=application.photo.name, petition=petition,
                        petition_name=application.petition.name or "")

    # writing ---------------------------------------------------------------------------------------------

    def create_all(self, *, total: int, progress: Progress | None) -> tuple[dict[str, int], int]:
        """Draw every application first (quick, one random sequence), then their files (the long part, on
        all cores), saving the files and inserting the rows in batches as they come."""
        plan = _status_plan(self.rng, _city_counts(self.cities, total))
        drafts: list[tuple[Application, MediaJob]] = []
        for city, city_statuses in zip(self.cities, plan, strict=True):
            for status in city_statuses:
                index = self.first_index + len(drafts)
                application, person, meeting = self._draw(city=city, status=status, index=index)
                drafts.append((application, self._media_job(application, person, meeting)))

        batch: list[Application] = []
        stored = ordered_map(_media_store, [job for _application, job in drafts])
        for done, ((application, _job), (photo_name, petition_name)) in enumerate(zip(drafts, stored, strict=True), 1):
            application.photo.name = photo_name
            application.petition.name = petition_name
            batch.append(application)
            if len(batch) >= _BATCH:
                Application.objects.bulk_create(batch)
                batch = []
            if progress is not None and (done % _PROGRESS_EVERY == 0 or done == total):
                progress(done, total)
        Application.objects.bulk_create(batch)
        statuses = Counter(application.status for application, _job in drafts)
        petitions = sum(1 for _application, job in drafts if job.petition is not None)
        return {status: statuses[status] for status in STATUS_SHARES}, petitions


def _media_store(job: MediaJob) -> tuple[str, str]:
    """Draw an application's files and store them under the names chosen for them (runs in a worker process:
    files only, no database)."""
    photo, petition = media_render(job)
    photo_name = _file_save(Application._meta.get_field("photo"), job.photo_name, photo)
    petition_name = ""
    if petition is not None:
        petition_name = _file_save(Application._meta.get_field("petition"), job.petition_name, petition)
    return photo_name, petition_name


def _file_save(file_field: Any, name: str, content: bytes) -> str:
    return file_field.storage.save(name, ContentFile(content))


def _age(birth_date: dt.date, on_date: dt.date) -> int:
    return on_date.year - birth_date.year - ((on_date.month, on_date.day) < (birth_date.month, birth_date.day))


# --- removing the previous demo ----------------------------------------------------------------------------


def _demo_season_ids() -> set[int]:
    marks = AuditLogEntry.objects.filter(action=DEMO_AUDIT_ACTION, object_type=Season._meta.label_lower)
    return {int(object_id) for object_id in marks.values_list("object_id", flat=True)}


def _demo_seasons_remove() -> list[int]:
    """Delete the seasons an earlier `demo` created, with everything that refers to them; their files go
    once the transaction commits. Refuses (changing nothing) if any season was not created by the demo."""
    demo_ids = _demo_season_ids()
    foreign = list(Season.objects.exclude(pk__in=demo_ids).order_by("year").values_list("year", flat=True))
    if foreign:
        years = ", ".join(map(str, foreign))
        raise ApplicationError(
            "demo_foreign_seasons",
            f"В базе есть сезоны, созданные не демонстрационной загрузкой ({years}). Демо-данные не "
            f"перезагружаются, чтобы их не удалить. Для чистой демонстрации используйте пустую базу "
            f"(например, удалите var/atomgrad.sqlite3 и снова выполните make run).",
            f"The database holds seasons not created by the demo ({years}). The demo is not reloaded so that "
            f"they are not deleted. For a clean demo use an empty database (e.g. remove var/atomgrad.sqlite3 "
            f"and run make run again).",
            status=409, details={"years": foreign},
        )
    seasons = Season.objects.filter(pk__in=demo_ids)
    years = sorted(seasons.values_list("year", flat=True))
    if not years:
        return []
    files = Application.objects.filter(season__in=seasons).values_list("photo", "petition")
    photo_storage = Application._meta.get_field("photo").storage  # type: ignore[attr-defined]
    petition_storage = Application._meta.get_field("petition").storage  # type: ignore[attr-defined]
    old_files = [(storage, name) for photo, petition in files
                 for storage, name in ((photo_storage, photo), (petition_storage, petition)) if name]
    try:
        with transaction.atomic():
            _delete_with_dependents(seasons)
    except DatabaseError as error:
        raise ApplicationError(
            "demo_reload_refused",
            "База данных не даёт удалить прежние демо-данные (например, голоса в журнале, который только "
            "пополняется). Начните с пустой базы: удалите var/atomgrad.sqlite3 и var/media (для PostgreSQL — "
            "создайте новую базу) и выполните make run.",
            "The database refuses to delete the previous demo data (for instance votes in the append-only "
            "ledger). Start from an empty database: remove var/atomgrad.sqlite3 and var/media (on PostgreSQL, "
            "create a new database) and run make run.",
            status=409, details={"error": str(error)},
        ) from error
    transaction.on_commit(lambda: _files_delete(old_files))
    return years


def _files_delete(files: Sequence[tuple[Storage, str]]) -> None:
    """Remove files, a few at a time (on network or overlay file systems each removal waits for the disk)."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda item: item[0].delete(item[1]), files))


_KEEP_REFERRERS = (models.SET_NULL, models.SET_DEFAULT)


def _delete_with_dependents(queryset: QuerySet[Any], depth: int = 0) -> None:
    """Delete the rows and, before them, every row that refers to them at any depth: PROTECT and RESTRICT
    foreign keys (applications, laureates, voters and whatever later apps hang on a season) cannot stop it.

    A model that refers to itself (a hash chain's previous entry) is deleted in one statement, which the
    databases check at its end.
    """
    if depth > 16:
        raise RuntimeError("foreign keys nested too deeply to delete the demo season")
    model = queryset.model
    for relation in model._meta.related_objects:
        if relation.many_to_many or relation.related_model is model:
            continue
        on_delete = getattr(relation, "on_delete", None)
        if on_delete in _KEEP_REFERRERS or getattr(on_delete, "__name__", "") == "set_on_delete":
            continue
        referrers = relation.related_model._base_manager.filter(
            **{f"{relation.field.name}__in": queryset.values("pk")}
        )
        _delete_with_dependents(referrers, depth + 1)
    try:
        with transaction.atomic():
            queryset.delete()
    except (ProtectedError, RestrictedError):
        queryset._raw_delete(queryset.db)  # type: ignore[attr-defined]

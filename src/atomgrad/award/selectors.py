"""Reads of the award. Public readers get candidates only through these functions, which never load
private fields (phone, e-mail, date of birth, petition, consent record, nominator, moderation comments).

Nothing here reads or orders by votes: while a season hides its counts, the public order of candidates is
alphabetical (full name, then id) everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import BooleanField, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from atomgrad.award.models import Application, ApplicationStatus, Laureate, ModerationExtension, Season, Sphere
from atomgrad.award.phases import PHASE_RULES, PHASE_STARTS, Phase
from atomgrad.cities.models import City

# The only fields of an application that may leave the building.
PUBLIC_CANDIDATE_FIELDS = (
    "id", "season_id", "city_id", "sphere_id", "full_name", "workplace", "position", "story", "photo",
    "published_at",
)
_PUBLIC_RELATED_FIELDS = (
    "city__slug", "city__name_ru", "city__name_en", "city__region_ru", "city__region_en", "city__is_closed",
    "sphere__slug", "sphere__name_ru", "sphere__name_en",
)

# A search query is cut to this many characters and words: enough for a full name, too little to be a load.
SEARCH_MAX_LENGTH = 100
SEARCH_MAX_WORDS = 5

# --- seasons ----------------------------------------------------------------------------------------------


def season_current() -> Season | None:
    """The season the site is about: the latest one by year."""
    return Season.objects.prefetch_related("cities").order_by("-year").first()


def season_list() -> QuerySet[Season]:
    return Season.objects.prefetch_related("cities").order_by("-year")


def season_get(*, year: int) -> Season | None:
    return Season.objects.prefetch_related("cities").filter(year=year).first()


def season_from_query(value: str | None, *, current: Season | None) -> Season | None:
    """The season a page's `?season=YEAR` names; `current` (the current season, already read) without it, or
    for a year that has none (an old link keeps working: it shows the current season)."""
    value = (value or "").strip()
    if value.isdigit() and len(value) <= 4 and (current is None or int(value) != current.year):
        season = season_get(year=int(value))
        if season is not None:
            return season
    return current


def city_seasons(*, city: City) -> list[Season]:
    """Every season the city took part in, newest first (each season's pages stay reachable for ever)."""
    return list(Season.objects.filter(cities=city).order_by("-year"))


@dataclass(frozen=True)
class HallOfFameYear:
    season: Season
    laureates: list[Laureate]


def city_hall_of_fame(*, city: City) -> list[HallOfFameYear]:
    """The city's laureates (top three of its vote) by season, newest first, by place. `application_id`
    links to the laureate's candidate page when it is public."""
    laureates = (
        Laureate.objects.filter(city=city).select_related("season")
        .only("id", "season__year", "season__title", "season__id", "city_id", "full_name", "place", "application_id")
        .order_by("-season__year", "place", "full_name")
    )
    years: list[HallOfFameYear] = []
    for laureate in laureates:
        if not years or years[-1].season.pk != laureate.season_id:
            years.append(HallOfFameYear(season=laureate.season, laureates=[]))
        years[-1].laureates.append(laureate)
    return years


@dataclass(frozen=True)
class TimelineStep:
    """One phase of a season as the public reads it. `display` says how to print the dates:
    "range" (from–to), "until" (only the end matters) or "at" (a single moment)."""

    phase: Phase
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    state: str  # "past" | "current" | "future"
    display: str


_TIMELINE_DISPLAY = {
    Phase.APPLICATIONS: "range",
    Phase.MODERATION: "range",
    Phase.VOTING: "range",
    Phase.VERIFICATION: "until",
    Phase.RESULTS: "at",
    Phase.CEREMONY: "at",
}


def season_timeline(*, season: Season, now: dt.datetime | None = None) -> list[TimelineStep]:
    """The season's phases in order with their dates and whether each is past, current or still ahead."""
    now = now or timezone.now()
    current = season.phase_at(now)
    order = [phase for phase, _field in PHASE_STARTS]
    current_index = order.index(current) if current in order else -1
    steps = []
    for index, (phase, field) in enumerate(PHASE_STARTS):
        ends_at = getattr(season, PHASE_STARTS[index + 1][1]) if index + 1 < len(PHASE_STARTS) else None
        state = "current" if index == current_index else ("past" if index < current_index else "future")
        steps.append(TimelineStep(
            phase=phase, title=str(PHASE_RULES[phase].title), starts_at=getattr(season, field), ends_at=ends_at,
            state=state, display=_TIMELINE_DISPLAY[phase],
        ))
    return steps


@dataclass(frozen=True)
class SeasonStats:
    city_count: int
    candidate_count: int


def season_public_stats(*, season: Season) -> SeasonStats:
    """Counts that are always public: participating cities and published candidates (never votes)."""
    return SeasonStats(
        city_count=season.cities.count(),
        candidate_count=Application.objects.filter(season=season, status=ApplicationStatus.ACCEPTED).count(),
    )


# --- spheres ----------------------------------------------------------------------------------------------


def sphere_list(*, active_only: bool = True) -> QuerySet[Sphere]:
    spheres = Sphere.objects.order_by("order", "name_ru")
    return spheres.filter(is_active=True) if active_only else spheres


def sphere_list_with_counts(*, season: Season, city: City | None = None) -> QuerySet[Sphere]:
    """Spheres with `candidate_count`: published candidates of the season (and city) in each. Inactive spheres
    are listed only while they still have candidates, so every published candidate can be found by sphere."""
    accepted = Q(applications__season=season, applications__status=ApplicationStatus.ACCEPTED)
    if city is not None:
        accepted &= Q(applications__city=city)
    return (
        Sphere.objects.annotate(candidate_count=Count("applications", filter=accepted))
        .filter(Q(is_active=True) | Q(candidate_count__gt=0))
        .order_by("order", "name_ru")
    )


# --- cities -----------------------------------------------------------------------------------------------


def city_list_for_season(*, season: Season | None, query: str = "") -> QuerySet[City]:
    """Cities with `candidate_count` (published candidates of the season) and `participates` (in the season).

    With a season, only its participating cities; without one (nothing announced yet), all cities.
    """
    cities = City.objects.order_by("name_ru")
    if season is None:
        cities = cities.annotate(candidate_count=Value(0, output_field=IntegerField()))
    else:
        cities = cities.filter(seasons=season).annotate(
            candidate_count=Count(
                "applications", distinct=True,
                filter=Q(applications__season=season, applications__status=ApplicationStatus.ACCEPTED),
            )
        )
    return _filter_words(cities, query, ("name_ru", "name_en", "region_ru", "region_en"))


def city_list_with_participation(*, season: Season | None) -> QuerySet[City]:
    """All cities, each with `participates` (in the season) and `candidate_count` (its published candidates)."""
    cities = City.objects.order_by("name_ru")
    if season is None:
        return cities.annotate(
            candidate_count=Value(0, output_field=IntegerField()),
            participates=Value(False, output_field=BooleanField()),
        )
    membership = Season.cities.through.objects.filter(season=season, city=OuterRef("pk"))
    return cities.annotate(
        participates=Exists(membership),
        candidate_count=Count(
            "applications", filter=Q(applications__season=season, applications__status=ApplicationStatus.ACCEPTED)
        ),
    )


def city_get_with_participation(*, slug: str, season: Season | None) -> City | None:
    return city_list_with_participation(season=season).filter(slug=slug).first()


# --- candidates -------------------------------------------------------------------------------------------


def search_words(query: str) -> list[str]:
    """The words of a search query, trimmed to the limits above."""
    return (query or "")[:SEARCH_MAX_LENGTH].split()[:SEARCH_MAX_WORDS]


def _word_regex(word: str) -> str:
    """A case-insensitive pattern for one typed word. Russian writers often type «е» for «ё», so both match
    either. A regex (not icontains) because SQLite's LIKE folds only ASCII letters: «анна» must find «Анна»."""
    escaped = re.escape(word.lower().replace("ё", "е"))
    return escaped.replace("е", "[её]")


def _filter_words(queryset: QuerySet, query: str, fields: tuple[str, ...]) -> QuerySet:
    """Every word must occur in at least one of the fields."""
    for word in search_words(query):
        pattern = _word_regex(word)
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__iregex": pattern})
        queryset = queryset.filter(condition)
    return queryset


def candidate_list_published(
    *, season: Season, city: City | None = None, sphere: Sphere | None = None, query: str = ""
) -> QuerySet[Application]:
    """Published (accepted) candidates of a season in alphabetical order; `query` matches name, workplace
    and position."""
    candidates = (
        Application.objects.filter(season=season, status=ApplicationStatus.ACCEPTED)
        .select_related("city", "sphere")
        .only(*PUBLIC_CANDIDATE_FIELDS, *_PUBLIC_RELATED_FIELDS)
        .order_by("full_name", "id")
    )
    if city is not None:
        candidates = candidates.filter(city=city)
    if sphere is not None:
        candidates = candidates.filter(sphere=sphere)
    return _filter_words(candidates, query, ("full_name", "workplace", "position"))


def candidate_get_published(*, candidate_id: int) -> Application | None:
    """A published candidate of any season; None for an application that is not (or not yet) public."""
    return (
        Application.objects.filter(pk=candidate_id, status=ApplicationStatus.ACCEPTED)
        .select_related("city", "sphere", "season")
        .only(*PUBLIC_CANDIDATE_FIELDS, *_PUBLIC_RELATED_FIELDS, "season__year", "season__title")
        .first()
    )


# --- the committees' moderation window -----------------------------------------------------------------------


def moderation_extended_until(*, season: Season, city_id: int) -> dt.datetime | None:
    """The close of a city's moderation extension in force (the latest one), or None. One query."""
    return (
        ModerationExtension.objects.filter(season_id=season.pk, city_id=city_id)
        .order_by("-created_at", "-id")
        .values_list("closes_at", flat=True)
        .first()
    )


def moderation_open_in_city(*, season: Season, city_id: int, moment: dt.datetime | None = None) -> bool:
    """Whether a city's committee may still decide applications at `moment`: while the phase table says
    moderation is open, or during the vote under an extension organisers granted the city."""
    moment = moment or timezone.now()
    phase = season.phase_at(moment)
    if PHASE_RULES[phase].moderation_open:
        return True
    if phase != Phase.VOTING:
        return False
    extended = moderation_extended_until(season=season, city_id=city_id)
    return extended is not None and moment < extended

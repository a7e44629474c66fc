"""Reads for the committee workspace. Unlike `award.selectors` these load private fields: callers must have
checked the person's access first (`award.permissions`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet

from atomgrad.award.models import Application, ApplicationStatus, Season, Sphere
from atomgrad.award.services.applications import age_on, applications_close_day
from atomgrad.cities.models import City
from atomgrad.core.models import AuditLogEntry

SEARCH_MAX_WORDS = 5


def _name_matches(word: str) -> Q:
    """A case-insensitive match of one word in the name on both databases.

    PostgreSQL's UPPER() folds Cyrillic; SQLite's LIKE folds only ASCII, so the usual spellings of a Russian
    word (as typed, lower case, capitalised, upper case) are matched too.
    """
    query = Q()
    for variant in {word, word.lower(), word.capitalize(), word.upper()}:
        query |= Q(full_name__icontains=variant)
    return query


def moderation_queue(
    *,
    season: Season,
    city: City,
    status: str | None = None,
    sphere: Sphere | None = None,
    query: str = "",
) -> QuerySet[Application]:
    """A city's applications, oldest first (first come, first decided); `status=None` means every status."""
    applications = (
        Application.objects.filter(season=season, city=city)
        .select_related("sphere")
        .order_by("submitted_at", "id")
    )
    if status:
        applications = applications.filter(status=status)
    if sphere is not None:
        applications = applications.filter(sphere=sphere)
    for word in query.split()[:SEARCH_MAX_WORDS]:
        applications = applications.filter(_name_matches(word))
    return applications


def moderation_status_counts(*, season: Season, city: City) -> dict[str, int]:
    """How many of the city's applications are in each status, plus "all"."""
    rows = (
        Application.objects.filter(season=season, city=city)
        .values("status")
        .annotate(total=Count("id"))
        .order_by()
    )
    counts = {status.value: 0 for status in ApplicationStatus}
    for row in rows:
        counts[row["status"]] = row["total"]
    counts["all"] = sum(counts.values())
    return counts


def moderation_city_overview(*, season: Season, cities: Iterable[City]) -> list[dict[str, object]]:
    """Per city: its counts per status, for an organiser choosing a city (one query for all cities)."""
    annotations = {
        status.value: Count("id", filter=Q(status=status.value)) for status in ApplicationStatus
    }
    rows = {
        row["city_id"]: row
        for row in Application.objects.filter(season=season)
        .values("city_id")
        .annotate(total=Count("id"), **annotations)
        .order_by()
    }
    overview = []
    for city in cities:
        row = rows.get(city.pk, {})
        overview.append(
            {
                "city": city,
                "total": row.get("total", 0),
                **{status.value: row.get(status.value, 0) for status in ApplicationStatus},
            }
        )
    return overview


def moderation_next_submitted(*, application: Application) -> Application | None:
    """The oldest other application of the same city still waiting for a decision."""
    return (
        Application.objects.filter(
            season_id=application.season_id, city_id=application.city_id, status=ApplicationStatus.SUBMITTED
        )
        .exclude(pk=application.pk)
        .order_by("submitted_at", "id")
        .only("id", "full_name")
        .first()
    )


def application_audit_history(*, application: Application) -> QuerySet[AuditLogEntry]:
    """The decisions about the application (the audited reads of its private data are not decisions)."""
    from atomgrad.award.services.privacy import PRIVATE_READS

    return (
        AuditLogEntry.objects.filter(object_type=application._meta.label_lower, object_id=str(application.pk))
        .exclude(action__in=PRIVATE_READS.values())
        .select_related("actor")
        .order_by("created_at", "id")
    )


def applicant_age_at_close(*, application: Application) -> int:
    """The applicant's age on the (Moscow) day applications close, counted as the eligibility rule counts it."""
    return age_on(birth_date=application.birth_date, day=applications_close_day(application.season))

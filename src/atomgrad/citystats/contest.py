"""Reading Минстрой's contest: a city's applications over the years, the winners of each year."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum

from atomgrad.cities.models import City
from atomgrad.citystats.models import ContestApplication, ContestResult


def applications(*, city: City | None = None, year: int | None = None, result: str | None = None
                 ) -> QuerySet[ContestApplication]:
    rows = ContestApplication.objects.select_related("city").order_by("-year", "city__name_ru")
    if city is not None:
        rows = rows.filter(city=city)
    if year is not None:
        rows = rows.filter(year=year)
    if result:
        rows = rows.filter(result=result)
    return rows


def wins_by_year() -> list[dict[str, int]]:
    """Per year: applications, winners and the grants won (kopecks), the latest year first."""
    return list(
        ContestApplication.objects.values("year").annotate(
            applications=Count("pk"), winners=Count("pk", filter=Q(result=ContestResult.WINNER)),
            grants=Sum("grant_kopecks", default=0))
        .order_by("-year")
    )


def contest_years() -> list[int]:
    return sorted(ContestApplication.objects.values_list("year", flat=True).distinct())

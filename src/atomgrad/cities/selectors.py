from __future__ import annotations

from django.db.models import QuerySet

from atomgrad.cities.models import City, CommitteeMembership


def city_list() -> QuerySet[City]:
    return City.objects.order_by("name_ru")


def city_get(*, slug: str) -> City | None:
    return City.objects.filter(slug=slug).first()


def committee_members(*, city: City) -> QuerySet[CommitteeMembership]:
    return CommitteeMembership.objects.filter(city=city).select_related("user").order_by("role", "full_name")

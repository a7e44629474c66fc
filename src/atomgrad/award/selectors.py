"""Reads of the award. Public readers get candidates only through these functions, which never load
private fields (phone, e-mail, date of birth, petition, consent record)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from atomgrad.award.models import Application, ApplicationStatus, Season, Sphere
from atomgrad.cities.models import City

# The only fields of an application that may leave the building.
PUBLIC_CANDIDATE_FIELDS = (
    "id", "season_id", "city_id", "sphere_id", "full_name", "workplace", "position", "story", "photo",
    "published_at",
)


def season_current() -> Season | None:
    """The season the site is about: the latest one by year."""
    return Season.objects.prefetch_related("cities").order_by("-year").first()


def sphere_list(*, active_only: bool = True) -> QuerySet[Sphere]:
    spheres = Sphere.objects.order_by("order", "name_ru")
    return spheres.filter(is_active=True) if active_only else spheres


def candidate_list_published(
    *, season: Season, city: City | None = None, sphere: Sphere | None = None, query: str = ""
) -> QuerySet[Application]:
    candidates = (
        Application.objects.filter(season=season, status=ApplicationStatus.ACCEPTED)
        .select_related("city", "sphere")
        .only(*PUBLIC_CANDIDATE_FIELDS, "city__slug", "city__name_ru", "city__name_en",
              "sphere__slug", "sphere__name_ru", "sphere__name_en")
        .order_by("full_name", "id")
    )
    if city is not None:
        candidates = candidates.filter(city=city)
    if sphere is not None:
        candidates = candidates.filter(sphere=sphere)
    if query.strip():
        words = query.split()
        for word in words[:5]:
            candidates = candidates.filter(
                Q(full_name__icontains=word) | Q(workplace__icontains=word) | Q(position__icontains=word)
            )
    return candidates


def candidate_get_published(*, candidate_id: int) -> Application | None:
    return (
        Application.objects.filter(pk=candidate_id, status=ApplicationStatus.ACCEPTED)
        .select_related("city", "sphere", "season")
        .only(*PUBLIC_CANDIDATE_FIELDS, "city__slug", "city__name_ru", "city__name_en",
              "sphere__slug", "sphere__name_ru", "sphere__name_en", "season__year", "season__title")
        .first()
    )

"""Who may act on which city. Federal organisers see all cities; a committee member only their own."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from atomgrad.cities.models import City

ORGANISERS_GROUP = "Организаторы"


def user_is_organiser(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:  # type: ignore[union-attr]
        return True
    return user.groups.filter(name=ORGANISERS_GROUP).exists()  # type: ignore[union-attr]


def cities_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[City]:
    """The cities a person may act on: all for organisers, their committee's for members, none otherwise."""
    if not user.is_authenticated:
        return City.objects.none()
    if user_is_organiser(user):
        return City.objects.all()
    return City.objects.filter(committee__user=user).distinct()


def user_is_staff_of_award(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user_is_organiser(user) or cities_for_user(user).exists()


def access_city(user: AbstractBaseUser | AnonymousUser, slug: str) -> City:
    """Load a city the person may act on; another city is a 404, as if it did not exist for them."""
    city = cities_for_user(user).filter(slug=slug).first()
    if city is None:
        raise Http404
    return city

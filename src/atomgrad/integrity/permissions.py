"""Who may see the integrity findings of a city, and when (role × city × phase of the city's vote).

- Organisers: every city, at any time — an attack should be seen the day it starts.
- A city's committee: its own city, only once the city's vote has closed (while it runs, findings would tell
  the committee which candidates gather votes, and it must not learn the running count).
- Anyone else, and a committee for another city: never.

The same rule for the page, the exports and the commands; tested as a grid (tests/integrity/test_permissions.py).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone

from atomgrad.award.models import Season
from atomgrad.cities.models import City
from atomgrad.cities.permissions import cities_for_user, user_is_organiser
from atomgrad.voting.services.ballots import voting_closes_at

User = AbstractBaseUser | AnonymousUser


def findings_visible(*, user: User, season: Season, city: City, now: dt.datetime | None = None) -> bool:
    """May this person see the city's findings of the season now?"""
    if not user.is_authenticated:
        return False
    if user_is_organiser(user):
        return True
    if not cities_for_user(user).filter(pk=city.pk).exists():
        return False
    return (now or timezone.now()) >= voting_closes_at(season=season, city_id=city.pk)


def findings_overview_visible(*, user: User) -> bool:
    """The season's overview of findings per city (every city at once): organisers only."""
    return user_is_organiser(user)

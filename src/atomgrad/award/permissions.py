"""Who may see and decide which application: predicates of role × city × phase, and `access_application`.

Roles: federal organisers (superusers or the «Организаторы» group) act on every city; a committee member acts
only on the cities of their `CommitteeMembership`; anyone else acts on nothing. Another city's application is
a 404 for a committee member — as if it did not exist — never a 403 that would confirm it does.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from atomgrad.award.models import Application, Season
from atomgrad.award.selectors import moderation_open_in_city
from atomgrad.cities.models import City, CommitteeMembership
from atomgrad.cities.permissions import user_is_organiser

User = AbstractBaseUser | AnonymousUser


def user_may_moderate_city(user: User, city: City | int) -> bool:
    """Role × city: organisers may act on every city, a committee member on their own cities only."""
    if not user.is_authenticated:
        return False
    if user_is_organiser(user):
        return True
    city_id = city.pk if isinstance(city, City) else city
    return CommitteeMembership.objects.filter(user=user, city_id=city_id).exists()


def moderation_phase_allows(
    user: User, season: Season, *, city_id: int, moment: dt.datetime | None = None
) -> bool:
    """Role × city × phase: committees decide only while the season's phase table says moderation is open, or
    while organisers have extended moderation for the city (`ModerationExtension`).

    Organisers may also decide outside that window. The committees' window closes when the vote opens, and an
    application still undecided then (a committee that missed the deadline, a late appeal, a decision to be
    redone after a mistake was found) can only be settled by the federal organisers, who answer for the whole
    season, or by the committee under an extension they grant; late decisions are marked as such in the audit log.
    """
    if not user.is_authenticated:
        return False
    return user_is_organiser(user) or moderation_open_in_city(season=season, city_id=city_id, moment=moment)


def user_may_view_application(user: User, application: Application) -> bool:
    return user_may_moderate_city(user, application.city_id)


def user_may_decide_application(
    user: User, application: Application, *, moment: dt.datetime | None = None
) -> bool:
    """Role × city × phase. Whether the status allows a decision is the state machine's business
    (`award.workflow`), not a permission: a decided application is shown with its decision, not hidden."""
    return user_may_moderate_city(user, application.city_id) and moderation_phase_allows(
        user, application.season, city_id=application.city_id, moment=moment
    )


def applications_for_user(user: User) -> QuerySet[Application]:
    """Every application the person may act on: all for organisers, their cities' for committee members."""
    if not user.is_authenticated:
        return Application.objects.none()
    if user_is_organiser(user):
        return Application.objects.all()
    return Application.objects.filter(city__committee__user=user)


def access_application(user: User, application_id: int) -> Application:
    """Load an application the person may act on, with what its pages need; anything else is a 404."""
    application = (
        applications_for_user(user)
        .select_related("season", "city", "sphere", "consent_document")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise Http404
    return application

"""Who may see and decide which application: grids of role × city × phase."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from atomgrad.award.permissions import (
    access_application,
    applications_for_user,
    moderation_phase_allows,
    user_may_decide_application,
    user_may_moderate_city,
    user_may_view_application,
)
from atomgrad.award.phases import Phase
from atomgrad.cities.models import CommitteeRole
from tests.factories import (
    ApplicationFactory,
    CityFactory,
    CommitteeMemberFactory,
    SeasonFactory,
    UserFactory,
    make_organiser,
)

ROLES = ["anonymous", "no_role", "member_a", "chair_a", "member_b", "member_a_and_b", "organiser", "superuser"]
# Who may act on city A's applications at all (whatever the phase).
MAY_ACT_ON_A = {"member_a", "chair_a", "member_a_and_b", "organiser", "superuser"}
ORGANISERS = {"organiser", "superuser"}
MODERATION_PHASES = {Phase.APPLICATIONS, Phase.MODERATION}



@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Factories give every user a password; the production hasher would spend most of these tests on it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

@pytest.fixture
def cities():
    return CityFactory(slug="city-a"), CityFactory(slug="city-b")


def make_user(role: str, city_a, city_b):
    if role == "anonymous":
        return AnonymousUser()
    if role == "organiser":
        return make_organiser(f"organiser-{role}")
    if role == "superuser":
        user = UserFactory(username="root")
        user.is_superuser = True
        user.save()
        return user
    user = UserFactory(username=role)
    if role == "member_a":
        CommitteeMemberFactory(city=city_a, user=user)
    elif role == "chair_a":
        CommitteeMemberFactory(city=city_a, user=user, role=CommitteeRole.CHAIR)
    elif role == "member_b":
        CommitteeMemberFactory(city=city_b, user=user)
    elif role == "member_a_and_b":
        CommitteeMemberFactory(city=city_a, user=user)
        CommitteeMemberFactory(city=city_b, user=user)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_role_by_city(role, cities):
    city_a, city_b = cities
    user = make_user(role, city_a, city_b)
    assert user_may_moderate_city(user, city_a) == (role in MAY_ACT_ON_A)
    assert user_may_moderate_city(user, city_a.pk) == (role in MAY_ACT_ON_A)
    may_act_on_b = {"member_b", "member_a_and_b", "organiser", "superuser"}
    assert user_may_moderate_city(user, city_b) == (role in may_act_on_b)


@pytest.mark.django_db
@pytest.mark.parametrize("phase", list(Phase))
@pytest.mark.parametrize("role", ROLES)
def test_decide_grid_role_by_phase_on_city_a(role, phase, cities):
    city_a, city_b = cities
    user = make_user(role, city_a, city_b)
    season = SeasonFactory(phase=phase, cities=[city_a, city_b])
    application = ApplicationFactory(season=season, city=city_a)

    expected_view = role in MAY_ACT_ON_A
    expected_phase = role != "anonymous" and (phase in MODERATION_PHASES or role in ORGANISERS)
    assert user_may_view_application(user, application) == expected_view
    assert moderation_phase_allows(user, season, city_id=city_a.pk) == expected_phase
    assert user_may_decide_application(user, application) == (expected_view and expected_phase)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_access_application_is_a_404_outside_ones_cities(role, cities):
    city_a, city_b = cities
    user = make_user(role, city_a, city_b)
    season = SeasonFactory(phase=Phase.MODERATION, cities=[city_a, city_b])
    in_a = ApplicationFactory(season=season, city=city_a)
    in_b = ApplicationFactory(season=season, city=city_b)
    expected = {
        "anonymous": set(),
        "no_role": set(),
        "member_a": {in_a.pk},
        "chair_a": {in_a.pk},
        "member_b": {in_b.pk},
        "member_a_and_b": {in_a.pk, in_b.pk},
        "organiser": {in_a.pk, in_b.pk},
        "superuser": {in_a.pk, in_b.pk},
    }[role]
    for application in (in_a, in_b):
        if application.pk in expected:
            loaded = access_application(user, application.pk)
            assert loaded == application
            assert loaded.city == application.city
        else:
            with pytest.raises(Http404):
                access_application(user, application.pk)
    assert set(applications_for_user(user).values_list("pk", flat=True)) == expected
    with pytest.raises(Http404):
        access_application(user, in_b.pk + 1000)

"""Who sees a season's signals, and when: a grid of role × phase × own or other city (docs/integrity.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from atomgrad.core.errors import ApplicationError
from atomgrad.integrity.permissions import (
    findings_check_access,
    findings_cities,
    findings_visible,
    season_overview_check,
)
from atomgrad.voting.models import VotingExtension
from tests.factories import CommitteeMemberFactory, UserFactory, make_organiser
from tests.integrity.support import sim_season

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def grid():  # type: ignore[no-untyped-def]
    sim = sim_season({"sarov": 1, "ozersk": 1})
    people = {
        "organiser": make_organiser(),
        "committee": CommitteeMemberFactory(city=sim.cities["sarov"]).user,
        "resident": UserFactory(),
        "anonymous": AnonymousUser(),
    }
    season = sim.season
    moments = {
        "before the vote": season.voting_open_at - HOUR,
        "vote open": season.voting_open_at + HOUR,
        "after the close": season.voting_close_at + HOUR,
        "published": season.results_at + 30 * 24 * HOUR,
    }
    return sim, people, moments


# (role, moment, city) → may see; the committee's own city is Sarov.
EXPECTED = {
    ("organiser", "before the vote", "sarov"): True, ("organiser", "vote open", "sarov"): True,
    ("organiser", "after the close", "sarov"): True, ("organiser", "published", "sarov"): True,
    ("organiser", "before the vote", "ozersk"): True, ("organiser", "vote open", "ozersk"): True,
    ("organiser", "after the close", "ozersk"): True, ("organiser", "published", "ozersk"): True,
    ("committee", "before the vote", "sarov"): False, ("committee", "vote open", "sarov"): False,
    ("committee", "after the close", "sarov"): True, ("committee", "published", "sarov"): True,
}


@pytest.mark.parametrize("role", ["organiser", "committee", "resident", "anonymous"])
@pytest.mark.parametrize("moment", ["before the vote", "vote open", "after the close", "published"])
@pytest.mark.parametrize("city", ["sarov", "ozersk"])
def test_the_grid(grid, role, moment, city):  # type: ignore[no-untyped-def]
    sim, people, moments = grid
    expected = EXPECTED.get((role, moment, city), False)
    user, now, place = people[role], moments[moment], sim.cities[city]
    assert findings_visible(user=user, season=sim.season, city=place, now=now) is expected
    if expected:
        findings_check_access(user=user, season=sim.season, city=place, now=now)
        return
    with pytest.raises(ApplicationError) as refused:
        findings_check_access(user=user, season=sim.season, city=place, now=now)
    own_city = role == "committee" and city == "sarov"
    # another city, or no role at all, is "not found"; the own city before its close says when it opens
    assert (refused.value.code, refused.value.status) == (
        ("signals_not_yet", 403) if own_city else ("city_not_found", 404))


def test_a_city_s_extension_keeps_its_signals_closed_to_the_committee_until_the_extended_close(grid):  # type: ignore[no-untyped-def]
    sim, people, _moments = grid
    season, sarov = sim.season, sim.cities["sarov"]
    extended = season.voting_close_at + 2 * HOUR
    VotingExtension.objects.create(season=season, city=sarov, closes_at=extended, reason="сбой связи",
                                   actor=people["organiser"])
    committee = people["committee"]
    assert not findings_visible(user=committee, season=season, city=sarov, now=season.voting_close_at + HOUR)
    assert findings_visible(user=committee, season=season, city=sarov, now=extended)
    with pytest.raises(ApplicationError) as refused:
        findings_check_access(user=committee, season=season, city=sarov, now=extended - dt.timedelta(seconds=1))
    assert refused.value.details["closes_at"] == extended.isoformat()


def test_findings_cities_and_the_overview(grid):  # type: ignore[no-untyped-def]
    sim, people, moments = grid
    season = sim.season
    assert [c.slug for c in findings_cities(user=people["organiser"], season=season, now=moments["vote open"])] \
        == sorted(["sarov", "ozersk"], key=lambda slug: sim.cities[slug].name_ru)
    assert findings_cities(user=people["committee"], season=season, now=moments["vote open"]) == []
    assert findings_cities(user=people["committee"], season=season, now=moments["after the close"]) \
        == [sim.cities["sarov"]]
    assert findings_cities(user=people["resident"], season=season, now=moments["published"]) == []
    season_overview_check(user=people["organiser"])
    for role in ("committee", "resident", "anonymous"):
        with pytest.raises(ApplicationError) as refused:
            season_overview_check(user=people[role])
        assert refused.value.status == 403

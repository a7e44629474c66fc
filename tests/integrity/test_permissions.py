"""Who sees a city's findings, as a grid of role × phase of the city's vote (integrity.permissions)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from atomgrad.integrity.permissions import findings_overview_visible, findings_visible
from atomgrad.voting.models import VotingExtension
from tests.factories import UserFactory
from tests.results.helpers import city_vote, organiser

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "resident", "own_committee", "other_committee", "organiser"]
# (role, vote open?) → may see the city's findings
EXPECTED = {
    ("anonymous", True): False, ("anonymous", False): False,
    ("resident", True): False, ("resident", False): False,
    ("own_committee", True): False, ("own_committee", False): True,
    ("other_committee", True): False, ("other_committee", False): False,
    ("organiser", True): True, ("organiser", False): True,
}


@pytest.mark.parametrize("vote_open", [True, False], ids=["vote-open", "vote-closed"])
@pytest.mark.parametrize("role", ROLES)
def test_findings_visibility_grid(role, vote_open):
    home = city_vote()
    away = city_vote(season=home.season)
    people = {
        "anonymous": AnonymousUser(), "resident": UserFactory(), "own_committee": home.member,
        "other_committee": away.chair, "organiser": organiser(),
    }
    close = home.season.voting_close_at
    now = close - dt.timedelta(seconds=1) if vote_open else close
    assert findings_visible(user=people[role], season=home.season, city=home.city, now=now) is EXPECTED[
        (role, vote_open)]
    assert findings_overview_visible(user=people[role]) is (role == "organiser")


def test_a_city_extension_keeps_the_committee_out_until_the_city_closes():
    home = city_vote()
    close = home.season.voting_close_at
    VotingExtension.objects.create(season=home.season, city=home.city, closes_at=close + dt.timedelta(days=2),
                                   reason="Сбой связи", actor=organiser())
    after_season_close = close + dt.timedelta(hours=1)
    assert not findings_visible(user=home.chair, season=home.season, city=home.city, now=after_season_close)
    assert findings_visible(user=home.chair, season=home.season, city=home.city,
                            now=close + dt.timedelta(days=2))

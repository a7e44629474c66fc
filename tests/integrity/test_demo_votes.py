"""The demo with its votes, at a reduced size: the last season carried through the whole award (votes cast
through the vote path, the Новоуральск attack found, annulled on its findings with the kinds as reason codes,
the city void, every protocol signed, published, laureates, documents) and the current season in its vote
with votes and findings."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.utils import timezone

from atomgrad.award.models import Laureate, Season
from atomgrad.cities.models import City
from atomgrad.core.timefmt import MOSCOW
from atomgrad.integrity.models import Finding, FindingKind
from atomgrad.results.models import CityDecision, CityProtocol, DecisionKind, ProtocolStatus, Publication
from atomgrad.results.selectors import season_cities
from atomgrad.results.services.documents import DOCUMENTS_STORAGE_PATH
from atomgrad.voting.models import LedgerEntry, Vote, VoteAnnulment

pytestmark = pytest.mark.django_db

# The runner and the scenarios are other branches' work (integrity-capture, integrity-detect); until both are
# merged this test cannot run.
pytest.importorskip("atomgrad.integrity.simulator.runner")
pytest.importorskip("atomgrad.integrity.simulator.scenarios")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_runs_a_whole_season_and_starts_the_next_one():
    out = io.StringIO()
    call_command("demo", "--applications", "600", "--votes", "1500", stdout=out)
    year = timezone.localtime(timezone.now(), MOSCOW).year
    last, current = Season.objects.get(year=year - 1), Season.objects.get(year=year)

    # the last season: every vote in the ledger, the attack found and annulled with the kinds as reason codes
    votes = Vote.objects.filter(season=last)
    assert votes.count() > 1000
    assert LedgerEntry.objects.filter(season=last, kind="vote").count() == votes.count()
    # Новоуральск (in a demo this small, the city with the most candidates if it has too few for the attack)
    novouralsk = City.objects.get(pk=CityDecision.objects.get(season=last, kind=DecisionKind.VOID).city_id)
    assert Finding.objects.filter(season=last, city=novouralsk).exists()
    annulled = VoteAnnulment.objects.filter(season=last, vote__city=novouralsk)
    assert annulled.exists()
    assert set(annulled.values_list("reason_code", flat=True)) <= set(FindingKind.values)
    assert CityDecision.objects.filter(season=last, city=novouralsk, kind=DecisionKind.VOID).exists()
    # every city's protocol signed and published; Новоуральск's void, counting its annulments by signal kind
    cities = list(season_cities(season=last))
    assert Publication.objects.filter(season=last).count() == len(cities) == 31
    protocol = CityProtocol.objects.get(season=last, city=novouralsk, status=ProtocolStatus.SIGNED)
    assert protocol.data["void"] and set(protocol.data["annulled_by_reason"]) <= set(FindingKind.values)
    assert not Laureate.objects.filter(season=last, city=novouralsk).exists()
    assert Laureate.objects.filter(season=last).exclude(city=novouralsk).count() >= 3 * 25
    assert storages["private"].exists(DOCUMENTS_STORAGE_PATH.format(year=last.year))

    # the current season: in its vote, with votes and findings, nothing published
    assert current.phase_rules.voting_open
    assert Vote.objects.filter(season=current).exists()
    assert Finding.objects.filter(season=current).exists()
    assert not Publication.objects.filter(season=current).exists()
    assert f"Season {last.year}:" in out.getvalue() and f"Season {current.year}:" in out.getvalue()

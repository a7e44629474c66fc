"""Storing the detectors' findings (a scan replaces its scope's findings), the frame's rule about annulled votes,
the findings readers, and the purge of signals and findings after the season's publication."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from atomgrad.integrity.detectors import DetectedFinding
from atomgrad.integrity.models import Finding, FindingKind, FindingVote
from atomgrad.integrity.selectors import (
    finding_list,
    finding_sequences,
    finding_vote_ids,
    finding_votes,
    season_overview,
    vote_frame,
)
from atomgrad.integrity.services import integrity_purge, integrity_scan
from atomgrad.integrity.simulator.runner import run_plan
from atomgrad.voting.models import VoteAnnulment, VoterSignal, VoteSignal
from atomgrad.voting.services.annulment import annulment_reverse
from atomgrad.voting.services.ballots import vote_annul
from tests.factories import make_organiser
from tests.integrity.support import planned, sim_season

pytestmark = pytest.mark.django_db


def _season_with_votes():  # type: ignore[no-untyped-def]
    sim = sim_season({"sarov": 3, "ozersk": 2})
    start = sim.season.voting_open_at + dt.timedelta(hours=1)
    plan = [planned(start + dt.timedelta(minutes=i), phone=f"+7900222{i:04d}", candidate=i % 3,
                    ip=f"203.0.113.{i}") for i in range(6)]
    plan += [planned(start + dt.timedelta(minutes=10 + i), city="ozersk", phone=f"+7900333{i:04d}", candidate=0)
             for i in range(3)]
    run_plan(season=sim.season, plan=plan)
    return sim


def _by_city(kind: str, score: float, rows_of_city: int):  # type: ignore[no-untyped-def]
    """A detector that flags the first `rows_of_city` votes of every city it is given."""
    def detect(frame):  # type: ignore[no-untyped-def]
        found = []
        for city in np.unique(frame.city):
            rows = np.flatnonzero(frame.city == city)[:rows_of_city]
            found.append(DetectedFinding(kind=kind, city=int(city), rows=rows, score=score,
                                         explanation_ru="Проверка.", explanation_en="A check.",
                                         candidates=sorted(set(frame.candidate[rows].tolist())),
                                         evidence={"hours": [1, 2]}))
        return found
    return detect


def test_a_scan_stores_findings_with_their_votes_and_a_rescan_replaces_them():
    sim = _season_with_votes()
    result = integrity_scan(season=sim.season, detect=_by_city(FindingKind.BURST, 0.8, 2))
    assert (result.votes, result.findings, result.votes_flagged) == (9, 2, 4)
    sarov = sim.cities["sarov"]
    (finding,) = finding_list(season=sim.season, city=sarov)
    assert (finding.kind, finding.score, finding.vote_count) == ("signal_burst", 0.8, 2)
    assert finding.evidence == {"hours": [1, 2]}
    assert {c.pk for c in finding.candidates.all()} == {sim.candidates["sarov"][0].pk, sim.candidates["sarov"][1].pk}
    assert [v.position for v in finding_votes(finding=finding)] == [1, 2]
    assert finding_sequences(findings=[finding]) == {finding.pk: [1, 2]}
    assert len(finding_vote_ids(finding=finding)) == 2

    # a rescan of one city replaces that city's findings only
    integrity_scan(season=sim.season, city=sarov, detect=_by_city(FindingKind.NETWORK, 0.5, 3))
    assert [(f.kind, f.vote_count) for f in Finding.objects.filter(city=sarov)] == [("signal_network", 3)]
    assert [(f.kind, f.vote_count) for f in Finding.objects.filter(city=sim.cities["ozersk"])] \
        == [("signal_burst", 2)]
    assert FindingVote.objects.count() == 5

    overview = {line.city.slug: line for line in season_overview(season=sim.season)}
    assert (overview["sarov"].findings, overview["sarov"].votes_flagged, overview["sarov"].top_score) == (1, 3, 0.5)
    assert overview["ozersk"].by_kind == {"signal_burst": 1}
    assert [line.city.slug for line in season_overview(season=sim.season)] == ["ozersk", "sarov"]  # by score


def test_a_scan_refuses_a_finding_outside_its_scope_and_keeps_the_earlier_ones():
    sim = _season_with_votes()
    integrity_scan(season=sim.season, detect=_by_city(FindingKind.BURST, 0.8, 1))
    ozersk = sim.cities["ozersk"].pk

    def elsewhere(frame):  # type: ignore[no-untyped-def]
        return [DetectedFinding(kind=FindingKind.BURST, city=ozersk, rows=np.array([0]), score=0.9,
                                explanation_ru="", explanation_en="")]

    with pytest.raises(ValueError):
        integrity_scan(season=sim.season, city=sim.cities["sarov"], detect=elsewhere)
    with pytest.raises(ValueError):
        integrity_scan(season=sim.season, detect=_by_city("not_a_kind", 0.9, 1))
    assert Finding.objects.count() == 2 and set(Finding.objects.values_list("score", flat=True)) == {0.8}


def test_the_frame_leaves_out_annulled_votes_and_takes_back_reversed_ones():
    sim = _season_with_votes()
    organiser = make_organiser()
    frame = vote_frame(season=sim.season)
    first, second = (VoteSignal.objects.get(vote_id=int(pk)).vote for pk in frame.vote_id[:2])
    annulment = vote_annul(actor=organiser, vote=first, reason="проверка")
    vote_annul(actor=organiser, vote=second, reason="проверка")
    assert vote_frame(season=sim.season).vote_id.tolist() == frame.vote_id[2:].tolist()
    annulment_reverse(actor=organiser, annulment=annulment, reason="ошибка", reason_code="committee_decision")
    assert vote_frame(season=sim.season).vote_id.tolist() == [first.pk, *frame.vote_id[2:].tolist()]
    assert VoteAnnulment.objects.count() == 2


def test_a_vote_without_signals_reads_as_not_known():
    sim = _season_with_votes()
    VoteSignal.objects.all().delete()
    VoterSignal.objects.all().delete()
    frame = vote_frame(season=sim.season)
    assert len(frame) == 9
    assert (frame.network == 0).all() and (frame.phone_block == 0).all() and (frame.telegram_bucket == -1).all()
    assert np.isnan(frame.code_to_verify).all() and np.isnan(frame.identity_age).all()
    assert vote_frame(season=sim_season({"desnogorsk": 1}).season).vote_id.dtype == np.int64  # empty, typed


def test_the_purge_deletes_signals_and_findings_of_seasons_published_long_enough_ago():
    from atomgrad.results.models import Publication
    from tests.results.helpers import city_vote, close_voting, sign_and_publish

    cv = city_vote(k=2, names=["Антонова Анна", "Борисов Борис", "Власова Вера"])
    cv.cast([2, 1, 0])
    close_voting(cv.season)
    integrity_scan(season=cv.season, detect=_by_city(FindingKind.BURST, 0.7, 1))
    other = _season_with_votes()  # not published: kept whatever happens
    sign_and_publish(cv, publisher=make_organiser())
    published_at = Publication.objects.get(season=cv.season).published_at
    assert VoteSignal.objects.filter(season=cv.season).count() == 3

    assert integrity_purge(days=90, now=published_at + dt.timedelta(days=89)) == []
    (dry,) = integrity_purge(days=90, now=published_at + dt.timedelta(days=91), dry_run=True)
    assert dry.year == cv.season.year and VoteSignal.objects.filter(season=cv.season).count() == 3
    (purged,) = integrity_purge(days=90, now=published_at + dt.timedelta(days=91))
    assert (purged.vote_signals, purged.findings) == (3, 1)
    assert not VoteSignal.objects.filter(season=cv.season).exists()
    assert not Finding.objects.filter(season=cv.season).exists()
    assert VoteSignal.objects.filter(season=other.season).count() == 9  # the unpublished season keeps its own
    assert VoterSignal.objects.filter(season=other.season).count() == 9

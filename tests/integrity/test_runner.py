"""The simulator's runner: planned votes go through the real vote path, in simulated time; refusals are
counted; the ground truth stays in the runner's own file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pytest

from atomgrad.integrity.frame import CHANNEL_CODES
from atomgrad.integrity.selectors import vote_frame
from atomgrad.integrity.simulator.runner import labels_read, run_plan
from atomgrad.voting import signals
from atomgrad.voting.models import LedgerEntry, SeasonVoter, Vote, VoterSignal, VoteSignal
from atomgrad.voting.selectors import ledger_verify
from tests.integrity.support import planned, sim_season

pytestmark = pytest.mark.django_db


def _plan(start: dt.datetime) -> list:
    minute = dt.timedelta(minutes=1)
    return [
        planned(start + 1 * minute, candidate=0, phone="+79001110001"),
        planned(start + 2 * minute, candidate=1, phone="+79001110001"),  # the same voter's second vote
        planned(start + 3 * minute, candidate=0, phone="+79001110001"),  # repeated: refused, already_voted
        planned(start + 4 * minute, city="ozersk", candidate=2, phone="+79001110002", channel="telegram",
                telegram_user_id=8_100_000_000, label="attack", scenario="fresh_telegram"),
        planned(start + 5 * minute, candidate=2, phone="+79001110001"),
        planned(start + 6 * minute, candidate=3, phone="+79001110001"),  # a fourth: refused, limit_reached
        planned(start + 7 * minute, city="ozersk", candidate=0, phone="+79001110003", channel="api",
                ip="2001:db8:5::1", user_agent="bot/1.0", code_seconds=2, verify_seconds=1, label="attack",
                scenario="sim_farm"),
    ]


def test_a_plan_is_cast_through_the_vote_path_with_its_times_context_and_refusals(tmp_path):
    sim = sim_season()
    start = sim.season.voting_open_at + dt.timedelta(hours=2)
    plan = _plan(start)
    out = tmp_path / "labels.jsonl"

    result = run_plan(season=sim.season, plan=list(reversed(plan)), labels_out=out)  # sorted by the runner

    assert (result.planned, result.cast, result.voters) == (7, 5, 3)
    assert dict(result.refused) == {"already_voted": 1, "limit_reached": 1}
    assert dict(result.labels) == {"organic": 3, "attack": 2}
    votes = list(Vote.objects.order_by("cast_at"))
    assert [v.cast_at for v in votes] == [plan[i].at for i in (0, 1, 3, 4, 6)]
    assert [v.channel for v in votes] == ["web", "web", "telegram", "web", "api"]
    assert ledger_verify(season=sim.season) is None  # a sound chain
    entries = LedgerEntry.objects.filter(season=sim.season).order_by("sequence")
    assert [e.created_at for e in entries] == [v.cast_at for v in votes]

    labels = labels_read(out)
    assert labels == {1: ("organic", "organic"), 2: ("organic", "organic"), 3: ("attack", "fresh_telegram"),
                      4: ("organic", "organic"), 5: ("attack", "sim_farm")}
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert all(set(line) == {"sequence", "index", "label", "scenario"} for line in lines)
    assert [line["index"] for line in lines] == [0, 1, 3, 4, 6]  # the places in the time-sorted plan

    bot = VoteSignal.objects.get(vote=votes[2])
    assert bot.telegram_bucket == 8_100_000_000 >> 28 and bot.network == 0
    api = VoteSignal.objects.get(vote=votes[4])
    assert api.network == signals.network_hash("2001:db8:5:ffff::9")
    assert api.code_to_verify == pytest.approx(2, abs=1e-3) and api.verify_to_vote == pytest.approx(1, abs=1e-3)
    voter = SeasonVoter.objects.get(pk=votes[4].voter_id)
    assert voter.consent_given_at == plan[6].verified_at and voter.registered_via == "api"
    kept = VoterSignal.objects.get(voter=voter)
    assert kept.phone_block == signals.phone_block_hash("+79001110003") == signals.phone_block_hash("+79001110099")
    assert kept.identity_first_seen_at == plan[6].verified_at


def test_the_database_frame_holds_what_the_plan_said(tmp_path):
    sim = sim_season()
    start = sim.season.voting_open_at + dt.timedelta(hours=2)
    plan = _plan(start)
    run_plan(season=sim.season, plan=plan)
    frame = vote_frame(season=sim.season)
    accepted = [plan[i] for i in (0, 1, 3, 4, 6)]
    assert frame.sequence.tolist() == [1, 2, 3, 4, 5]
    assert np.allclose(frame.cast_at, [p.at.timestamp() for p in accepted], rtol=0, atol=1e-6)
    assert frame.channel.tolist() == [CHANNEL_CODES[p.channel] for p in accepted]
    assert frame.network.tolist() == [signals.network_hash(p.ip) for p in accepted]
    assert frame.user_agent.tolist() == [signals.user_agent_hash(p.user_agent) for p in accepted]
    assert frame.phone_block.tolist() == [signals.phone_block_hash(p.phone) for p in accepted]
    assert frame.telegram_bucket.tolist() == [-1, -1, 8_100_000_000 >> 28, -1, -1]
    assert np.allclose(frame.code_to_verify, [20, 20, 20, 20, 2], atol=1e-6)
    assert np.allclose(frame.verify_to_vote, [(p.at - p.verified_at).total_seconds() for p in accepted], atol=1e-6)
    first_seen = {p.phone: p.verified_at for p in reversed(accepted)}
    assert np.allclose(frame.identity_age, [(p.at - first_seen[p.phone]).total_seconds() for p in accepted],
                       atol=1e-6)
    candidates = sim.candidates
    assert frame.candidate.tolist() == [candidates[p.city][p.candidate].pk for p in accepted]
    assert len(set(frame.voter.tolist())) == 3
    ozersk = vote_frame(season=sim.season, city=sim.cities["ozersk"])
    assert ozersk.sequence.tolist() == [3, 5]


def test_a_new_session_of_a_voter_renews_the_verification_times():
    sim = sim_season()
    start = sim.season.voting_open_at + dt.timedelta(hours=2)
    first = planned(start, candidate=0)
    later = dataclasses.replace(planned(start + dt.timedelta(days=1), candidate=1, code_seconds=40,
                                        verify_seconds=10))
    run_plan(season=sim.season, plan=[first, later])
    frame = vote_frame(season=sim.season)
    assert np.allclose(frame.code_to_verify, [20, 40], atol=1e-6)
    assert np.allclose(frame.verify_to_vote, [30, 10], atol=1e-6)
    assert np.allclose(frame.identity_age, [30, 86400 + 30], atol=1e-6)  # first seen at the first session


def test_the_same_plan_gives_the_same_run(tmp_path):
    plan_of = []
    results = []
    for run in range(2):
        sim = sim_season({f"city-{run}-a": 4})
        start = sim.season.voting_open_at + dt.timedelta(hours=1)
        plan = [dataclasses.replace(p, city=f"city-{run}-a", candidate=p.candidate % 4,
                                    phone=p.phone[:-1] + str(run))
                for p in _plan(start)]
        plan_of.append(plan)
        out = tmp_path / f"labels-{run}.jsonl"
        result = run_plan(season=sim.season, plan=plan, labels_out=out)
        frame = vote_frame(season=sim.season)
        positions = [sim.candidates[f"city-{run}-a"].index(c) for c in
                     [next(a for a in sim.candidates[f"city-{run}-a"] if a.pk == pk) for pk in frame.candidate]]
        results.append((result.cast, dict(result.refused), labels_read(out), positions,
                        (frame.cast_at - start.timestamp()).tolist()))
    assert results[0] == results[1]


def test_a_plan_naming_an_unknown_city_or_candidate_changes_nothing():
    sim = sim_season()
    start = sim.season.voting_open_at + dt.timedelta(hours=1)
    for bad in (planned(start, city="atlantis"), planned(start, candidate=9)):
        with pytest.raises(ValueError):
            run_plan(season=sim.season, plan=[planned(start), bad])
    assert not SeasonVoter.objects.exists() and not Vote.objects.exists()


def test_votes_outside_the_window_are_refused_and_counted():
    sim = sim_season()
    late = sim.season.voting_close_at + dt.timedelta(minutes=1)
    result = run_plan(season=sim.season, plan=[planned(late)])
    assert (result.cast, dict(result.refused)) == (0, {"voting_closed": 1})

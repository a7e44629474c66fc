"""The scenarios: deterministic for a seed, realistic in shape, and the in-memory frame equal to the plan's."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields

import numpy as np
import pytest

from atomgrad.integrity.simulator import scenarios as sc
from atomgrad.integrity.simulator.memory import frame_from_columns, frame_from_plan
from atomgrad.integrity.simulator.plan import CityShape, PlannedVote
from atomgrad.voting import signals

CITIES = [CityShape("novouralsk", 68, 1500), CityShape("sarov", 20, 1200)]
START, END = sc.DEFAULT_START, sc.DEFAULT_END


def _columns(name: str, seed: int = 1, scale: float = 1.0) -> sc.PlanColumns:
    return sc.scenario_columns(name, CITIES, seed=seed, start=START, end=END, scale=scale)


@pytest.mark.parametrize("name", sc.SCENARIO_REGISTRY)
def test_same_seed_same_plan_other_seed_other_plan(name):
    first, again, other = _columns(name), _columns(name), _columns(name, seed=2)
    for f in fields(sc.PlanColumns):
        if f.name != "cities":
            assert np.array_equal(getattr(first, f.name), getattr(again, f.name)), f.name
    assert len(first) != len(other) or not np.array_equal(first.at, other.at)


def test_registry_functions_return_planned_votes_in_cast_order():
    plan = sc.SCENARIOS["sim_farm"](CITIES, seed=3, start=START, end=END, scale=0.5)
    assert plan and all(isinstance(v, PlannedVote) for v in plan)
    assert [v.at for v in plan] == sorted(v.at for v in plan)
    assert all(START <= v.at < END and v.at.tzinfo is dt.UTC for v in plan)
    assert all(v.code_requested_at <= v.verified_at <= v.at for v in plan)
    assert {v.label for v in plan} == {"organic", "hard_negative", "attack"}
    bot = [v for v in plan if v.channel == "telegram"]
    assert bot and all(v.telegram_user_id and not v.ip and not v.user_agent for v in bot)
    assert all(v.ip and v.user_agent for v in plan if v.channel != "telegram")


@pytest.mark.parametrize("name", sc.SCENARIO_REGISTRY)
def test_voters_cast_at_most_k_distinct_votes_of_their_own_city(name):
    cols = _columns(name)
    key = np.stack([cols.phone, cols.candidate.astype(np.int64)])
    assert np.unique(key, axis=1).shape[1] == len(cols)  # one vote per voter per candidate
    _, per_voter = np.unique(cols.phone, return_counts=True)
    assert per_voter.max() <= sc.K
    pairs = np.unique(np.stack([cols.phone, cols.city.astype(np.int64)]), axis=1)
    assert len(np.unique(pairs[0])) == pairs.shape[1]  # a phone votes in one city only
    sizes = np.array([c.candidates for c in cols.cities])
    assert (cols.candidate < sizes[cols.city]).all() and (cols.candidate >= 0).all()


def test_organic_voting_follows_moscow_daytime_and_skewed_popularity():
    cols = _columns("organic")
    msk_hour = ((cols.at + sc.MSK) // 3600 % 24).astype(int)
    night = ((msk_hour >= 1) & (msk_hour < 6)).mean()
    assert night < 0.05  # little at night
    votes = np.bincount(cols.candidate[cols.city == 0], minlength=68)
    assert votes.max() > 8 * np.median(votes)  # a few favourites, a long tail
    assert set(np.unique(cols.channel)) == {0, 1, 2}
    networks, voters_per_network = np.unique(cols.ip[cols.ip > 0] >> 8, return_counts=True)
    assert voters_per_network.max() > 100  # mobile carriers' CGNAT: many residents behind one network


def test_novouralsk_replay_makes_two_candidates_about_90_percent_fake():
    cols = _columns("novouralsk")
    city = next(i for i, c in enumerate(cols.cities) if c.candidates == 68)
    attack = cols.label == sc.ATTACK
    targets = np.unique(cols.candidate[attack])
    assert len(targets) == 2 and (cols.city[attack] == city).all()
    for target in targets:
        mine = (cols.city == city) & (cols.candidate == target)
        assert 0.8 <= attack[mine].mean() <= 0.97


def test_attacks_use_the_residents_user_agents():
    cols = _columns("sim_farm")
    attack_uas = set(np.unique(cols.ua[cols.label == sc.ATTACK]).tolist())
    organic_uas = set(np.unique(cols.ua[cols.label == sc.ORGANIC]).tolist())
    assert attack_uas <= organic_uas


def test_memory_frame_from_columns_equals_frame_from_planned_votes():
    cols = _columns("fresh_telegram", scale=0.3)
    fast, slow = frame_from_columns(cols), frame_from_plan(sc.to_planned(cols))
    for f in fields(fast.frame):
        a, b = getattr(fast.frame, f.name), getattr(slow.frame, f.name)
        assert np.allclose(a, b, equal_nan=True) if a.dtype.kind == "f" else np.array_equal(a, b), f.name
    assert np.array_equal(fast.labels, slow.labels) and fast.city_ids == slow.city_ids


def test_memory_frame_uses_the_vote_paths_hashes_and_keeps_the_truth_apart():
    plan = sc.SCENARIOS["fresh_telegram"](CITIES, seed=4, start=START, end=END, scale=0.2)
    memory = frame_from_plan(plan)
    frame = memory.frame
    i = next(i for i, v in enumerate(plan) if v.channel == "web")
    j = next(i for i, v in enumerate(plan) if v.channel == "telegram")
    assert frame.network[i] == signals.network_hash(plan[i].ip)
    assert frame.user_agent[i] == signals.user_agent_hash(plan[i].user_agent)
    assert frame.phone_block[i] == signals.phone_block_hash(plan[i].phone)
    assert frame.telegram_bucket[j] == signals.telegram_bucket(plan[j].telegram_user_id)
    assert frame.network[j] == 0 and frame.telegram_bucket[i] == -1
    assert (np.diff(frame.sequence) == 1).all() and (np.diff(frame.cast_at) >= 0).all()
    assert len(np.unique(frame.voter)) == len({v.phone for v in plan})
    assert (frame.identity_age >= 0).all() and (frame.code_to_verify > 0).all()
    assert not any(f.name in {"label", "scenario"} for f in fields(frame))
    assert len(memory.labels) == len(frame)


def test_season_with_every_attack_is_deterministic_and_labels_each_attack():
    first = sc.season_columns(CITIES, seed=5, start=START, end=END, scale=0.5)
    again = sc.season_columns(CITIES, seed=5, start=START, end=END, scale=0.5)
    assert np.array_equal(first.at, again.at) and np.array_equal(first.phone, again.phone)
    attacked = {sc.SCENARIO_NAMES[i] for i in np.unique(first.scenario[first.label == sc.ATTACK])}
    assert attacked == set(sc.ATTACKS)
    assert len(sc.season_columns(CITIES, seed=5, start=START, end=END, scale=0.5, attacks=())) < len(first)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="unknown scenario"):
        sc.scenario_columns("ddos", CITIES, seed=1, start=START, end=END)
    with pytest.raises(ValueError, match="at least one city"):
        sc.scenario_columns("organic", [], seed=1, start=START, end=END)
    with pytest.raises(ValueError, match="end after"):
        sc.scenario_columns("organic", CITIES, seed=1, start=END, end=START)
    with pytest.raises(ValueError, match="unknown attacks"):
        sc.season_columns(CITIES, seed=1, start=START, end=END, attacks=("ddos",))


def test_scaled_cities_share_the_voters():
    cities = sc.scaled_cities(100_000)
    assert len(cities) == 20 and cities[0].candidates == 68
    assert 95_000 <= sum(c.voters for c in cities) <= 105_000

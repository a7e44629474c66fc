"""The evaluation's arithmetic on a hand-made example, and a smoke run of every scenario at a tiny size."""

from __future__ import annotations

import json

import numpy as np

from atomgrad.integrity import evaluation
from atomgrad.integrity.simulator.plan import CityShape
from atomgrad.integrity.simulator.scenarios import ATTACK, HARD_NEGATIVE, ORGANIC


def test_counts_and_rates_by_hand():
    labels = np.array([ATTACK] * 10 + [ORGANIC] * 1000 + [HARD_NEGATIVE] * 50, dtype=np.int8)
    flagged = np.zeros(len(labels), dtype=bool)
    flagged[:9] = True  # 9 of 10 attack votes
    flagged[10:12] = True  # 2 organic votes
    flagged[1010] = True  # 1 hard negative
    c = evaluation.counts(flagged, labels)
    assert c == {"votes": 1060, "flagged": 12, "attack": 10, "attack_flagged": 9, "organic": 1000,
                 "organic_flagged": 2, "hard_negative": 50, "hard_negative_flagged": 1}
    r = evaluation.rates(c)
    assert r == {"precision": 0.75, "recall": 0.9, "fp_rate_organic": 0.002, "fp_rate_hard_negative": 0.02}
    assert evaluation.meets_targets("adaptive", r)  # no attack target; false positives just within bounds
    assert not evaluation.meets_targets("sim_farm", r)  # recall 0.9 < 0.95


def test_rates_without_attack_or_flags():
    labels = np.array([ORGANIC] * 5, dtype=np.int8)
    r = evaluation.rates(evaluation.counts(np.zeros(5, dtype=bool), labels))
    assert r["precision"] is None and r["recall"] is None and r["fp_rate_organic"] == 0.0
    assert r["fp_rate_hard_negative"] is None


def test_evaluation_smoke_at_a_tiny_size():
    cities = [CityShape("novouralsk", 68, 2500), CityShape("sarov", 25, 2000), CityShape("seversk", 30, 3000)]
    result = evaluation.evaluate(seeds=[1], cities=cities)
    json.dumps(result)
    scenarios = result["scenarios"]
    assert set(scenarios) == set(evaluation.TARGETS)
    for name, s in scenarios.items():
        assert s["fp_rate_organic"] <= 0.002 and s["fp_rate_hard_negative"] <= 0.03, name
        assert s["votes"] == sum(run["votes"] for run in s["per_seed"])
        if name == "organic":
            assert s["attack"] == 0 and s["recall"] is None
            continue
        assert s["attack"] > 0
    # What this size reaches (3 cities of 2,000–3,000 voters, seed 1); the default size is in docs/integrity.md.
    for name in ("sim_farm", "fresh_telegram", "novouralsk"):
        assert scenarios[name]["recall"] >= 0.95 and scenarios[name]["precision"] >= 0.9, name
    assert scenarios["click_farm"]["recall"] >= 0.8 and scenarios["click_farm"]["precision"] >= 0.9
    assert 0.2 <= scenarios["adaptive"]["recall"] <= 1.0
    assert "|" in evaluation.table(result)

"""How well the detectors do: every scenario over several seeds, in memory (scenario → VoteFrame → detect).

A vote is flagged when any finding covers it. Per scenario, summed over the seeds: precision and recall of the
flagged votes against the attack's votes, and the false-positive rates on organic votes and on the hard
negatives (workplaces, families). `tradeoff` gives the same at minimum finding scores, for the committee's
choice of where to start reading. `integrity_eval --json` prints `evaluate()`; docs/integrity.md ("Results")
holds a run of it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np

from atomgrad.integrity.detectors import DetectedFinding, detect, flagged_rows
from atomgrad.integrity.simulator import scenarios as sc
from atomgrad.integrity.simulator.memory import frame_from_columns
from atomgrad.integrity.simulator.plan import CityShape

DEFAULT_SEEDS = (1, 2, 3)
SCORE_THRESHOLDS = (0.0, 0.5, 0.7, 0.9)
# The issue's targets: (minimum recall, minimum precision) per attack; None = reported, no target.
TARGETS: dict[str, tuple[float, float] | None] = {
    "sim_farm": (0.95, 0.95), "click_farm": (0.85, 0.9), "fresh_telegram": (0.95, 0.95),
    "novouralsk": (0.95, 0.95), "adaptive": None, "organic": None,
}
MAX_FP_ORGANIC = 0.002
MAX_FP_HARD_NEGATIVE = 0.03


def counts(flagged: np.ndarray, labels: np.ndarray) -> dict[str, int]:
    """The confusion counts of one run: flagged and total votes per label."""
    attack, organic, hard = labels == sc.ATTACK, labels == sc.ORGANIC, labels == sc.HARD_NEGATIVE
    return {
        "votes": int(len(labels)), "flagged": int(flagged.sum()),
        "attack": int(attack.sum()), "attack_flagged": int((flagged & attack).sum()),
        "organic": int(organic.sum()), "organic_flagged": int((flagged & organic).sum()),
        "hard_negative": int(hard.sum()), "hard_negative_flagged": int((flagged & hard).sum()),
    }


def rates(c: dict[str, int]) -> dict[str, float | None]:
    """Precision, recall and false-positive rates from counts (None where the denominator is zero)."""
    def ratio(a: int, b: int) -> float | None:
        return round(a / b, 5) if b else None

    return {
        "precision": ratio(c["attack_flagged"], c["flagged"]) if c["attack"] else None,
        "recall": ratio(c["attack_flagged"], c["attack"]),
        "fp_rate_organic": ratio(c["organic_flagged"], c["organic"]),
        "fp_rate_hard_negative": ratio(c["hard_negative_flagged"], c["hard_negative"]),
    }


def _add(total: dict[str, int], more: dict[str, int]) -> None:
    for key, value in more.items():
        total[key] = total.get(key, 0) + value


def meets_targets(name: str, r: dict[str, float | None]) -> bool:
    """Whether a scenario's rates meet the issue's targets (false positives always; attack rates where set)."""
    ok = (r["fp_rate_organic"] or 0.0) <= MAX_FP_ORGANIC and (r["fp_rate_hard_negative"] or 0.0) <= MAX_FP_HARD_NEGATIVE
    target = TARGETS.get(name)
    if target is not None:
        ok = ok and (r["recall"] or 0.0) >= target[0] and (r["precision"] or 0.0) >= target[1]
    return ok


def evaluate(*, scenarios: Iterable[str] = sc.SCENARIO_REGISTRY, seeds: Iterable[int] = DEFAULT_SEEDS,
             cities: list[CityShape] | None = None, start: dt.datetime = sc.DEFAULT_START,
             end: dt.datetime = sc.DEFAULT_END, scale: float = 1.0) -> dict[str, Any]:
    """Run every scenario for every seed and return the metrics as a JSON-ready dict."""
    cities = cities or sc.DEFAULT_CITIES
    seeds = list(seeds)
    out: dict[str, Any] = {
        "cities": [{"slug": c.slug, "candidates": c.candidates, "voters": c.voters} for c in cities],
        "seeds": seeds, "scale": scale, "start": start.isoformat(), "end": end.isoformat(),
        "targets": {"attacks": {k: ({"recall": v[0], "precision": v[1]} if v else None) for k, v in TARGETS.items()},
                    "max_fp_rate_organic": MAX_FP_ORGANIC, "max_fp_rate_hard_negative": MAX_FP_HARD_NEGATIVE},
        "scenarios": {},
    }
    for name in scenarios:
        total: dict[str, int] = {}
        by_threshold: dict[float, dict[str, int]] = {t: {} for t in SCORE_THRESHOLDS}
        kinds: Counter[str] = Counter()
        per_seed = []
        seconds = 0.0
        for seed in seeds:
            memory = frame_from_columns(sc.scenario_columns(name, cities, seed=seed, start=start, end=end,
                                                            scale=scale))
            started = time.perf_counter()
            findings = detect(memory.frame)
            seconds += time.perf_counter() - started
            run = counts(flagged_rows(findings, len(memory.frame)), memory.labels)
            _add(total, run)
            per_seed.append({"seed": seed, **run, **rates(run), "findings": len(findings)})
            kinds.update(f.kind for f in findings)
            for threshold in SCORE_THRESHOLDS:
                kept: list[DetectedFinding] = [f for f in findings if f.score >= threshold]
                _add(by_threshold[threshold], counts(flagged_rows(kept, len(memory.frame)), memory.labels))
        r = rates(total)
        out["scenarios"][name] = {
            **total, **r, "meets_targets": meets_targets(name, r), "findings_by_kind": dict(sorted(kinds.items())),
            "detect_seconds": round(seconds, 2), "per_seed": per_seed,
            "tradeoff": [{"min_score": t, **rates(by_threshold[t])} for t in SCORE_THRESHOLDS],
        }
    out["all_targets_met"] = all(s["meets_targets"] for s in out["scenarios"].values())
    return out


def table(result: dict[str, Any]) -> str:
    """The result as a Markdown table (docs/integrity.md, "Results")."""
    def pct(value: float | None, digits: int = 3) -> str:
        return "—" if value is None else f"{value:.{digits}f}"

    lines = ["| scenario | votes | attack votes | precision | recall | FP organic | FP hard negatives | target met |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for name, s in result["scenarios"].items():
        lines.append(f"| {name} | {s['votes']:,} | {s['attack']:,} | {pct(s['precision'])} | {pct(s['recall'])} | "
                     f"{pct(s['fp_rate_organic'] and s['fp_rate_organic'] * 100, 3)}% | "
                     f"{pct(s['fp_rate_hard_negative'] and s['fp_rate_hard_negative'] * 100, 2)}% | "
                     f"{'yes' if s['meets_targets'] else 'no'} |")
    return "\n".join(lines)

"""The scenarios through the database: plan → the runner (the real vote path) → `vote_frame` → the detectors,
beside the same plan in memory (`simulator.memory` → the detectors), to show that both paths see the same votes
and flag the same ones. Runs in a transaction that is rolled back: the database is left as it was.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from django.db import transaction

from atomgrad.integrity.selectors import vote_frame
from atomgrad.integrity.simulator.plan import CityShape
from atomgrad.integrity.simulator.runner import labels_read_full, run_plan
from atomgrad.integrity.simulator.sandbox import sandbox_season


class _RolledBack(Exception):
    pass


def compare_scenario(name: str, *, cities: list[CityShape], seed: int, start: dt.datetime, end: dt.datetime,
                     scale: float) -> dict[str, Any]:
    """One scenario through both paths: the database path's precision and recall, the in-memory path's, and
    whether they flag the same planned votes."""
    from atomgrad.integrity import evaluation
    from atomgrad.integrity.detectors import detect, flagged_rows
    from atomgrad.integrity.simulator import scenarios
    from atomgrad.integrity.simulator.memory import frame_from_plan

    plan = sorted(scenarios.SCENARIOS[name](cities, seed=seed, start=start, end=end, scale=scale),
                  key=lambda vote: vote.at)
    memory = frame_from_plan(plan)  # rows in the plan's (time) order
    memory_flagged = flagged_rows(detect(memory.frame), len(memory.frame))
    out: dict[str, Any] = {"planned": len(plan), "memory": evaluation.rates(
        evaluation.counts(memory_flagged, memory.labels))}
    try:
        with transaction.atomic():
            season = sandbox_season(cities=cities, start=start, end=end + dt.timedelta(seconds=1))
            with tempfile.TemporaryDirectory() as folder:
                labels_path = Path(folder) / "labels.jsonl"
                started = time.perf_counter()
                result = run_plan(season=season, plan=plan, labels_out=labels_path)
                cast_seconds = time.perf_counter() - started
                labels = labels_read_full(labels_path)
            frame = vote_frame(season=season)
            started = time.perf_counter()
            db_flagged = flagged_rows(detect(frame), len(frame))
            detect_seconds = time.perf_counter() - started
            index = np.array([labels[int(sequence)][0] for sequence in frame.sequence], dtype=np.int64)
            db_labels = memory.labels[index]
            flagged_db = set(index[db_flagged].tolist())
            flagged_memory = set(np.flatnonzero(memory_flagged).tolist())
            out.update({
                "cast": result.cast, "refused": dict(result.refused),
                "votes_per_second": round(result.cast / cast_seconds, 1) if cast_seconds else None,
                "database": evaluation.rates(evaluation.counts(db_flagged, db_labels)),
                "detect_seconds": round(detect_seconds, 2),
                "flagged_database": len(flagged_db), "flagged_memory": len(flagged_memory),
                "flagged_only_database": len(flagged_db - flagged_memory),
                "flagged_only_memory": len(flagged_memory - flagged_db),
                "agree": flagged_db == flagged_memory and not result.refused,
            })
            raise _RolledBack
    except _RolledBack:
        pass
    return out


def compare_all(*, scenario_names: list[str], cities: list[CityShape], seed: int, start: dt.datetime,
                end: dt.datetime, scale: float) -> dict[str, Any]:
    results = {name: compare_scenario(name, cities=cities, seed=seed, start=start, end=end, scale=scale)
               for name in scenario_names}
    return {"seed": seed, "scale": scale, "scenarios": results,
            "all_agree": all(item["agree"] for item in results.values())}

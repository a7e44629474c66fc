"""The database path and the in-memory path see the same votes: a scenario's plan cast through the runner and
loaded with `vote_frame` equals (modulo ids) the frame `simulator.memory` builds from the same plan — so the
evaluation in memory measures what the detectors will see on the real data."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from atomgrad.integrity.detectors import detect, flagged_rows
from atomgrad.integrity.selectors import vote_frame
from atomgrad.integrity.simulator import scenarios
from atomgrad.integrity.simulator.memory import CANDIDATE_STRIDE, frame_from_plan
from atomgrad.integrity.simulator.plan import CityShape
from atomgrad.integrity.simulator.runner import labels_read_full, run_plan
from atomgrad.integrity.simulator.sandbox import sandbox_season

pytestmark = pytest.mark.django_db

CITIES = [CityShape("sarov", 6, 70), CityShape("ozersk", 5, 50)]
SAME = ("cast_at", "channel", "network", "user_agent", "phone_block", "code_to_verify", "verify_to_vote",
        "telegram_bucket", "identity_age")


@pytest.mark.parametrize("name", ["sim_farm", "fresh_telegram"])
def test_a_plan_through_the_database_gives_the_in_memory_frame(name, tmp_path):  # type: ignore[no-untyped-def]
    start, end = scenarios.DEFAULT_START, scenarios.DEFAULT_START + dt.timedelta(days=5)
    plan = sorted(scenarios.SCENARIOS[name](CITIES, seed=3, start=start, end=end, scale=0.5), key=lambda v: v.at)
    season = sandbox_season(cities=CITIES, start=start, end=end + dt.timedelta(seconds=1))
    out = tmp_path / "labels.jsonl"
    result = run_plan(season=season, plan=plan, labels_out=out)
    assert result.cast == len(plan) and not result.refused

    database = vote_frame(season=season)
    memory = frame_from_plan(plan)
    assert len(database) == len(memory.frame) == len(plan)
    index = np.array([labels_read_full(out)[int(s)][0] for s in database.sequence])
    assert index.tolist() == list(range(len(plan)))  # ledger order is the plan's time order
    assert database.sequence.tolist() == memory.frame.sequence.tolist()
    for column in SAME:
        ours, theirs = getattr(database, column), getattr(memory.frame, column)
        if ours.dtype.kind == "f":
            assert np.allclose(ours, theirs, rtol=0, atol=1e-5, equal_nan=True), column
        else:
            assert ours.tolist() == theirs.tolist(), column
    # ids differ; what they group must not
    for column in ("voter", "city"):
        _, ours = np.unique(getattr(database, column), return_inverse=True)
        _, theirs = np.unique(getattr(memory.frame, column), return_inverse=True)
        assert np.array_equal(np.unique(np.stack([ours.ravel(), theirs.ravel()]), axis=1).shape[1:],
                              (len(np.unique(ours)),)), column
    slug_of = {pk: slug for slug, pk in memory.city_ids.items()}
    by_id = {candidate.pk: candidate for candidate in season.applications.select_related("city")}
    ranked = {slug: sorted((c for c in by_id.values() if c.city.slug == slug), key=lambda c: (c.full_name, c.pk))
              for slug in memory.city_ids}
    assert [(by_id[pk].city.slug, ranked[by_id[pk].city.slug].index(by_id[pk])) for pk in database.candidate] == \
        [(slug_of[int(c) // CANDIDATE_STRIDE], int(c) % CANDIDATE_STRIDE - 1) for c in memory.frame.candidate]

    # and so the detectors flag the same votes on both
    assert flagged_rows(detect(database), len(database)).tolist() == \
        flagged_rows(detect(memory.frame), len(memory.frame)).tolist()

"""Near-regular inter-arrival times: a candidate's votes arriving like a metronome.

People arrive at random (a Poisson stream: the gaps between votes have a coefficient of variation near 1, even
when the rate changes slowly); a script paced by a timer keeps its gaps nearly equal. For each candidate, its
votes in time order are scanned with a window of 24 successive gaps; a window whose gaps have a coefficient of
variation at most 0.3 and a mean under 10 minutes is regular (for Poisson gaps that happens with a probability
far below one in a million per window). The finding covers every vote of the voters in the regular windows.
Workplaces and families are crowds of people, not timers.
"""

from __future__ import annotations

import numpy as np

from atomgrad.integrity.detectors import DetectedFinding
from atomgrad.integrity.detectors import _common as c
from atomgrad.integrity.frame import VoteFrame
from atomgrad.integrity.models import FindingKind

WINDOW_GAPS = 24
MAX_CV = 0.3
MAX_MEAN_GAP = 600.0


def find(frame: VoteFrame, ctx: c.Context | None = None) -> list[DetectedFinding]:
    ctx = ctx or c.context(frame)
    n = len(frame)
    if n <= WINDOW_GAPS:
        return []
    order = np.lexsort((frame.cast_at, frame.candidate))
    cand, t = frame.candidate[order], frame.cast_at[order]
    gaps = np.diff(t)
    same = cand[1:] == cand[:-1]
    gaps = np.where(same, gaps, 0.0)
    m = WINDOW_GAPS
    csum = np.r_[0.0, np.cumsum(gaps)]
    csq = np.r_[0.0, np.cumsum(gaps**2)]
    cbad = np.r_[0, np.cumsum(~same)]
    # Window j covers gaps j .. j+m-1, i.e. votes j .. j+m.
    starts = np.arange(len(gaps) - m + 1)
    valid = (cbad[starts + m] - cbad[starts]) == 0
    mean = (csum[starts + m] - csum[starts]) / m
    var = np.maximum((csq[starts + m] - csq[starts]) / m - mean**2, 0.0)
    cv = np.sqrt(var) / np.maximum(mean, 1e-9)
    hit = valid & (cv <= MAX_CV) & (mean <= MAX_MEAN_GAP) & (mean > 0)
    if not hit.any():
        return []
    marks = np.zeros(n + 1, dtype=np.int64)
    np.add.at(marks, starts[hit], 1)
    np.add.at(marks, starts[hit] + m + 1, -1)
    member = np.cumsum(marks[:-1]) > 0
    findings = []
    for candidate in np.unique(cand[member]):
        sel = member & (cand == candidate)
        pos = np.flatnonzero(sel)
        for run in np.split(pos, np.flatnonzero(np.diff(pos) > 1) + 1):
            seed_rows = order[run]
            rows = ctx.voter_rows(seed_rows)
            city_id = int(frame.city[seed_rows[0]])
            times = np.sort(frame.cast_at[seed_rows])
            run_gaps = np.diff(times)
            run_cv = float(run_gaps.std() / run_gaps.mean()) if run_gaps.mean() > 0 else 0.0
            tr = c.traits(ctx, rows)
            evidence = c.common_evidence(ctx, rows, tr)
            evidence.update({"series": c.candidate_series(ctx, [int(candidate)], city_id),
                             "regular_votes": int(len(run)), "mean_gap_seconds": round(float(run_gaps.mean()), 1),
                             "gap_cv": round(run_cv, 3),
                             "gaps_seconds": np.round(run_gaps[:500], 1).tolist()})
            ru = (f"За соискателя подряд подано {c.votes_ru(len(run))} почти через равные промежутки: в среднем "
                  f"раз в {run_gaps.mean():.0f} с, разброс {c.percent_ru(run_cv, 0)} от среднего (у живых людей "
                  f"промежутки случайны, разброс около 100\u00a0%). Голоса поданы {c.span_ru(times)}.")
            en = (f"{len(run)} successive votes for the candidate came at almost equal intervals: every "
                  f"{run_gaps.mean():.0f} s on average, varying by {run_cv:.0%} of the mean (people arrive at "
                  f"random, about 100%). Votes cast {c.span_en(times)}.")
            findings.append(DetectedFinding(
                kind=FindingKind.REGULAR_TIMING.value, city=city_id, rows=rows,
                score=c.score_from(40.0 * (1 - run_cv / MAX_CV) + 10, strength=min(1.0, 0.6 + len(run) / 200)),
                explanation_ru=ru, explanation_en=en, candidates=[int(candidate)], evidence=evidence))
    return findings

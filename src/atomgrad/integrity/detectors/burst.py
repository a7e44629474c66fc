"""Per-candidate bursts against the city's own baseline.

For each candidate and hour, the expected votes are the candidate's share of the city's votes times the city's
votes in that hour from everyone else — so the city's rhythm (quiet nights, busy evenings) and its news posts
(which lift every candidate alike) are the baseline, not a flat rate. An hour is a burst when the Poisson tail
of its count is below 10^-9 and it holds at least 12 votes. Bursts of people are normal — a workplace backing a
colleague, a candidate sharing a link with friends — so a burst is reported only when its votes also look
automated (codes typed in seconds, metronome-even arrivals, the night, new Telegram accounts); see
`_common.automated`. The finding covers the candidate's votes in the burst hours and carries the hourly chart.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from atomgrad.integrity.detectors import DetectedFinding
from atomgrad.integrity.detectors import _common as c
from atomgrad.integrity.frame import VoteFrame
from atomgrad.integrity.models import FindingKind

MIN_VOTES_IN_HOUR = 12
NEG_LOG10_P = 9.0


def find(frame: VoteFrame, ctx: c.Context | None = None) -> list[DetectedFinding]:
    ctx = ctx or c.context(frame)
    if not len(frame):
        return []
    cand_ids, cand_index = np.unique(frame.candidate, return_inverse=True)
    cand_index = cand_index.reshape(-1)
    key = cand_index * ctx.n_hours + ctx.hour
    keys, key_votes = np.unique(key, return_counts=True)
    kc, kh = keys // ctx.n_hours, keys % ctx.n_hours
    busy = key_votes >= MIN_VOTES_IN_HOUR
    if not busy.any():
        return []
    cand_city_pos = np.zeros(len(cand_ids), dtype=np.int64)
    cand_city_pos[cand_index] = ctx.city_index
    cand_total = np.bincount(cand_index, minlength=len(cand_ids)).astype(float)
    city_total = ctx.city_hourly.sum(axis=1).astype(float)
    share = cand_total / city_total[cand_city_pos]
    kc, kh, kv = kc[busy], kh[busy], key_votes[busy]
    pos = cand_city_pos[kc]
    others = ctx.city_hourly[pos, kh] - kv
    s = np.minimum(share[kc], 0.95)
    lam = np.maximum(s * others / (1 - s), 0.05)
    surprise = c.neg_log10(stats.poisson.sf(kv - 1, lam))
    hot = surprise >= NEG_LOG10_P
    findings = []
    for cand in np.unique(kc[hot]):
        hours = np.sort(kh[hot & (kc == cand)])
        for run in np.split(hours, np.flatnonzero(np.diff(hours) > 2) + 1):
            rows = np.flatnonzero((cand_index == cand) & (ctx.hour >= run[0]) & (ctx.hour <= run[-1]))
            tr = c.traits(ctx, rows)
            reasons = c.automated(tr)
            if not reasons:
                continue  # a crowd of people: a campaign is allowed
            city_id = int(frame.city[rows[0]])
            best = float(surprise[hot & (kc == cand) & np.isin(kh, run)].max())
            expected = float(lam[hot & (kc == cand) & np.isin(kh, run)].sum())
            evidence = c.common_evidence(ctx, rows, tr)
            evidence.update({"series": c.candidate_series(ctx, [int(cand_ids[cand])], city_id),
                             "burst_hours": [c.iso(ctx.t0 + h * c.HOUR) for h in run.tolist()],
                             "expected_in_burst": round(expected, 1), "reasons": reasons})
            times = frame.cast_at[rows]
            ru = (f"За {len(run)} ч ({c.span_ru(times)}) за соискателя подано {c.votes_ru(len(rows))}, "
                  f"а по обычному для города ходу голосования ожидалось около {expected:.0f}. "
                  f"При этом {'; '.join(c.REASONS_RU[r] for r in reasons)}.")
            en = (f"In {len(run)} h ({c.span_en(times)}) the candidate received {len(rows)} votes where the "
                  f"city's own pace predicts about {expected:.0f}. "
                  f"Also: {'; '.join(c.REASONS_EN[r] for r in reasons)}.")
            findings.append(DetectedFinding(
                kind=FindingKind.BURST.value, city=city_id, rows=rows,
                score=c.score_from(best, strength=0.8 + 0.1 * len(reasons)),
                explanation_ru=ru, explanation_en=en, candidates=[int(cand_ids[cand])], evidence=evidence))
    return findings

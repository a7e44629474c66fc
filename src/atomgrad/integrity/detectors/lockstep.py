"""Lockstep cohorts: many voters choosing the same pair of candidates, far beyond what the pair's popularity
explains — over the whole vote, or within minutes.

CopyCatch (WWW 2013) looks for users who act on the same pages within the same time windows; SynchroTrap
(CCS 2014) clusters users by the similarity of their timed actions; FRAUDAR (KDD 2016) finds dense blocks in the
user × object graph and resists camouflage by down-weighting popular objects. A voter here has at most K
candidates, so every voter has at most K(K−1)/2 candidate pairs: the whole voter × candidate-set × time
structure is a list of (pair, time) instances no longer than 3 × the voters, and two tests over it replace
graph search:

- whole vote: a pair's co-votes against the count expected if people chose their candidates independently by
  popularity, with each candidate's popularity taken from the voters who did *not* vote the pair (so the attack
  does not inflate its own baseline); reported only if chance explains under a twentieth of the co-votes;
- within minutes: for each instance, the co-votes of the same pair in a window of ±10 minutes against the
  pair's rate scaled by the city's own pair rate at that moment (news posts lift all pairs alike).
Camouflage — the attacker adding popular real candidates — adds pairs with popular candidates, whose
popularity-explained counts are high, but it cannot hide the core pair, which every fake voter carries.
Families (2–5 people voting alike) stay below the cohort size; colleagues backing one of their own share one
candidate, not a pair. The finding covers every vote of the cohort's voters in that city.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from atomgrad.integrity.detectors import DetectedFinding
from atomgrad.integrity.detectors import _common as c
from atomgrad.integrity.frame import VoteFrame
from atomgrad.integrity.models import FindingKind

WINDOW = 20 * 60.0  # seconds: a task handed to paid voters is picked up within minutes
MIN_COHORT = 10  # voters in a window (families are 2–5)
MIN_WHOLE = 15  # co-votes over the whole vote
WINDOW_NEG_LOG10_P = 10.0
WHOLE_NEG_LOG10_P = 8.0
WHOLE_MAX_CHANCE_SHARE = 0.05  # chance may explain at most this share of a pair's co-votes


def _pairs(frame: VoteFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every (voter, candidate a < candidate b) instance: its candidates, voter, city and time."""
    order = np.lexsort((frame.candidate, frame.voter))
    voter, cand, at, city = frame.voter[order], frame.candidate[order], frame.cast_at[order], frame.city[order]
    a_parts, b_parts, v_parts, t_parts, c_parts = [], [], [], [], []
    for d in range(1, 6):
        if d >= len(voter):
            break
        same = voter[:-d] == voter[d:]
        if not same.any():
            break
        a_parts.append(cand[:-d][same])
        b_parts.append(cand[d:][same])
        v_parts.append(voter[:-d][same])
        t_parts.append(np.minimum(at[:-d][same], at[d:][same]))
        c_parts.append(city[:-d][same])
    if not a_parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros(0), empty
    return (np.concatenate(a_parts), np.concatenate(b_parts), np.concatenate(v_parts), np.concatenate(t_parts),
            np.concatenate(c_parts))


def find(frame: VoteFrame, ctx: c.Context | None = None) -> list[DetectedFinding]:
    ctx = ctx or c.context(frame)
    a, b, voter, t, city = _pairs(frame)
    if len(a) < MIN_COHORT:
        return []
    cand_ids, cand_index = np.unique(frame.candidate, return_inverse=True)
    ia, ib = np.searchsorted(cand_ids, a), np.searchsorted(cand_ids, b)
    key = ia * len(cand_ids) + ib
    keys, key_index, key_count = np.unique(key, return_inverse=True, return_counts=True)
    key_index = key_index.reshape(-1)
    flagged = np.zeros(len(a), dtype=bool)
    how = np.zeros(len(a), dtype=np.int8)  # 1: whole vote, 2: within minutes

    # Whole vote: co-votes against independent choice by popularity (leave-the-pair-out).
    votes_per_candidate = np.bincount(cand_index.reshape(-1), minlength=len(cand_ids)).astype(float)
    city_of_candidate = np.zeros(len(cand_ids), dtype=np.int64)
    city_of_candidate[cand_index] = frame.city
    city_pos = np.searchsorted(ctx.cities, city_of_candidate)
    city_votes = np.bincount(city_pos, weights=votes_per_candidate, minlength=len(ctx.cities))
    share = votes_per_candidate / city_votes[city_pos]
    concentration = np.bincount(city_pos, weights=share**2, minlength=len(ctx.cities))
    pairs_per_city = np.bincount(np.searchsorted(ctx.cities, city), minlength=len(ctx.cities)).astype(float)
    ka, kb = keys // len(cand_ids), keys % len(cand_ids)
    kcity = city_pos[ka]
    qa = np.maximum(votes_per_candidate[ka] - key_count, 1.0) / city_votes[kcity]
    qb = np.maximum(votes_per_candidate[kb] - key_count, 1.0) / city_votes[kcity]
    expected = pairs_per_city[kcity] * 2 * qa * qb / np.maximum(1 - concentration[kcity], 1e-6)
    whole_p = c.neg_log10(stats.poisson.sf(key_count - 1, expected))
    whole = (key_count >= MIN_WHOLE) & (whole_p >= WHOLE_NEG_LOG10_P) & (
        expected <= WHOLE_MAX_CHANCE_SHARE * key_count)
    in_whole = whole[key_index]
    flagged |= in_whole
    how[in_whole] = 1

    # Within minutes: each instance's co-votes in ±WINDOW/2 against the pair's rate at the city's pace then.
    order = np.lexsort((t, key_index))
    ts, ks = t[order], key_index[order]
    # Every line below puts one group after another on one axis: offsets from the season's first vote, groups
    # `span` apart (longer than the season plus a window), so a window never reaches into the next group.
    origin = float(frame.cast_at.min())
    span = float(frame.cast_at.max() - origin) + 10 * WINDOW
    line = ks * span + (ts - origin)
    lo = np.searchsorted(line, line - WINDOW / 2, side="left")
    hi = np.searchsorted(line, line + WINDOW / 2, side="right")
    n_window = hi - lo
    cpos = np.searchsorted(ctx.cities, city[order])
    corder = np.lexsort((ts, cpos))
    cline = cpos[corder] * span + (ts[corder] - origin)
    city_window = np.empty(len(ts))
    city_window[corder] = (np.searchsorted(cline, cline + WINDOW / 2, side="right")
                           - np.searchsorted(cline, cline - WINDOW / 2, side="left"))
    rate = key_count[ks] / np.maximum(pairs_per_city[cpos], 1.0)
    # A crowd backing one candidate (colleagues, a candidate's friends) brings that candidate's popular partners
    # with it: given the votes for a in the window, b is expected at its own popularity (twice, to be safe).
    voters_in_city = np.maximum(_voters_per_city(frame, ctx), 1.0)
    pa = np.maximum(votes_per_candidate[ka] - key_count, 0.0) / voters_in_city[kcity]
    pb = np.maximum(votes_per_candidate[kb] - key_count, 0.0) / voters_in_city[kcity]
    cline_c, _ = _candidate_line(frame, cand_index.reshape(-1), span, origin)
    a_window = _count_near(cline_c, ka[ks], ts - origin, span)
    b_window = _count_near(cline_c, kb[ks], ts - origin, span)
    lam = np.maximum.reduce([rate * city_window, a_window * np.minimum(1.0, 2 * pb[ks]),
                             b_window * np.minimum(1.0, 2 * pa[ks]), np.full(len(ts), 1e-3)])
    candidates_mask = n_window >= MIN_COHORT
    window_p = np.zeros(len(ts))
    window_p[candidates_mask] = c.neg_log10(stats.poisson.sf(n_window[candidates_mask] - 1, lam[candidates_mask]))
    hit = candidates_mask & (window_p >= WINDOW_NEG_LOG10_P)
    marks = np.zeros(len(ts) + 1, dtype=np.int64)
    np.add.at(marks, lo[hit], 1)
    np.add.at(marks, hi[hit], -1)
    members = np.cumsum(marks[:-1]) > 0
    in_window = np.zeros(len(a), dtype=bool)
    in_window[order[members]] = True
    how[in_window & ~flagged] = 2
    flagged |= in_window

    findings = []
    best_window = np.zeros(len(keys))
    np.maximum.at(best_window, ks[hit], window_p[hit])
    for k in np.unique(key_index[flagged]):
        inst = np.flatnonzero(flagged & (key_index == k))
        city_id = int(city[inst[0]])
        rows = ctx.voter_rows(np.flatnonzero(np.isin(frame.voter, voter[inst]) & (frame.city == city_id)))
        pair = [int(cand_ids[ka[k]]), int(cand_ids[kb[k]])]
        surprise = float(max(whole_p[k] if whole[k] else 0.0, best_window[k]))
        t_inst = t[inst]
        windows = _waves(t_inst)
        is_whole = bool(whole[k])
        tr = c.traits(ctx, rows)
        evidence = c.common_evidence(ctx, rows, tr)
        evidence.update({
            "shared_candidates": pair,
            "cohort_voters": int(len(np.unique(voter[inst]))),
            "pair_votes_total": int(key_count[k]),
            "expected_by_popularity": round(float(expected[k]), 2),
            "waves": windows,
            "series": c.candidate_series(ctx, pair, city_id),
        })
        n_voters = evidence["cohort_voters"]
        if is_whole:
            ru = (f"{c.voters_ru(n_voters)} выбрали одну и ту же пару соискателей, а по популярности каждого из "
                  f"них такое совпадение ожидалось бы примерно у {c.number_ru(float(expected[k]))}. Голоса поданы "
                  f"{c.span_ru(t_inst)}.")
            en = (f"{n_voters} voters chose the same pair of candidates, where their popularity would explain "
                  f"about {expected[k]:.1f}. Votes cast {c.span_en(t_inst)}.")
        else:
            biggest = max(windows, key=lambda w: w["voters"])
            ru = (f"{c.voters_ru(n_voters)} выбрали одну и ту же пару соискателей волнами по несколько минут "
                  f"({len(windows)} {c.plural_ru(len(windows), 'волна', 'волны', 'волн')}; самая большая — "
                  f"{biggest['voters']} человек за {biggest['minutes']} мин, начиная с "
                  f"{c.moscow_ru(biggest['start_ts'])} МСК), хотя в обычное время эту пару выбирают редко.")
            en = (f"{n_voters} voters chose the same pair of candidates in waves of a few minutes "
                  f"({len(windows)} waves; the largest {biggest['voters']} people in {biggest['minutes']} min from "
                  f"{c.moscow_en(biggest['start_ts'])}), while the pair is rarely chosen otherwise.")
        for w in windows:
            w.pop("start_ts")
        findings.append(DetectedFinding(
            kind=FindingKind.LOCKSTEP.value, city=city_id, rows=rows,
            score=c.score_from(surprise, strength=min(1.0, 0.6 + n_voters / 100)),
            explanation_ru=ru, explanation_en=en, candidates=pair, evidence=evidence))
    return findings


def _voters_per_city(frame: VoteFrame, ctx: c.Context) -> np.ndarray:
    stride = int(frame.voter.max()) + 1
    city_voter = np.unique(ctx.city_index.astype(np.int64) * stride + frame.voter)
    return np.bincount(city_voter // stride, minlength=len(ctx.cities)).astype(float)


def _candidate_line(frame: VoteFrame, cand_index: np.ndarray, span: float,
                    t_min: float) -> tuple[np.ndarray, np.ndarray]:
    """Every vote on one sorted line: candidate by candidate, in time order (for window counts by searchsorted)."""
    line = cand_index * span + (frame.cast_at - t_min)
    order = np.argsort(line, kind="stable")
    return line[order], order


def _count_near(line: np.ndarray, cand: np.ndarray, t: np.ndarray, span: float) -> np.ndarray:
    """Votes for `cand` within ±WINDOW/2 of `t` (t relative to the same origin as the line)."""
    centre = cand * span + t
    return (np.searchsorted(line, centre + WINDOW / 2, side="right")
            - np.searchsorted(line, centre - WINDOW / 2, side="left")).astype(float)


def _waves(times: np.ndarray, gap: float = WINDOW) -> list[dict[str, object]]:
    """The cohort's times grouped into waves (a new wave after a quiet gap), for the committee's table."""
    times = np.sort(times)
    breaks = np.flatnonzero(np.diff(times) > gap) + 1
    out = []
    for part in np.split(times, breaks):
        out.append({"start": c.iso(float(part[0])), "start_ts": float(part[0]), "voters": int(len(part)),
                    "minutes": max(1, int(round((part[-1] - part[0]) / 60)))})
    return out[:200]

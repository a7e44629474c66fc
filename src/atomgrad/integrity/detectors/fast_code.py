"""Code-to-vote speed: a candidate whose votes come with the code entered and the vote cast within seconds.

People need 20 s – 3 min to read an SMS and type its code (SMS autofill on a phone takes 6–15 s) and then some
seconds to choose a candidate; software that reads the SMS does both in a few seconds. A vote is "fast" when the
code's verification and the vote together took under 12 s. For each candidate, the fast votes are tested against
the city's share of fast votes (binomial tail below 10^-8, at least 10 fast votes and three times the city's
share). The finding covers every vote of the fast voters of that candidate (a script's voter is fake in all its
votes). Workplaces and families type their codes like everyone else.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from atomgrad.integrity.detectors import DetectedFinding
from atomgrad.integrity.detectors import _common as c
from atomgrad.integrity.frame import VoteFrame
from atomgrad.integrity.models import FindingKind

MIN_FAST = 10
NEG_LOG10_P = 8.0
MIN_LIFT = 3.0
BASE_FLOOR = 0.002


def find(frame: VoteFrame, ctx: c.Context | None = None) -> list[DetectedFinding]:
    ctx = ctx or c.context(frame)
    return by_candidate(ctx, ctx.fast, kind=FindingKind.FAST_CODE.value, min_count=MIN_FAST,
                        neg_log10_p=NEG_LOG10_P, min_lift=MIN_LIFT, base_floor=BASE_FLOOR, among=None,
                        explain=_explain)


def _explain(k: int, n: int, base: float, times: np.ndarray) -> tuple[str, str]:
    ru = (f"Из {c.votes_genitive_ru(n)} за соискателя у {k} код из SMS введён и голос отдан быстрее "
          f"{c.FAST_SECONDS:.0f} секунд (в городе так поданы {c.percent_ru(base)} голосов; человеку нужно от 20 секунд "
          f"до 3 минут). Голоса поданы {c.span_ru(times)}.")
    en = (f"{k} of the candidate's {n} votes had the SMS code entered and the vote cast in under "
          f"{c.FAST_SECONDS:.0f} s ({base:.1%} of the city's votes do; a person needs 20 s to 3 min). "
          f"Votes cast {c.span_en(times)}.")
    return ru, en


def by_candidate(ctx: c.Context, marked: np.ndarray, *, kind: str, min_count: int, neg_log10_p: float,
                 min_lift: float, base_floor: float, among: np.ndarray | None, explain) -> list[DetectedFinding]:  # type: ignore[no-untyped-def]
    """Candidates with far more `marked` votes (among the `among` votes) than their city's share of them."""
    frame = ctx.frame
    pool = np.ones(len(frame), dtype=bool) if among is None else among
    if not (marked & pool).any():
        return []
    cand_ids, cand_index = np.unique(frame.candidate, return_inverse=True)
    cand_index = cand_index.reshape(-1)
    n = np.bincount(cand_index[pool], minlength=len(cand_ids))
    k = np.bincount(cand_index[pool & marked], minlength=len(cand_ids))
    city_n = np.bincount(ctx.city_index[pool], minlength=len(ctx.cities))
    city_k = np.bincount(ctx.city_index[pool & marked], minlength=len(ctx.cities))
    cand_city = np.zeros(len(cand_ids), dtype=np.int64)
    cand_city[cand_index] = ctx.city_index
    # The city's share without the candidate itself, so that an attack does not raise its own baseline.
    base = np.maximum((city_k[cand_city] - k) / np.maximum(city_n[cand_city] - n, 1), base_floor)
    surprise = c.neg_log10(stats.binom.sf(k - 1, np.maximum(n, 1), base))
    hit = (k >= min_count) & (surprise >= neg_log10_p) & (k >= min_lift * base * n)
    findings = []
    for cand in np.flatnonzero(hit):
        marked_rows = _localise(ctx, np.flatnonzero((cand_index == cand) & pool), marked, float(base[cand]))
        if len(marked_rows) < min_count:
            continue
        rows = ctx.voter_rows(marked_rows)
        city_id = int(frame.city[marked_rows[0]])
        tr = c.traits(ctx, rows)
        evidence = c.common_evidence(ctx, rows, tr)
        evidence.update({"series": c.candidate_series(ctx, [int(cand_ids[cand])], city_id),
                         "marked_votes": int(len(marked_rows)), "candidate_votes": int(n[cand]),
                         "city_share": round(float(base[cand]), 5)})
        ru, en = explain(len(marked_rows), int(n[cand]), float(base[cand]), frame.cast_at[marked_rows])
        findings.append(DetectedFinding(
            kind=kind, city=city_id, rows=rows,
            score=c.score_from(float(surprise[cand]), strength=min(1.0, 0.5 + k[cand] / max(n[cand], 1))),
            explanation_ru=ru, explanation_en=en, candidates=[int(cand_ids[cand])], evidence=evidence))
    return findings


LOCAL_BIN = 6 * 3600.0
LOCAL_NEG_LOG10_P = 3.0


def _localise(ctx: c.Context, pool_rows: np.ndarray, marked: np.ndarray, base: float) -> np.ndarray:
    """The marked votes of a flagged candidate in the 6-hour bins where they stand out (an attack has a start
    and an end; the candidate's own residents with the same trait, spread over the vote, mostly stay out)."""
    bins = ((ctx.frame.cast_at[pool_rows] - ctx.t0) // LOCAL_BIN).astype(np.int64)
    is_marked = marked[pool_rows]
    n = np.bincount(bins)
    k = np.bincount(bins[is_marked], minlength=len(n))
    hot = c.neg_log10(stats.binom.sf(k - 1, np.maximum(n, 1), base)) >= LOCAL_NEG_LOG10_P
    return pool_rows[is_marked & hot[bins]]

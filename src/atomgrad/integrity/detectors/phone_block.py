"""Phone-block concentration: many voters of one city whose numbers differ only in the last two digits.

Residents' numbers are spread over the region's ranges, so a block of 100 numbers rarely holds more than one or
two voters of a city; the count per block is Poisson, its rate estimated from the city's occupied blocks (a
zero-truncated mean). A block is unusual with at least 5 voters and a tail below 10^-6 after a correction for
the number of blocks. Consecutive numbers also come from a plant's corporate SIM contract, so a full block is
reported only if its voters look automated (`_common.automated`) or, failing that, if they all back the same
candidate while being spread over networks and days (numbers rented from an SMS-activation service) — colleagues
vote together, from their workplace, within hours. Blocks backing the same candidate are one finding, covering
every vote of their voters.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats

from atomgrad.integrity.detectors import DetectedFinding
from atomgrad.integrity.detectors import _common as c
from atomgrad.integrity.frame import VoteFrame
from atomgrad.integrity.models import FindingKind

MIN_BLOCK_VOTERS = 5
NEG_LOG10_P = 6.0  # after the correction for the number of blocks
CONCENTRATION = 0.8  # share of the block's voters backing one candidate
COLOCATED_NETWORK_SHARE = 0.5
COLOCATED_HOURS = 12.0
COLOCATED_TIME_SHARE = 0.6


def _poisson_rate(mean_occupied: float) -> float:
    """λ whose zero-truncated Poisson mean is `mean_occupied` (voters per occupied block)."""
    if mean_occupied <= 1.0 + 1e-9:
        return 1e-6
    return float(optimize.brentq(lambda lam: lam / -math.expm1(-lam) - mean_occupied, 1e-9, 1e3))


def find(frame: VoteFrame, ctx: c.Context | None = None) -> list[DetectedFinding]:
    ctx = ctx or c.context(frame)
    known = np.flatnonzero(frame.phone_block != 0)
    if not len(known):
        return []
    # Votes sorted by (city, block, voter): groups of a city's block, and distinct voters inside them.
    order = known[np.lexsort((frame.voter[known], frame.phone_block[known], ctx.city_index[known]))]
    city, block, voter = ctx.city_index[order], frame.phone_block[order], frame.voter[order]
    group_start = np.flatnonzero(np.r_[True, (city[1:] != city[:-1]) | (block[1:] != block[:-1])])
    group_end = np.r_[group_start[1:], len(order)]
    new_voter = np.r_[True, (city[1:] != city[:-1]) | (block[1:] != block[:-1]) | (voter[1:] != voter[:-1])]
    block_voters = np.add.reduceat(new_voter.astype(np.int64), group_start)
    group_city = city[group_start]
    findings_parts: dict[tuple[int, int], list[tuple[np.ndarray, float, str]]] = {}
    for city_pos in np.unique(group_city):
        mine = np.flatnonzero(group_city == city_pos)
        counts = block_voters[mine]
        lam = _poisson_rate(float(counts.mean()))
        big = mine[counts >= MIN_BLOCK_VOTERS]
        if not len(big):
            continue
        surprise = c.neg_log10(stats.poisson.sf(block_voters[big] - 1, lam)) - math.log10(len(counts))
        for g, s in zip(big, surprise, strict=True):
            if s < NEG_LOG10_P:
                continue
            block_rows = np.sort(order[group_start[g]:group_end[g]])
            tr = c.traits(ctx, block_rows)
            voters = tr["voters"]
            top_cand, top_count = _top(frame.candidate[block_rows])
            reasons = c.automated(tr)
            if not reasons and top_count >= CONCENTRATION * voters and not _colocated(frame, block_rows):
                reasons = ["spread"]
            if reasons:
                findings_parts.setdefault((int(city_pos), top_cand), []).append((block_rows, float(s), reasons[0]))
    findings = []
    for (city_pos, cand), parts in findings_parts.items():
        cohort = np.concatenate([rows for rows, _, _ in parts])
        rows = ctx.voter_rows(cohort)
        city_id = int(ctx.cities[city_pos])
        tr = c.traits(ctx, rows)
        reasons = sorted({r for _, _, r in parts})
        evidence = c.common_evidence(ctx, rows, tr)
        evidence.update({"series": c.candidate_series(ctx, [cand], city_id), "reasons": reasons,
                         "blocks_involved": [{"hash": c.hex_hash(frame.phone_block[r[0]]),
                                              "voters": int(len(np.unique(frame.voter[r])))} for r, _, _ in parts]})
        n_blocks = len(parts)
        voters = tr["voters"]
        why_ru = "; ".join(REASONS_RU[r] for r in reasons)
        why_en = "; ".join(REASONS_EN[r] for r in reasons)
        ru = (f"{c.voters_ru(voters)} с номерами телефонов из {n_blocks} "
              f"{c.plural_ru(n_blocks, 'блока', 'блоков', 'блоков')} по 100 номеров подряд голосуют за одного "
              f"соискателя; у жителей города номера так не скапливаются. При этом {why_ru}. "
              f"Голоса поданы {c.span_ru(frame.cast_at[rows])}.")
        en = (f"{voters} voters whose phone numbers lie in {n_blocks} block(s) of 100 consecutive numbers back one "
              f"candidate; residents' numbers do not cluster like this. Also: {why_en}. "
              f"Votes cast {c.span_en(frame.cast_at[rows])}.")
        findings.append(DetectedFinding(
            kind=FindingKind.PHONE_BLOCK.value, city=city_id, rows=rows,
            score=c.score_from(max(s for _, s, _ in parts), strength=0.9 if "spread" not in reasons else 0.7),
            explanation_ru=ru, explanation_en=en, candidates=[cand], evidence=evidence))
    return findings


REASONS_RU = {**c.REASONS_RU, "spread": "они голосуют из разных сетей в разные дни, а не вместе, как коллеги"}
REASONS_EN = {**c.REASONS_EN,
              "spread": "they vote from different networks on different days, not together as colleagues do"}


def _top(values: np.ndarray) -> tuple[int, int]:
    distinct, counts = np.unique(values, return_counts=True)
    i = int(np.argmax(counts))
    return int(distinct[i]), int(counts[i])


def _colocated(frame: VoteFrame, rows: np.ndarray) -> bool:
    """Voting together: mostly from one network, or most of them within half a day."""
    nets = frame.network[rows][frame.network[rows] != 0]
    if len(nets) and _top(nets)[1] >= COLOCATED_NETWORK_SHARE * len(nets):
        return True
    times = np.sort(c.first_vote_times(frame, rows))
    within = np.searchsorted(times, times + COLOCATED_HOURS * c.HOUR, side="right") - np.arange(len(times))
    return bool(within.max() >= COLOCATED_TIME_SHARE * len(times))

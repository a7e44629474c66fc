"""Network concentration that tolerates workplaces, families and mobile carriers.

For each client network (a keyed hash of its /24 or /48) with at least 10 voters, and each candidate, the
network's voters who chose the candidate are tested against the candidate's share of the city's voters
(binomial tail below 10^-8, at least 10 voters and three times the city's share). A mobile carrier's CGNAT puts
hundreds of residents behind a few networks, but they vote like the city, so no candidate stands out; a family
is a handful of voters; a workplace does stand out — one network backing one of its own — so a concentrated
network is reported only if its votes also look automated (`_common.automated`: codes typed in seconds, even
arrivals, the night, new Telegram accounts). The networks of one candidate are reported as one finding that
covers every vote of the cohort's voters.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from atomgrad.integrity.detectors import DetectedFinding
from atomgrad.integrity.detectors import _common as c
from atomgrad.integrity.frame import VoteFrame
from atomgrad.integrity.models import FindingKind

MIN_NETWORK_VOTERS = 10
MIN_COHORT = 10
NEG_LOG10_P = 8.0
MIN_LIFT = 3.0


def find(frame: VoteFrame, ctx: c.Context | None = None) -> list[DetectedFinding]:
    ctx = ctx or c.context(frame)
    known = np.flatnonzero(frame.network != 0)
    if len(known) < MIN_COHORT:
        return []
    net_ids, net_index = np.unique(frame.network[known], return_inverse=True)
    net_index = net_index.reshape(-1)
    voter_net = np.unique(net_index.astype(np.int64) * (int(frame.voter.max()) + 1) + frame.voter[known])
    net_voters = np.bincount(voter_net // (int(frame.voter.max()) + 1), minlength=len(net_ids))
    cand_ids, cand_index = np.unique(frame.candidate, return_inverse=True)
    cand_index = cand_index.reshape(-1)
    # A candidate's share of its city's voters.
    city_voter = np.unique(ctx.city_index.astype(np.int64) * (int(frame.voter.max()) + 1) + frame.voter)
    city_voters = np.bincount(city_voter // (int(frame.voter.max()) + 1), minlength=len(ctx.cities))
    cand_votes = np.bincount(cand_index, minlength=len(cand_ids))
    cand_city = np.zeros(len(cand_ids), dtype=np.int64)
    cand_city[cand_index] = ctx.city_index
    share = np.minimum(cand_votes / np.maximum(city_voters[cand_city], 1), 1.0)
    key = net_index.astype(np.int64) * len(cand_ids) + cand_index[known]
    keys, k = np.unique(key, return_counts=True)
    kn, kc = keys // len(cand_ids), keys % len(cand_ids)
    n = net_voters[kn]
    possible = (n >= MIN_NETWORK_VOTERS) & (k >= MIN_COHORT) & (k >= MIN_LIFT * share[kc] * n)
    surprise = np.zeros(len(keys))
    surprise[possible] = c.neg_log10(stats.binom.sf(k[possible] - 1, n[possible], share[kc][possible]))
    hit = possible & (surprise >= NEG_LOG10_P)
    by_candidate: dict[int, list[tuple[np.ndarray, float, int]]] = {}
    for i in np.flatnonzero(hit):
        rows = known[(net_index == kn[i]) & (cand_index[known] == kc[i])]
        tr = c.traits(ctx, rows)
        if c.automated(tr):
            by_candidate.setdefault(int(kc[i]), []).append((rows, float(surprise[i]), int(n[i])))
    findings = []
    for cand, parts in by_candidate.items():
        cohort = np.concatenate([rows for rows, _, _ in parts])
        rows = ctx.voter_rows(cohort)
        city_id = int(frame.city[cohort[0]])
        tr = c.traits(ctx, rows)
        reasons = c.automated(c.traits(ctx, cohort))
        evidence = c.common_evidence(ctx, rows, tr)
        evidence.update({"series": c.candidate_series(ctx, [int(cand_ids[cand])], city_id),
                         "networks_involved": [{"hash": c.hex_hash(frame.network[r[0]]), "votes_for_candidate":
                                                int(len(r)), "network_voters": nv} for r, _, nv in parts],
                         "city_share": round(float(share[cand]), 4), "reasons": reasons})
        times = frame.cast_at[cohort]
        nets = len(parts)
        why_ru = "; ".join(c.REASONS_RU[r] for r in reasons)
        ru = (f"Из {nets} {c.plural_ru(nets, 'сети', 'сетей', 'сетей')} за соискателя подано "
              f"{c.votes_ru(len(cohort))}: там за него голосует намного большая доля, чем в городе "
              f"({c.percent_ru(float(share[cand]))} голосующих). При этом {why_ru}. "
              f"Голоса поданы {c.span_ru(times)}.")
        en = (f"{len(cohort)} of the candidate's votes came from {nets} network(s) where far more voters choose "
              f"the candidate than in the city ({share[cand]:.1%}). Also: "
              f"{'; '.join(c.REASONS_EN[r] for r in reasons)}. Votes cast {c.span_en(times)}.")
        findings.append(DetectedFinding(
            kind=FindingKind.NETWORK.value, city=city_id, rows=rows,
            score=c.score_from(max(s for _, s, _ in parts), strength=0.7 + 0.1 * len(reasons)),
            explanation_ru=ru, explanation_en=en, candidates=[int(cand_ids[cand])], evidence=evidence))
    return findings

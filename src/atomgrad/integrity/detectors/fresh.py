"""Fresh identities: a candidate whose bot votes come from Telegram accounts created lately.

Telegram account ids grow with time, and the vote keeps only the id's bucket of 2^28 ids (about a quarter of a
year of sign-ups). The two newest buckets seen in the season count as "fresh": residents' accounts are mostly
years old (a few per cent are new), while accounts bought in bulk are weeks old. For each candidate, its fresh
bot votes are tested against the city's share (binomial tail below 10^-8, at least 10 fresh votes and three
times the city's share). The finding covers every vote of those fresh voters. (The identity's age on the
platform is in the frame too, but in a first season every identity is new, so it is shown, not tested.)
"""

from __future__ import annotations

import numpy as np

from atomgrad.integrity.detectors import DetectedFinding
from atomgrad.integrity.detectors import _common as c
from atomgrad.integrity.detectors.fast_code import by_candidate
from atomgrad.integrity.frame import VoteFrame
from atomgrad.integrity.models import FindingKind

MIN_FRESH = 10
NEG_LOG10_P = 8.0
MIN_LIFT = 3.0
BASE_FLOOR = 0.01


def find(frame: VoteFrame, ctx: c.Context | None = None) -> list[DetectedFinding]:
    ctx = ctx or c.context(frame)
    return by_candidate(ctx, ctx.fresh, kind=FindingKind.FRESH_IDENTITIES.value, min_count=MIN_FRESH,
                        neg_log10_p=NEG_LOG10_P, min_lift=MIN_LIFT, base_floor=BASE_FLOOR, among=ctx.telegram,
                        explain=_explain)


def _explain(k: int, n: int, base: float, times: np.ndarray) -> tuple[str, str]:
    ru = (f"Из {c.votes_genitive_ru(n)}, поданных за соискателя через Telegram-бота, {k} — с недавно созданных "
          f"аккаунтов Telegram (в городе таких {c.percent_ru(base)}). Так выглядят аккаунты, купленные пачкой. "
          f"Голоса поданы {c.span_ru(times)}.")
    en = (f"{k} of the candidate's {n} bot votes came from recently created Telegram accounts ({base:.1%} in the "
          f"city), as accounts bought in bulk do. Votes cast {c.span_en(times)}.")
    return ru, en

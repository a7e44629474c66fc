"""What the detectors share: the season's derived columns (computed once), the traits that tell a script from a
crowd of people, scores, evidence and the Russian wording of times."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from atomgrad.integrity.frame import CHANNEL_CODES, VoteFrame

MSK = 3 * 3600
HOUR = 3600.0
NIGHT_HOURS = (0, 6)  # Moscow time [0:00, 6:00): people sleep, scripts do not
FAST_SECONDS = 12.0  # code entered and a candidate chosen faster than this: software, or rarely SMS autofill
MONTHS_RU = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
             "ноября", "декабря")

# Traits of automation: a cohort is "automated" when any of these holds (docs/integrity.md, "Method").
AUTOMATED_FAST_SHARE = 0.5
AUTOMATED_GAP_CV = 0.4
AUTOMATED_NIGHT_SHARE = 0.6
AUTOMATED_FRESH_SHARE = 0.5
# Telegram ids ≥ 26 × 2^28 ≈ 7.0e9 were handed out from about 2024 on; older accounts are never "fresh".
FRESH_MIN_BUCKET = 26
MIN_TELEGRAM_FOR_SHARE = 8  # bot votes needed before their fresh share means anything


@dataclass
class Context:
    """Columns derived once from a frame and read by every detector."""

    frame: VoteFrame
    t0: float  # the first hour of the season's votes (UNIX seconds)
    hour: np.ndarray  # hour index of each vote from t0
    n_hours: int
    night: np.ndarray  # bool: cast in the Moscow night
    fast: np.ndarray  # bool: code entered and vote cast within FAST_SECONDS
    telegram: np.ndarray  # bool: a bot vote
    fresh: np.ndarray  # bool: a bot vote from one of the newest Telegram id buckets
    fresh_bucket: int  # the lowest bucket counted as fresh (-1: none seen)
    cities: np.ndarray  # distinct city ids
    city_index: np.ndarray  # dense index of each vote's city
    city_hourly: np.ndarray  # (cities, hours) votes per hour
    _voter_order: np.ndarray | None = field(default=None, repr=False)

    def voter_rows(self, rows: np.ndarray, *, city_only: bool = True) -> np.ndarray:
        """Every vote of the voters who cast `rows` (a suspicious voter's other votes are suspicious too)."""
        voters = np.unique(self.frame.voter[rows])
        mask = np.isin(self.frame.voter, voters)
        if city_only and len(rows):
            mask &= np.isin(self.frame.city, np.unique(self.frame.city[rows]))
        return np.flatnonzero(mask)


def context(frame: VoteFrame) -> Context:
    n = len(frame)
    t0 = math.floor(float(frame.cast_at.min()) / HOUR) * HOUR if n else 0.0
    hour = ((frame.cast_at - t0) // HOUR).astype(np.int64) if n else np.zeros(0, dtype=np.int64)
    n_hours = int(hour.max()) + 1 if n else 1
    msk_hour = ((frame.cast_at + MSK) // HOUR % 24).astype(np.int64)
    night = (msk_hour >= NIGHT_HOURS[0]) & (msk_hour < NIGHT_HOURS[1])
    speed = frame.code_to_verify + frame.verify_to_vote
    fast = np.nan_to_num(speed, nan=np.inf) < FAST_SECONDS
    telegram = frame.channel == CHANNEL_CODES["telegram"]
    buckets = frame.telegram_bucket[telegram & (frame.telegram_bucket >= 0)].astype(np.int64)
    fresh_bucket = -1
    if len(buckets):
        counts = np.bincount(buckets)
        seen = np.flatnonzero(counts >= 3)
        top = int(seen.max()) if len(seen) else int(buckets.max())
        # Ids grow with time: the two newest buckets seen (about half a year of sign-ups) are "fresh" — but never
        # below FRESH_MIN_BUCKET, so a season without any new account does not call old ones fresh.
        fresh_bucket = max(top - 1, FRESH_MIN_BUCKET)
    fresh = telegram & (frame.telegram_bucket >= max(fresh_bucket, 0)) & (fresh_bucket >= 0)
    cities, city_index = np.unique(frame.city, return_inverse=True)
    city_index = city_index.reshape(-1)
    city_hourly = np.bincount(city_index * n_hours + hour, minlength=len(cities) * n_hours).reshape(
        len(cities), n_hours) if n else np.zeros((0, 1), dtype=np.int64)
    return Context(frame=frame, t0=t0, hour=hour, n_hours=n_hours, night=night, fast=fast, telegram=telegram,
                   fresh=fresh, fresh_bucket=fresh_bucket, cities=cities, city_index=city_index,
                   city_hourly=city_hourly)


# ----- traits of automation --------------------------------------------------------------------------------------
def gap_cv(times: np.ndarray) -> float:
    """Coefficient of variation of the gaps between successive times (1 for a Poisson crowd, ~0 for a metronome)."""
    if len(times) < 11:
        return math.nan
    gaps = np.diff(np.sort(times))
    mean = gaps.mean()
    return float(gaps.std() / mean) if mean > 0 else 0.0


def traits(ctx: Context, rows: np.ndarray) -> dict[str, float]:
    """What a cohort of votes looks like, against what people do."""
    frame = ctx.frame
    first_times = first_vote_times(frame, rows)
    tg = ctx.telegram[rows]
    return {
        "votes": int(len(rows)),
        "voters": int(len(np.unique(frame.voter[rows]))),
        "fast_share": float(ctx.fast[rows].mean()) if len(rows) else 0.0,
        "night_share": float(ctx.night[rows].mean()) if len(rows) else 0.0,
        "gap_cv": gap_cv(first_times),
        "fresh_share": float(ctx.fresh[rows][tg].mean()) if tg.sum() >= MIN_TELEGRAM_FOR_SHARE else 0.0,
        "user_agents": int(len(np.unique(frame.user_agent[rows][frame.user_agent[rows] != 0]))),
        "networks": int(len(np.unique(frame.network[rows][frame.network[rows] != 0]))),
        "median_code_seconds": _median(frame.code_to_verify[rows]),
        "median_vote_seconds": _median(frame.verify_to_vote[rows]),
    }


def automated(t: dict[str, float]) -> list[str]:
    """The reasons (codes) why a cohort looks like software rather than people; empty when it looks human."""
    reasons = []
    if t["fast_share"] >= AUTOMATED_FAST_SHARE:
        reasons.append("fast")
    if not math.isnan(t["gap_cv"]) and t["gap_cv"] <= AUTOMATED_GAP_CV:
        reasons.append("regular")
    if t["night_share"] >= AUTOMATED_NIGHT_SHARE:
        reasons.append("night")
    if t["fresh_share"] >= AUTOMATED_FRESH_SHARE:
        reasons.append("fresh")
    return reasons


REASONS_RU = {"fast": "код вводится и голос подаётся за секунды", "regular": "голоса идут через ровные промежутки",
              "night": "голосуют ночью", "fresh": "аккаунты Telegram созданы недавно"}
REASONS_EN = {"fast": "codes are entered and votes cast within seconds", "regular": "votes come at even intervals",
              "night": "they vote at night", "fresh": "the Telegram accounts are new"}


def first_vote_times(frame: VoteFrame, rows: np.ndarray) -> np.ndarray:
    if not len(rows):
        return np.zeros(0)
    order = np.lexsort((frame.cast_at[rows], frame.voter[rows]))
    voters = frame.voter[rows][order]
    first = np.r_[True, voters[1:] != voters[:-1]]
    return frame.cast_at[rows][order][first]


def _median(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    return float(np.median(values)) if len(values) else math.nan


# ----- scores and evidence -----------------------------------------------------------------------------------------
def score_from(neg_log10_p: float, *, strength: float = 1.0) -> float:
    """A score in [0, 1]: how far beyond chance (−log10 p, saturating at 40) times how strong the evidence is."""
    surprise = min(1.0, max(neg_log10_p, 0.0) / 40.0)
    return round(float(min(0.99, max(0.0, (0.35 + 0.65 * surprise) * strength))), 3)


def neg_log10(p: float | np.ndarray) -> float | np.ndarray:
    return -np.log10(np.maximum(p, 1e-300))


def hex_hash(value: int) -> str:
    return f"{int(value):016x}"


def top_hashes(values: np.ndarray, *, limit: int = 20) -> list[dict[str, Any]]:
    """The most frequent hashes among `values` (0 = unknown is left out), as hex with vote counts."""
    values = values[values != 0]
    if not len(values):
        return []
    distinct, counts = np.unique(values, return_counts=True)
    order = np.argsort(-counts, kind="stable")[:limit]
    return [{"hash": hex_hash(distinct[i]), "votes": int(counts[i])} for i in order]


def hourly_series(ctx: Context, rows: np.ndarray, city: int) -> dict[str, Any]:
    """The chart's data: votes per hour of the finding's candidates (or votes) against the whole city's."""
    index = int(np.searchsorted(ctx.cities, city))
    city_counts = ctx.city_hourly[index]
    own = np.bincount(ctx.hour[rows], minlength=ctx.n_hours)
    nonzero = np.flatnonzero(city_counts + own)
    lo, hi = (int(nonzero.min()), int(nonzero.max()) + 1) if len(nonzero) else (0, 1)
    return {"start": iso(ctx.t0 + lo * HOUR), "step_seconds": int(HOUR),
            "city": city_counts[lo:hi].astype(int).tolist(), "finding": own[lo:hi].astype(int).tolist()}


def candidate_series(ctx: Context, candidates: list[int], city: int) -> dict[str, Any]:
    rows = np.flatnonzero(np.isin(ctx.frame.candidate, candidates) & (ctx.frame.city == city))
    series = hourly_series(ctx, rows, city)
    series["candidate"] = series.pop("finding")
    return series


def iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat()


def moscow_ru(seconds: float) -> str:
    """«3 сентября 2025, 01:40» in Moscow time."""
    t = dt.datetime.fromtimestamp(seconds + MSK, dt.UTC)
    return f"{t.day} {MONTHS_RU[t.month - 1]} {t.year}, {t:%H:%M}"


def moscow_en(seconds: float) -> str:
    t = dt.datetime.fromtimestamp(seconds + MSK, dt.UTC)
    return f"{t:%d %b %Y, %H:%M} Moscow time"


def span_ru(times: np.ndarray) -> str:
    return f"с {moscow_ru(float(times.min()))} по {moscow_ru(float(times.max()))} (МСК)"


def span_en(times: np.ndarray) -> str:
    return f"from {moscow_en(float(times.min()))} to {moscow_en(float(times.max()))}"


def plural_ru(n: int, one: str, few: str, many: str) -> str:
    """Russian plural: 1 голос, 2 голоса, 5 голосов."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def votes_genitive_ru(n: int) -> str:
    """After «из»: «из 1 голоса», «из 5 голосов»."""
    return f"{n} {'голоса' if n % 10 == 1 and n % 100 != 11 else 'голосов'}"


def number_ru(x: float, digits: int = 1) -> str:
    """A decimal the Russian way: «4,5»."""
    return f"{x:.{digits}f}".replace(".", ",")


def percent_ru(share: float, digits: int = 1) -> str:
    """A share as Russian percent: «6,9 %» (a thin no-break space before the sign)."""
    return f"{number_ru(share * 100, digits)}\u00a0%"


def votes_ru(n: int) -> str:
    return f"{n} {plural_ru(n, 'голос', 'голоса', 'голосов')}"


def voters_ru(n: int) -> str:
    """«21 человек», «23 человека» (people, not «голосующий», so the verb agrees in the plural)."""
    return f"{n} {plural_ru(n, 'человек', 'человека', 'человек')}"


def common_evidence(ctx: Context, rows: np.ndarray, t: dict[str, float]) -> dict[str, Any]:
    """Evidence every finding carries: the traits, the networks and phone blocks involved, the time span."""
    frame = ctx.frame
    return {
        "traits": {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in t.items()},
        "networks": top_hashes(frame.network[rows]),
        "phone_blocks": top_hashes(frame.phone_block[rows]),
        "first_vote": iso(float(frame.cast_at[rows].min())) if len(rows) else None,
        "last_vote": iso(float(frame.cast_at[rows].max())) if len(rows) else None,
    }

"""A plan as the `VoteFrame` the database path would load, without a database (for evaluation and benchmarks).

The frame is built exactly as `integrity.selectors.vote_frame` loads cast votes: the same keyed hashes
(`voting.signals`), one voter per phone number, `sequence` in the order of cast time, the identity registered at
the voter's first verification, stable integer ids for cities (1… in slug order) and candidates
(city id × 1000 + 1 + the candidate's index). The ground truth (label, scenario) comes back beside the frame,
never in it.

`frame_from_plan` reads `PlannedVote`s (any addresses, IPv6 too); `frame_from_columns` is the fast path over
the scenarios' columns (the hashes are computed once per distinct network, user agent and phone block).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from atomgrad.integrity.frame import CHANNEL_CODES, VoteFrame
from atomgrad.integrity.simulator.plan import PlannedVote
from atomgrad.integrity.simulator.scenarios import CHANNELS, LABELS, SCENARIO_NAMES, UA_STRINGS, PlanColumns
from atomgrad.voting import signals

CANDIDATE_STRIDE = 1000  # candidate id = city id × 1000 + 1 + index (cities have far fewer candidates)


@dataclass(frozen=True)
class MemoryFrame:
    frame: VoteFrame
    labels: np.ndarray  # int8, index into scenarios.LABELS, one per frame row
    scenarios: np.ndarray  # int8, index into scenarios.SCENARIO_NAMES
    city_ids: dict[str, int]  # slug → the frame's city id


def _hash_unique(values: np.ndarray, function) -> np.ndarray:  # type: ignore[no-untyped-def]
    """`function` applied once per distinct value, spread back over `values`."""
    distinct, inverse = np.unique(values, return_inverse=True)
    hashed = np.fromiter((function(v) for v in distinct.tolist()), dtype=np.int64, count=len(distinct))
    return hashed[inverse.reshape(-1)]


def _frame(*, order: np.ndarray, at: np.ndarray, phone_key: np.ndarray, city: np.ndarray, candidate: np.ndarray,
           channel: np.ndarray, network: np.ndarray, user_agent: np.ndarray, phone_block: np.ndarray,
           code_requested: np.ndarray, verified: np.ndarray, telegram_bucket: np.ndarray) -> VoteFrame:
    """Assemble the frame in cast order (`order`: the stable time order of the inputs)."""
    _, voter = np.unique(phone_key, return_inverse=True)
    voter = voter.reshape(-1).astype(np.int64) + 1
    first_verified = np.full(voter.max() + 1 if len(voter) else 1, np.inf)
    np.minimum.at(first_verified, voter, verified)
    n = len(at)
    take = order
    return VoteFrame(
        vote_id=np.arange(1, n + 1, dtype=np.int64),
        sequence=np.arange(1, n + 1, dtype=np.int64),
        voter=voter[take],
        candidate=candidate[take].astype(np.int64),
        city=city[take].astype(np.int64),
        cast_at=at[take].astype(np.float64),
        channel=channel[take].astype(np.int8),
        network=network[take],
        user_agent=user_agent[take],
        phone_block=phone_block[take],
        code_to_verify=(verified - code_requested)[take].astype(np.float64),
        verify_to_vote=(at - verified)[take].astype(np.float64),
        telegram_bucket=telegram_bucket[take].astype(np.int16),
        identity_age=(at - first_verified[voter])[take].astype(np.float64),
    )


def frame_from_columns(cols: PlanColumns) -> MemoryFrame:
    """The fast path: a scenario's columns → the frame the database would give, plus the ground truth."""
    slugs = sorted({shape.slug for shape in cols.cities})
    city_ids = {slug: index + 1 for index, slug in enumerate(slugs)}
    city_of_index = np.array([city_ids[shape.slug] for shape in cols.cities], dtype=np.int64)
    city = city_of_index[cols.city]
    candidate = city * CANDIDATE_STRIDE + 1 + cols.candidate
    ip = cols.ip.astype(np.int64)
    network = np.zeros(len(cols), dtype=np.int64)
    known = ip > 0
    network[known] = _hash_unique(
        ip[known] >> 8, lambda net: signals.network_hash(f"{net >> 16 & 255}.{net >> 8 & 255}.{net & 255}.1"))
    user_agent = np.zeros(len(cols), dtype=np.int64)
    known = cols.ua >= 0
    user_agent[known] = _hash_unique(cols.ua[known], lambda i: signals.user_agent_hash(UA_STRINGS[i]))
    phone_block = _hash_unique(cols.phone // 100, lambda block: signals.phone_block_hash(f"+{block}00"))
    bucket = np.where(cols.channel == CHANNELS.index("telegram"), cols.telegram_id >> 28, -1)
    bucket = np.where(cols.telegram_id > 0, bucket, -1)
    order = np.argsort(cols.at, kind="stable")
    frame = _frame(order=order, at=cols.at, phone_key=cols.phone, city=city, candidate=candidate,
                   channel=cols.channel, network=network, user_agent=user_agent, phone_block=phone_block,
                   code_requested=cols.code_requested, verified=cols.verified, telegram_bucket=bucket)
    return MemoryFrame(frame=frame, labels=cols.label[order], scenarios=cols.scenario[order], city_ids=city_ids)


def frame_from_plan(plan: list[PlannedVote]) -> MemoryFrame:
    """`PlannedVote`s → the frame the database would give once they are cast, plus the ground truth."""
    slugs = sorted({vote.city for vote in plan})
    city_ids = {slug: index + 1 for index, slug in enumerate(slugs)}
    at = np.array([vote.at.timestamp() for vote in plan], dtype=np.float64)
    city = np.array([city_ids[vote.city] for vote in plan], dtype=np.int64)
    candidate = city * CANDIDATE_STRIDE + 1 + np.array([vote.candidate for vote in plan], dtype=np.int64)
    phones = np.array([vote.phone for vote in plan], dtype=object)
    network = _hash_unique(np.array([vote.ip for vote in plan], dtype=object), signals.network_hash)
    user_agent = _hash_unique(np.array([vote.user_agent for vote in plan], dtype=object), signals.user_agent_hash)
    phone_block = _hash_unique(phones, signals.phone_block_hash)
    bucket = np.array([signals.telegram_bucket(vote.telegram_user_id) if vote.channel == "telegram" else -1
                       for vote in plan], dtype=np.int64)
    order = np.argsort(at, kind="stable")
    frame = _frame(order=order, at=at, phone_key=phones.astype(str), city=city, candidate=candidate,
                   channel=np.array([CHANNEL_CODES[vote.channel] for vote in plan], dtype=np.int8),
                   network=network, user_agent=user_agent, phone_block=phone_block,
                   code_requested=np.array([vote.code_requested_at.timestamp() for vote in plan]),
                   verified=np.array([vote.verified_at.timestamp() for vote in plan]), telegram_bucket=bucket)
    labels = np.array([LABELS.index(vote.label) for vote in plan], dtype=np.int8)[order]
    scenarios = np.array([SCENARIO_NAMES.index(vote.scenario) if vote.scenario in SCENARIO_NAMES else -1
                          for vote in plan], dtype=np.int8)[order]
    return MemoryFrame(frame=frame, labels=labels, scenarios=scenarios, city_ids=city_ids)

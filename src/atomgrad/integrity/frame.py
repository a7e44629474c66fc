"""The columnar view of a season's votes that every detector reads (numpy arrays, one row per vote).

Loaded from the database by `integrity.selectors.vote_frame` (the votes with their detection signals) and
built in memory from a simulator's plan by `integrity.simulator` (for evaluation without a database). The
detectors never touch the ORM: they see only this frame, so they run the same on 1,000 and 1,000,000 votes.

Hashes are the keyed hashes of `integrity.models`, truncated to 63 bits (0 = not known). Times are UNIX
seconds (UTC). Seconds that are not known are NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

CHANNEL_CODES = {"web": 0, "api": 1, "telegram": 2}
UNKNOWN = 0  # a hash column's value when the signal was not recorded
TELEGRAM_BUCKET_UNKNOWN = -1


@dataclass(frozen=True)
class VoteFrame:
    vote_id: np.ndarray  # int64: Vote.pk (simulator: the planned vote's index)
    sequence: np.ndarray  # int64: the vote's ledger sequence number
    voter: np.ndarray  # int64: SeasonVoter.pk (a season-local id of the person)
    candidate: np.ndarray  # int64: Application.pk
    city: np.ndarray  # int64: City.pk
    cast_at: np.ndarray  # float64: UNIX seconds, to the second or finer
    channel: np.ndarray  # int8: CHANNEL_CODES
    network: np.ndarray  # int64: keyed hash of the client's network (IPv4 /24, IPv6 /48)
    user_agent: np.ndarray  # int64: keyed hash of the User-Agent
    phone_block: np.ndarray  # int64: keyed hash of the phone number without its last two digits
    code_to_verify: np.ndarray  # float64: seconds from the code's request to its verification
    verify_to_vote: np.ndarray  # float64: seconds from verification to this vote
    telegram_bucket: np.ndarray  # int16: magnitude bucket of the Telegram account id (bot votes), else -1
    identity_age: np.ndarray  # float64: seconds from the identity's first registration to this vote

    def __post_init__(self) -> None:
        lengths = {len(getattr(self, f.name)) for f in fields(self)}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")

    def __len__(self) -> int:
        return len(self.vote_id)

    def take(self, index: np.ndarray) -> VoteFrame:
        """The rows at `index` (an integer or boolean array), as a new frame."""
        return VoteFrame(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

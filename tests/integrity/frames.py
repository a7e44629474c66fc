"""Small VoteFrames built by hand for the detectors' tests: a quiet background city plus the case under test."""

from __future__ import annotations

import numpy as np

from atomgrad.integrity.frame import CHANNEL_CODES, VoteFrame

T0 = 1_756_710_000.0  # 2025-09-01 07:00 UTC, 10:00 Moscow time
HOUR = 3600.0
CITY = 1


class FrameBuilder:
    """Votes appended one group at a time; `frame()` returns them in cast order like the database would."""

    def __init__(self) -> None:
        self.rows: list[dict[str, float | int]] = []
        self.next_voter = 1

    def vote(self, *, at: float, candidate: int, voter: int | None = None, city: int = CITY, channel: str = "web",
             network: int = 0, user_agent: int = 0, phone_block: int = 0, code: float = 45.0, choose: float = 40.0,
             bucket: int = -1) -> int:
        if voter is None:
            voter = self.next_voter
            self.next_voter += 1
        self.rows.append({"at": at, "candidate": candidate, "voter": voter, "city": city,
                          "channel": CHANNEL_CODES[channel], "network": network, "user_agent": user_agent,
                          "phone_block": phone_block, "code": code, "choose": choose, "bucket": bucket})
        return voter

    def background(self, *, voters: int = 2000, candidates: int = 10, days: float = 4.0, seed: int = 0,
                   city: int = CITY, telegram_share: float = 0.3) -> None:
        """Residents: daytime-heavy arrivals, 1–3 candidates by a skewed popularity, spread numbers and networks."""
        rng = np.random.default_rng(seed)
        popularity = 1.0 / np.arange(1, candidates + 1)
        popularity /= popularity.sum()
        hours = np.arange(int(days * 24))
        msk = (hours + 10) % 24
        weight = np.where((msk >= 8) & (msk < 23), 4.0, 0.3)
        for _ in range(voters):
            start = T0 + (rng.choice(hours, p=weight / weight.sum()) + rng.random()) * HOUR
            k = rng.choice([1, 2, 3], p=[0.45, 0.3, 0.25])
            picks = rng.choice(candidates, k, replace=False, p=popularity)
            bot = rng.random() < telegram_share
            voter = self.next_voter
            self.next_voter += 1
            code = float(rng.uniform(20, 180))
            for j, candidate in enumerate(picks):
                self.vote(at=start + j * 30, voter=voter, candidate=city * 1000 + int(candidate) + 1, city=city,
                          channel="telegram" if bot else "web",
                          network=0 if bot else int(rng.integers(1, 40)),
                          user_agent=0 if bot else int(rng.integers(1, 25)),
                          phone_block=int(rng.integers(1, 10**9)), code=code,
                          choose=float(rng.uniform(20, 90)) + j * 30,
                          bucket=int(rng.choice([5, 12, 20, 27, 29, 30], p=[0.3, 0.3, 0.2, 0.17, 0.02, 0.01]))
                          if bot else -1)

    def frame(self) -> VoteFrame:
        rows = sorted(self.rows, key=lambda r: r["at"])
        n = len(rows)

        def col(name: str, dtype: type) -> np.ndarray:
            return np.array([r[name] for r in rows], dtype=dtype)

        at = col("at", np.float64)
        first: dict[int, float] = {}
        for r in rows:
            first.setdefault(int(r["voter"]), float(r["at"]))
        return VoteFrame(
            vote_id=np.arange(1, n + 1, dtype=np.int64), sequence=np.arange(1, n + 1, dtype=np.int64),
            voter=col("voter", np.int64), candidate=col("candidate", np.int64), city=col("city", np.int64),
            cast_at=at, channel=col("channel", np.int8), network=col("network", np.int64),
            user_agent=col("user_agent", np.int64), phone_block=col("phone_block", np.int64),
            code_to_verify=col("code", np.float64), verify_to_vote=col("choose", np.float64),
            telegram_bucket=col("bucket", np.int16),
            identity_age=at - np.array([first[int(r["voter"])] for r in rows]) + col("choose", np.float64),
        )


def rows_of(frame: VoteFrame, predicate: np.ndarray) -> set[int]:
    return set(np.flatnonzero(predicate).tolist())

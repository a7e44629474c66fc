"""Detectors: pure functions from a `VoteFrame` to findings. See docs/integrity.md for the method.

`detect(frame) -> list[DetectedFinding]` runs every detector; each finding covers a set of frame rows.
The detectors know nothing of the database; `integrity.services` stores their findings as `Finding` rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class DetectedFinding:
    kind: str  # one of integrity.models.FindingKind
    city: int  # City.pk (the frame's `city` value)
    rows: np.ndarray  # int64 indices into the frame: the votes this finding covers
    score: float  # 0..1, higher is more suspicious; findings are ranked by it
    explanation_ru: str  # plain Russian, for a committee: what was seen and why it is unusual
    explanation_en: str
    candidates: list[int] = field(default_factory=list)  # Application.pk involved
    evidence: dict[str, Any] = field(default_factory=dict)  # JSON-serialisable: series, cohorts, hashes

"""Detectors: pure functions from a `VoteFrame` to findings. See docs/integrity.md for the method.

`detect(frame) -> list[DetectedFinding]` runs every detector; each finding covers a set of frame rows.
The detectors know nothing of the database; `integrity.services` stores their findings as `Finding` rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from atomgrad.integrity.frame import VoteFrame


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


def detect(frame: VoteFrame) -> list[DetectedFinding]:
    """Every detector over `frame` (an `integrity.frame.VoteFrame`), findings ranked by score.

    Overlaps: findings of the same kind in the same city that share voters are merged into one (the strongest
    keeps its explanation and evidence; the union of votes and candidates, the others' explanations under
    `evidence["merged"]`). Findings of different kinds stay separate even when they cover the same votes: each
    kind is its own reason (and reason code) and its own evidence, and the committee sees every reason a vote
    was flagged for. A vote counts once however many findings cover it (`flagged_rows`).
    """
    from atomgrad.integrity.detectors import (
        _common,
        burst,
        fast_code,
        fresh,
        lockstep,
        network,
        phone_block,
        regular_timing,
    )

    if len(frame) == 0:
        return []
    ctx = _common.context(frame)
    findings: list[DetectedFinding] = []
    for module in (burst, lockstep, network, phone_block, regular_timing, fast_code, fresh):
        findings.extend(module.find(frame, ctx))
    return sorted(_merge_same_kind(findings, frame), key=lambda f: (-f.score, f.kind, f.city, int(f.rows[0])))


def flagged_rows(findings: list[DetectedFinding], n: int) -> np.ndarray:
    """A boolean per frame row: covered by at least one finding."""
    flagged = np.zeros(n, dtype=bool)
    for finding in findings:
        flagged[finding.rows] = True
    return flagged


def _merge_same_kind(findings: list[DetectedFinding], frame: VoteFrame) -> list[DetectedFinding]:
    groups: dict[tuple[str, int], list[DetectedFinding]] = {}
    for finding in sorted(findings, key=lambda f: -f.score):
        groups.setdefault((finding.kind, finding.city), []).append(finding)
    out = []
    for group in groups.values():
        merged: list[DetectedFinding] = []
        for finding in group:
            for kept in merged:
                if np.intersect1d(frame.voter[kept.rows], frame.voter[finding.rows]).size:
                    kept.rows = np.union1d(kept.rows, finding.rows)
                    kept.candidates = sorted(set(kept.candidates) | set(finding.candidates))
                    kept.evidence.setdefault("merged", []).append(
                        {"explanation_ru": finding.explanation_ru, "explanation_en": finding.explanation_en,
                         "score": finding.score, "votes": int(len(finding.rows))})
                    break
            else:
                merged.append(finding)
        out.extend(merged)
    return out

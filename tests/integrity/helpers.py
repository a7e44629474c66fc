"""Builders of the integrity tests: a stored finding over given votes (what `integrity_scan` stores)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from atomgrad.award.models import Application
from atomgrad.integrity.models import Finding, FindingKind, FindingVote
from atomgrad.voting.models import Vote


def finding_store(*, votes: list[Vote], kind: str = FindingKind.BURST, score: float = 0.9,
                  explanation_ru: str = "За 4 минуты пришло 30 голосов за одного соискателя — в 40 раз больше "
                                        "обычного для города в это время.",
                  candidates: list[Application] | None = None, evidence: dict[str, Any] | None = None) -> Finding:
    first = votes[0]
    finding = Finding.objects.create(
        season_id=first.season_id, city_id=first.city_id, kind=kind, score=score, explanation_ru=explanation_ru,
        explanation_en="A burst of votes.", evidence=evidence or {}, vote_count=len(votes),
        computed_at=timezone.now(),
    )
    FindingVote.objects.bulk_create([FindingVote(finding=finding, vote=vote) for vote in votes])
    by_id = {vote.candidate_id: vote.candidate for vote in votes}
    wanted = candidates if candidates is not None else list(by_id.values())
    finding.candidates.set(wanted)
    return finding

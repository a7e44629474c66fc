"""Deleting what the vote kept for detection, once a season no longer needs it (docs/integrity.md)."""

from __future__ import annotations

from django.db import transaction

from atomgrad.award.models import Season
from atomgrad.voting.models import VoterSignal, VoteSignal


def signals_purge(*, season: Season) -> dict[str, int]:
    """Delete every vote's and voter's detection signals of the season (one transaction). The votes, the
    voters and the ledger stay: only what detection needed goes. Returns the numbers of rows deleted."""
    with transaction.atomic():
        votes, _ = VoteSignal.objects.filter(season=season).delete()
        voters, _ = VoterSignal.objects.filter(season=season).delete()
    return {"vote_signals": votes, "voter_signals": voters}

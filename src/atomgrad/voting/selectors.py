"""Reads of the vote: a voter's own votes, receipts, the ledger, live results and the vote button's state.

Rule 5 of DESIGN.md lives here: while a season hides its counts, `city_results` neither returns counts nor
orders by them (it lists candidates alphabetically without touching the tallies), and a receipt never says
whom the vote was for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from atomgrad.award.models import Application, Season
from atomgrad.award.selectors import PUBLIC_CANDIDATE_FIELDS, candidate_list_published
from atomgrad.cities.models import City
from atomgrad.voting import ledger, queries
from atomgrad.voting.models import CandidateTally, LedgerEntry, LedgerHead, SeasonVoter, Vote, VoteAnnulment
from atomgrad.voting.receipts import receipt_normalise
from atomgrad.voting.services.ballots import voting_closes_at

# --- a voter's own votes ------------------------------------------------------------------------------------


def votes_left(*, voter: SeasonVoter) -> int:
    return max(voter.season.votes_per_voter - voter.votes_cast, 0)


def voter_vote_list(*, voter: SeasonVoter) -> QuerySet[Vote]:
    """The voter's votes, newest first, with the candidate's public fields, the ledger position (`position`)
    and whether the vote was annulled (`annulled`)."""
    vote_entries = LedgerEntry.objects.filter(vote=OuterRef("pk"), kind=ledger.KIND_VOTE)
    return (
        Vote.objects.filter(voter=voter)
        .select_related("candidate", "candidate__city", "candidate__sphere")
        .only("id", "receipt", "cast_at", "channel", "voter_id", "candidate_id", "city_id", "season_id",
              *(f"candidate__{name}" for name in PUBLIC_CANDIDATE_FIELDS),
              "candidate__city__slug", "candidate__city__name_ru", "candidate__city__name_en",
              "candidate__sphere__slug", "candidate__sphere__name_ru", "candidate__sphere__name_en")
        .annotate(
            position=Subquery(vote_entries.values("sequence")[:1]),
            annulled=Exists(VoteAnnulment.objects.filter(vote=OuterRef("pk"), reversal__isnull=True)),
        )
        .order_by("-cast_at", "-id")
    )


# --- receipts -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptStatus:
    """What anyone holding a receipt code may learn: where the vote is in the ledger and whether it counts.
    Never who cast it, and not whom it was for."""

    receipt: str
    position: int
    status: str  # "counted" | "annulled"
    season_year: int
    season_title: str
    city_slug: str
    city_name_ru: str
    city_name_en: str
    recorded_at: dt.datetime
    entry_hash: str
    annulment_position: int | None = None
    annulment_reason: str | None = None

    @property
    def counted(self) -> bool:
        return self.status == "counted"


def receipt_status(*, code: str) -> ReceiptStatus | None:
    """The receipt's vote as the ledger records it, or None for a code that is not a receipt of any vote."""
    normalised = receipt_normalise(code)
    if normalised is None:
        return None
    entry = (
        LedgerEntry.objects.filter(vote__receipt=normalised, kind=ledger.KIND_VOTE)
        .select_related("season", "vote__city")
        .only("sequence", "created_at", "entry_hash", "city_slug", "season__year", "season__title",
              "vote__receipt", "vote__city__slug", "vote__city__name_ru", "vote__city__name_en")
        .first()
    )
    if entry is None:
        return None
    annulment = (
        LedgerEntry.objects.filter(season_id=entry.season_id, kind=ledger.KIND_ANNULMENT,
                                   target_sequence=entry.sequence)
        .values("sequence", "reason")
        .first()
    )
    if annulment is not None:
        reversed_ = LedgerEntry.objects.filter(
            season_id=entry.season_id, kind=ledger.KIND_ANNULMENT_REVERSAL, target_sequence=annulment["sequence"]
        ).exists()
        if reversed_:
            annulment = None
    city = entry.vote.city  # type: ignore[union-attr]
    return ReceiptStatus(
        receipt=normalised,
        position=entry.sequence,
        status="annulled" if annulment else "counted",
        season_year=entry.season.year,
        season_title=entry.season.title,
        city_slug=city.slug,
        city_name_ru=city.name_ru,
        city_name_en=city.name_en,
        recorded_at=entry.created_at,
        entry_hash=entry.entry_hash,
        annulment_position=annulment["sequence"] if annulment else None,
        annulment_reason=annulment["reason"] if annulment else None,
    )


# --- the ledger ---------------------------------------------------------------------------------------------


def ledger_head(*, season: Season) -> tuple[int, str]:
    """(last sequence, last entry hash) of the season's chain; (0, 64 zeros) before the first vote."""
    head = LedgerHead.objects.filter(season=season).values_list("last_sequence", "last_hash").first()
    return (int(head[0]), str(head[1])) if head else (0, ledger.GENESIS_HASH)


def ledger_entries(*, season: Season, chunk_size: int = 2000) -> Iterator[dict[str, object]]:
    """The season's chain in order, each entry as `voting.ledger` encodes it (streamed, for exports)."""
    rows = LedgerEntry.objects.filter(season=season).order_by("sequence").iterator(chunk_size=chunk_size)
    for row in rows:
        yield row.as_ledger_dict(season_year=season.year)


def ledger_verify(*, season: Season) -> int | None:
    """Re-verify the whole stored chain against its head. None when intact, else the first bad index."""
    return ledger.chain_verify(ledger_entries(season=season), expected_head=ledger_head(season=season))


# --- results ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CityResults:
    season: Season
    city: City
    counts_public: bool
    candidates: list[Application]  # with `.vote_count` only when counts_public


def city_results(*, season: Season, city: City) -> CityResults:
    """The city's published candidates. With public counts: each with `vote_count` (the live tally, one indexed
    join, never a recount), most votes first. With hidden counts: alphabetical, and the tallies are not read
    at all, so neither the data nor the order nor the timing depends on them."""
    candidates = candidate_list_published(season=season, city=city)
    if not season.counts_public:
        return CityResults(season=season, city=city, counts_public=False, candidates=list(candidates))
    tally = CandidateTally.objects.filter(candidate=OuterRef("pk")).values("votes")[:1]
    counted = candidates.annotate(
        vote_count=Coalesce(Subquery(tally, output_field=IntegerField()), Value(0))
    ).order_by("-vote_count", "full_name", "id")
    return CityResults(season=season, city=city, counts_public=True, candidates=list(counted))


def season_for_results(*, year: int | None) -> Season | None:
    seasons = Season.objects.order_by("-year")
    return (seasons.filter(year=year) if year is not None else seasons).first()


# --- the vote button ----------------------------------------------------------------------------------------


class ButtonState:
    HIDDEN = "hidden"  # voting is not open in the candidate's city (before, after, or not this season)
    LOGIN = "login"  # nobody is logged in: the button leads to the log-in
    VOTE = "vote"  # the button casts (after a confirmation page)
    VOTED = "voted"  # this voter's vote for this candidate is counted
    WRONG_CITY = "wrong_city"
    LIMIT = "limit"


@dataclass
class Ballot:
    """Everything the vote buttons of one page need, read once per request (a page of 24 cards costs the
    same as one): the season, the logged-in voter of that season if any, whom they voted for, and the window
    of each city asked about (memoised)."""

    season: Season
    voter: SeasonVoter | None
    voted: frozenset[int]
    now: dt.datetime
    _closes_at: dict[int, dt.datetime] = field(default_factory=dict)

    @property
    def votes_left(self) -> int:
        return votes_left(voter=self.voter) if self.voter else self.season.votes_per_voter

    def is_open_in(self, city_id: int) -> bool:
        if self.now < self.season.voting_open_at:
            return False
        if self.now < self.season.voting_close_at:
            return True
        if city_id not in self._closes_at:
            self._closes_at[city_id] = voting_closes_at(season=self.season, city_id=city_id)
        return self.now < self._closes_at[city_id]

    def state_for(self, candidate: Application) -> str:
        if candidate.season_id != self.season.pk or not self.is_open_in(candidate.city_id):
            return ButtonState.HIDDEN
        if self.voter is None:
            return ButtonState.LOGIN
        if candidate.pk in self.voted:
            return ButtonState.VOTED
        if self.season.own_city_only and candidate.city_id != self.voter.city_id:
            return ButtonState.WRONG_CITY
        if self.votes_left <= 0:
            return ButtonState.LIMIT
        return ButtonState.VOTE


def ballot_for(*, season: Season, voter: SeasonVoter | None, now: dt.datetime | None = None) -> Ballot:
    """The page's Ballot. `voter` must belong to `season` (or be None). One query when a voter is given."""
    voted: frozenset[int] = frozenset()
    if voter is not None:
        if voter.season_id != season.pk:
            voter = None
        else:
            voted = frozenset(Vote.objects.filter(voter=voter).values_list("candidate_id", flat=True))
    return Ballot(season=season, voter=voter, voted=voted, now=now or timezone.now())


def candidate_get_for_vote(*, candidate_id: int) -> Application | None:
    """A published candidate as `vote_cast` needs it (season, city and sphere loaded), public fields only. One
    statement, written as SQL in `voting.queries`: it runs on every vote."""
    return queries.published_candidate(candidate_id=candidate_id)


def identity_season_voters(*, identity_id: int) -> list[SeasonVoter]:
    """The person's registrations, one per season they took part in, newest season first (season, city)."""
    return list(
        SeasonVoter.objects.filter(identity_id=identity_id).select_related("season", "city").order_by("-season__year")
    )

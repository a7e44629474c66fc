"""Casting votes, annulling them and extending a city's voting window: the writes of the vote.

Every rule that protects the vote is held by the database, not by a check-then-write in Python, so it also
holds under a burst of parallel requests, on SQLite and on PostgreSQL alike:

- one vote per voter per candidate: the unique constraint on (voter, candidate);
- at most K votes per voter per season: a conditional UPDATE of the voter's `votes_cast` counter
  (`… WHERE votes_cast < K`), which also locks the voter's row until commit;
- one unbroken chain per season: the season's `LedgerHead` row is locked (SELECT … FOR UPDATE) for each append,
  and (season, sequence) and (season, prev_hash) are unique, so two appends can never claim the same place.

The vote, the voter's counter, the candidate's tally and the ledger entry are written in one transaction: a
crash leaves either all of them or none. Lock order in every transaction that touches the ledger: the vote's
unique index entry (or the annulment's), the voter row, the candidate's tally row, the ledger head — the head
last, so the lock every voter of a season queues for is held only for an insert and an update.

On SQLite the connection runs transactions in IMMEDIATE mode (settings.py): the write lock is taken at BEGIN,
so writers are serialised anyway; the same code is correct under PostgreSQL's row locks.

The statements themselves are hand-written SQL in `voting.queries` (a vote runs on every request, and the ORM's
query building cost more than the database's work; docs/PERFORMANCE.md). This module decides which of them run,
in which order and batch, and what their results mean.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from atomgrad.award.models import Application, ApplicationStatus, Season
from atomgrad.award.services.seasons import season_city_check
from atomgrad.cities.models import City
from atomgrad.cities.permissions import cities_for_user, user_is_organiser
from atomgrad.core import rawsql, timefmt
from atomgrad.core.errors import ApplicationError
from atomgrad.core.rawsql import Result, Statement
from atomgrad.core.services import audit_record
from atomgrad.core.text import reason_clean
from atomgrad.core.timefmt import datetime_in
from atomgrad.voting import ledger, queries, signals
from atomgrad.voting.models import (
    Channel,
    LedgerEntry,
    LedgerHead,
    SeasonVoter,
    Vote,
    VoteAnnulment,
    VotingExtension,
)
from atomgrad.voting.receipts import receipt_generate
from atomgrad.voting.signals import VoteContext

# 50-bit receipts collide rarely but not never in a season of millions of votes: draw again a few times.
RECEIPT_ATTEMPTS = 4


# --- pseudonyms ---------------------------------------------------------------------------------------------


def pseudonym_key(*, season_year: int) -> bytes:
    """The season's pseudonym key, derived from the server secret: pseudonyms of one person in two seasons
    cannot be linked by anyone who does not hold PHONE_HASH_KEY."""
    return hmac.new(
        settings.PHONE_HASH_KEY.encode(), f"atomgrad/ledger-pseudonym/{season_year}".encode(), hashlib.sha256
    ).digest()


def voter_pseudonym(*, season_year: int, phone_hash: str) -> str:
    """The name a voter has in a season's ledger: HMAC-SHA256(season key, the identity's phone hash), hex."""
    return hmac.new(pseudonym_key(season_year=season_year), phone_hash.encode(), hashlib.sha256).hexdigest()


# --- messages -----------------------------------------------------------------------------------------------


def _votes_ru(number: int) -> str:
    return f"{number} {timefmt.plural(number, 'голос,голоса,голосов')}"


def _votes_en(number: int) -> str:
    return f"{number} {timefmt.plural(number, 'vote,votes')}"


# --- the window ---------------------------------------------------------------------------------------------


def voting_closes_at(*, season: Season, city_id: int) -> dt.datetime:
    """When voting closes in a city: the season's close, or later if organisers extended the city's window
    (the latest extension is in force). One query, the latest extension's close time."""
    extended = (
        VotingExtension.objects.filter(season_id=season.pk, city_id=city_id)
        .order_by("-created_at", "-id")
        .values_list("closes_at", flat=True)
        .first()
    )
    return max(season.voting_close_at, extended) if extended else season.voting_close_at


def voting_window_check(*, season: Season, city: City, now: dt.datetime | None = None) -> None:
    """Raise `voting_not_open` or `voting_closed` unless voting is open in the city at `now`.

    Extensions only ever move a city's close later than the season's, so the extension is looked up only once
    the season's own window has closed: a vote inside the window costs no query here.
    """
    now = now or timezone.now()
    if now < season.voting_open_at:
        raise ApplicationError(
            "voting_not_open",
            f"Голосование ещё не началось: оно откроется {datetime_in(season.voting_open_at, 'ru')}.",
            f"Voting has not started yet: it opens on {datetime_in(season.voting_open_at, 'en')}.",
            status=403,
            details={"opens_at": season.voting_open_at.isoformat()},
        )
    if now >= season.voting_close_at:
        closes_at = voting_closes_at(season=season, city_id=city.pk)
        if now >= closes_at:
            raise ApplicationError(
                "voting_closed",
                f"Голосование в городе {city.name_ru} завершилось {datetime_in(closes_at, 'ru')}.",
                f"Voting in {city.name_en} closed on {datetime_in(closes_at, 'en')}.",
                status=403,
                details={"closed_at": closes_at.isoformat(), "city": city.slug},
            )


# --- refusals -----------------------------------------------------------------------------------------------


def not_published_error(candidate_id: int | None = None) -> ApplicationError:
    return ApplicationError(
        "candidate_not_published",
        "За этого соискателя нельзя голосовать: его нет среди опубликованных соискателей этого голосования.",
        "You cannot vote for this candidate: they are not among the published candidates of this vote.",
        status=422,
        details={"candidate": candidate_id} if candidate_id is not None else None,
    )


def already_voted_error(candidate: Application) -> ApplicationError:
    return ApplicationError(
        "already_voted",
        "Вы уже проголосовали за этого соискателя. За одного человека можно проголосовать только один раз.",
        "You have already voted for this candidate. You can vote for a person only once.",
        status=409,
        details={"candidate": candidate.pk},
    )


def limit_reached_error(limit: int) -> ApplicationError:
    return ApplicationError(
        "limit_reached",
        f"Вы уже отдали все голоса: в этом сезоне у каждого жителя {_votes_ru(limit)} — "
        f"за {limit} разных соискателей.",
        f"You have used all your votes: every resident has {_votes_en(limit)} this season, "
        f"for {limit} different candidates.",
        status=403,
        details={"limit": limit},
    )


def wrong_city_error(voter_city: City, candidate_city: City) -> ApplicationError:
    return ApplicationError(
        "wrong_city",
        f"Голосовать можно только за соискателей своего города. Вы голосуете в городе {voter_city.name_ru}, "
        f"а этот соискатель — из города {candidate_city.name_ru}.",
        f"You can vote only for candidates of your own city. You vote in {voter_city.name_en}; this candidate "
        f"is from {candidate_city.name_en}.",
        status=403,
        details={"voter_city": voter_city.slug, "candidate_city": candidate_city.slug},
    )


def vote_precheck(*, voter: SeasonVoter, candidate: Application, now: dt.datetime | None = None) -> None:
    """The rules that need no lock: the candidate is published in the voter's season, voting is open in the
    candidate's city, and the city is the voter's own when the season says so. Raises ApplicationError.

    Used by `vote_cast` and by the confirmation page (so a refusal shows before the person confirms). The
    rules that need the database — already voted, the cap — are decided only inside `vote_cast`.
    """
    season = voter.season
    if candidate.status != ApplicationStatus.ACCEPTED or candidate.season_id != voter.season_id:
        raise not_published_error(candidate.pk)
    voting_window_check(season=season, city=candidate.city, now=now)
    if season.own_city_only and candidate.city_id != voter.city_id:
        raise wrong_city_error(voter.city, candidate.city)


# --- the ledger ---------------------------------------------------------------------------------------------


def _ledger_head(run: Callable[[list[Statement]], list[Result]], *, season: Season,
                 head: LedgerHead | None) -> LedgerHead:
    """The locked head, `head` as read by `queries.ledger_head_lock`; at a season's first entry, it is made
    race-free (ON CONFLICT DO NOTHING) and then locked, through `run` (the caller's transaction)."""
    if head is not None:
        return head
    _created, locked = run([queries.ledger_head_create(season_id=season.pk),
                            queries.ledger_head_lock(season_id=season.pk)])
    head = queries.ledger_head_read(locked)
    if head is None:  # pragma: no cover - created just above, in this transaction
        raise RuntimeError(f"no ledger head for season {season.pk}")
    return head


def _ledger_entry(*, season: Season, head: LedgerHead, fields: dict[str, Any], vote: Vote,
                  now: dt.datetime | None = None) -> tuple[LedgerEntry, list[Statement]]:
    """The next entry after the (locked) head, hashed, and the statements that insert it and move the head.
    `now` is the entry's time (default: the clock; the simulator passes its own)."""
    created_at = now or timezone.now()
    if head.updated_at is not None and created_at < head.updated_at:
        created_at = head.updated_at  # entry times never go backwards along the chain, even if the clock does
    entry = {
        **fields,
        "season": season.year,
        "sequence": head.last_sequence + 1,
        "created_at": ledger.timestamp_format(created_at),
        "prev_hash": head.last_hash,
    }
    digest = ledger.entry_hash(entry)
    row = LedgerEntry(
        season_id=season.pk,
        sequence=entry["sequence"],
        kind=entry["kind"],
        created_at=created_at,
        voter_pseudonym=entry["voter"],
        candidate_id=entry["candidate"],
        city_slug=entry["city"],
        channel=entry["channel"],
        vote=vote,
        target_sequence=entry["target_sequence"],
        reason_code=entry["reason_code"],
        reason=entry["reason"],
        prev_hash=entry["prev_hash"],
        entry_hash=digest,
    )
    return row, [
        queries.ledger_entry_insert(row),
        queries.ledger_head_move(season_id=season.pk, sequence=row.sequence, entry_hash=digest, at=created_at),
    ]


def _ledger_append(*, season: Season, fields: dict[str, Any], vote: Vote) -> LedgerEntry:
    """Append one entry to the season's chain. Precondition: called inside the transaction that makes the
    change it records, after every other lock of that transaction (this takes the head lock, which all
    writers of the season queue for; the caller should commit right after)."""
    (locked,) = rawsql.run([queries.ledger_head_lock(season_id=season.pk)])
    head = _ledger_head(rawsql.run, season=season, head=queries.ledger_head_read(locked))
    row, statements = _ledger_entry(season=season, head=head, fields=fields, vote=vote)
    inserted, _moved = rawsql.run(statements)
    rawsql.mark_saved(row, inserted.rows[0][0])
    return row


def _tally_add(*, season_id: int, candidate_id: int, delta: int) -> None:
    """Move a candidate's live count by `delta` (in the caller's transaction; locks the tally row)."""
    (moved,) = rawsql.run([queries.tally_add(season_id=season_id, candidate_id=candidate_id, delta=delta)])
    if not moved.rowcount:  # pragma: no cover - every counted vote went through the tally's row
        raise RuntimeError(f"candidate {candidate_id} has no live count to take a vote from")


# --- casting ------------------------------------------------------------------------------------------------


class _NotTaken(Exception):
    """The voter's counter did not move: at the cap, or no longer registered in the candidate's city."""


def vote_cast(*, voter: SeasonVoter, candidate: Application, channel: str, context: VoteContext | None = None,
              now: dt.datetime | None = None) -> Vote:
    """Cast the voter's vote for the candidate, or raise ApplicationError saying why not.

    `context` is what the channel knows of the request (address, user agent, Telegram account): its keyed
    hashes go into the vote's `VoteSignal`, in the same transaction (docs/integrity.md). `now` is the moment of
    the vote — the window is checked against it and it becomes the vote's `cast_at` and its ledger entry's
    time (never earlier than the entry before it); the default is the clock, the simulator passes its own.

    Refusals (code, HTTP status): candidate_not_published 422, voting_not_open 403, voting_closed 403,
    wrong_city 403, already_voted 409, limit_reached 403 (details: limit).

    Pass `voter` with `season` and `city` loaded (as `voting.auth` does) and `candidate` with `city`. Returns
    the new Vote, with the appended LedgerEntry as `vote.ledger_entry`; `voter.votes_cast` is updated to the
    count after this vote. Precondition: none — the function takes its own locks, in the order the module
    docstring gives, and commits (or joins the caller's transaction as a savepoint).
    """
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    now = now or timezone.now()
    vote_precheck(voter=voter, candidate=candidate, now=now)
    season = voter.season
    limit = season.votes_per_voter
    context = context or VoteContext()
    hashes = (signals.network_hash(context.client_ip), signals.user_agent_hash(context.user_agent),
              signals.telegram_bucket(context.telegram_user_id))
    for attempt in range(RECEIPT_ATTEMPTS):
        receipt = receipt_generate()
        try:
            with rawsql.Transaction(release_locks_before_flush=True) as tx:
                return _vote_write(tx, voter=voter, candidate=candidate, channel=channel, receipt=receipt,
                                   season=season, limit=limit, now=now, hashes=hashes)
        except _NotTaken:
            current = SeasonVoter.objects.select_related("city").get(pk=voter.pk)
            if season.own_city_only and current.city_id != candidate.city_id:
                raise wrong_city_error(current.city, candidate.city) from None
            raise limit_reached_error(limit) from None
        except IntegrityError:
            if Vote.objects.filter(voter_id=voter.pk, candidate_id=candidate.pk).exists():
                raise already_voted_error(candidate) from None
            if attempt + 1 < RECEIPT_ATTEMPTS and Vote.objects.filter(receipt=receipt).exists():
                continue  # a receipt collision: draw another code
            raise
    raise AssertionError("unreachable")  # pragma: no cover


# Durability without holding the ledger head across the disk flush (PostgreSQL).
#
# Every vote of a season locks the season's ledger head, and PostgreSQL releases row locks only once the
# commit is over — with synchronous_commit on, after the commit record has been flushed to disk. The head
# would then be held across one fsync per vote, and the season could take no more votes per second than the
# disk can do fsyncs one after another (docs/PERFORMANCE.md). Instead the vote's transaction commits without
# waiting for the disk (the commit record is written to the WAL, the locks are released), and `vote_cast`
# returns only after a durable commit of its own has flushed the WAL past the vote's commit record
# (`rawsql.Transaction(release_locks_before_flush=True)`). The WAL is one ordered stream, so that flush covers
# the vote; parallel voters' flushes are shared (PostgreSQL's group commit), and the head is held only while
# the entry is written.
#
# What is promised is unchanged: when `vote_cast` returns (a receipt is shown), the vote, its ledger entry and
# the counters are on disk together, and a crash before that loses all of them together. The one difference:
# other sessions may see the vote a few milliseconds before it is on disk, as on a replica; a later entry of
# the chain is always later in the WAL, so a crash can only cut the chain's tail, never fork it.


def _vote_write(tx: rawsql.Transaction, *, voter: SeasonVoter, candidate: Application, channel: str,
                receipt: str, season: Season, limit: int, now: dt.datetime, hashes: tuple[int, int, int]) -> Vote:
    """The writes of one vote, in lock order, in two batches (on PostgreSQL, two round trips: the first
    carries BEGIN, the second COMMIT): the vote row, its detection signals, the voter's counter, the tally and
    the head's lock; then,
    with the head read, the ledger entry and the head's move. Raises `_NotTaken` (the transaction rolls back)
    when the voter's counter cannot move."""
    vote = Vote(
        season_id=season.pk, voter=voter, candidate=candidate, city_id=candidate.city_id, channel=channel,
        cast_at=now, receipt=receipt,
    )
    network, user_agent, telegram_bucket = hashes
    inserted, _signalled, taken, _tallied, locked = tx.run([
        # 1. The vote row: a second vote for the same candidate stops here (unique constraint →
        #    IntegrityError; under PostgreSQL a parallel duplicate waits for the first to commit, then fails).
        queries.vote_insert(vote),
        # 1b. What detection keeps of it (a new row beside the vote's; no lock anyone else waits for).
        queries.vote_signal_insert(receipt=receipt, network=network, user_agent=user_agent,
                                   telegram_bucket=telegram_bucket),
        # 2. The cap: the voter's counter goes up only while below K (this locks the voter's row).
        queries.voter_take_vote(voter_id=voter.pk, limit=limit,
                                city_id=candidate.city_id if season.own_city_only else None),
        # 3. The live count.
        queries.tally_add(season_id=season.pk, candidate_id=candidate.pk, delta=1),
        # 4. The ledger head, last.
        queries.ledger_head_lock(season_id=season.pk),
    ])
    if not taken.rows:
        raise _NotTaken
    rawsql.mark_saved(vote, inserted.rows[0][0])
    votes_cast, identity_phone_hash = taken.rows[0]
    head = _ledger_head(tx.run, season=season, head=queries.ledger_head_read(locked))
    entry, statements = _ledger_entry(
        season=season,
        head=head,
        vote=vote,
        now=now,
        fields={
            "kind": ledger.KIND_VOTE,
            "voter": voter_pseudonym(season_year=season.year, phone_hash=identity_phone_hash),
            "candidate": candidate.pk,
            "city": candidate.city.slug,
            "channel": channel,
            "target_sequence": None,
            "reason_code": None,
            "reason": None,
        },
    )
    entry_inserted, _moved = tx.commit(statements)
    rawsql.mark_saved(entry, entry_inserted.rows[0][0])
    vote.ledger_entry = entry  # type: ignore[attr-defined]
    voter.votes_cast = votes_cast
    return vote



# --- annulment ----------------------------------------------------------------------------------------------


def vote_annul(
    *, actor: AbstractBaseUser | AnonymousUser, vote: Vote, reason: str, reason_code: str = "committee_decision"
) -> VoteAnnulment:
    """Annul a vote: a reasoned, attributed record, an `annulment` ledger entry pointing at the vote's entry,
    the candidate's live count down by one, an audit log entry — all in one transaction. The vote row stays
    as it was. Only organisers or the committee of the vote's city may do it; a vote is annulled once.

    (The committee's review queue that calls this belongs to the results workflow.)
    """
    reason = reason_clean(reason=reason, what_ru="аннулирования голоса", what_en="annulling the vote")
    if not cities_for_user(actor).filter(pk=vote.city_id).exists():
        raise ApplicationError(
            "forbidden_city",
            "Аннулировать голоса может только оргкомитет города, где голос подан, или организаторы премии.",
            "Only the committee of the vote's city or the award's organisers can annul a vote.",
            status=403,
        )
    vote_entry = LedgerEntry.objects.get(vote=vote, kind=ledger.KIND_VOTE)
    season = Season.objects.get(pk=vote.season_id)
    try:
        with transaction.atomic():
            annulment = VoteAnnulment.objects.create(
                season_id=vote.season_id, vote=vote, actor=actor, reason_code=reason_code, reason=reason,
                created_at=timezone.now(),
            )
            audit_record(actor=actor, action="vote_annulled", obj=vote, city=vote.city, reason=reason,
                         details={"reason_code": reason_code, "receipt": vote.receipt})
            _tally_add(season_id=vote.season_id, candidate_id=vote.candidate_id, delta=-1)
            _ledger_append_about(
                season=season, vote=vote, kind=ledger.KIND_ANNULMENT, target=vote_entry,
                reason_code=reason_code, reason=reason,
            )
    except IntegrityError:
        if VoteAnnulment.objects.filter(vote=vote).exists():
            raise ApplicationError(
                "already_annulled", "Этот голос уже аннулирован.", "This vote has already been annulled.",
                status=409,
            ) from None
        raise
    return annulment


def _ledger_append_about(
    *, season: Season, vote: Vote, kind: str, target: LedgerEntry, reason_code: str, reason: str
) -> LedgerEntry:
    """Append an entry about an earlier one (an annulment of a vote, a reversal of an annulment). It repeats the
    voter, candidate and city of `target`, so a recount can check that they match. Preconditions as
    `_ledger_append`."""
    return _ledger_append(
        season=season,
        vote=vote,
        fields={
            "kind": kind,
            "voter": target.voter_pseudonym,
            "candidate": target.candidate_id,
            "city": target.city_slug,
            "channel": None,
            "target_sequence": target.sequence,
            "reason_code": reason_code,
            "reason": reason,
        },
    )


# --- extensions ---------------------------------------------------------------------------------------------


def voting_extension_validate(*, season: Season, city: City, closes_at: dt.datetime, reason: str) -> str:
    """Check an extension before it is made; returns the cleaned reason. Raises ApplicationError."""
    reason = reason_clean(reason=reason, what_ru="продления голосования", what_en="extending the vote")
    if timezone.is_naive(closes_at):
        raise ValueError("closes_at must be timezone-aware")
    if closes_at <= season.voting_close_at:
        raise ApplicationError(
            "extension_not_later",
            f"Новое время окончания должно быть позже окончания голосования в сезоне "
            f"({datetime_in(season.voting_close_at, 'ru')}).",
            f"The new closing time must be later than the season's ({datetime_in(season.voting_close_at, 'en')}).",
            status=422,
        )
    if closes_at > season.results_at:
        raise ApplicationError(
            "extension_after_results",
            f"Голосование должно закончиться до объявления итогов ({datetime_in(season.results_at, 'ru')}).",
            f"Voting must close before the results are announced ({datetime_in(season.results_at, 'en')}).",
            status=422,
        )
    season_city_check(season=season, city=city)
    return reason


def voting_extend(
    *, actor: AbstractBaseUser | AnonymousUser, season: Season, city: City, closes_at: dt.datetime, reason: str
) -> VotingExtension:
    """Organisers extend one city's voting window to `closes_at`, with a reason; audited. The latest extension
    of a city is in force (a later one may also bring an extended close back, never before the season's)."""
    if not user_is_organiser(actor):
        raise ApplicationError(
            "forbidden", "Продлевать голосование могут только организаторы премии.",
            "Only the award's organisers can extend the vote.", status=403,
        )
    reason = voting_extension_validate(season=season, city=city, closes_at=closes_at, reason=reason)
    with transaction.atomic():
        previous = voting_closes_at(season=season, city_id=city.pk)
        extension = VotingExtension.objects.create(
            season=season, city=city, closes_at=closes_at, reason=reason, actor=actor
        )
        audit_record(
            actor=actor, action="voting_extended", obj=extension, city=city, reason=reason,
            details={"season": season.year, "closes_at": closes_at.isoformat(), "previous": previous.isoformat()},
        )
    return extension

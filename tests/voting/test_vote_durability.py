"""A vote is on disk when `vote_cast` returns, although on PostgreSQL its transaction commits without waiting for
the disk (so the season's ledger head is not held across an fsync; see voting/services/ballots.py and
docs/PERFORMANCE.md). PostgreSQL only: SQLite commits as before."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction

from atomgrad.voting.models import LedgerEntry, SeasonVoter, Vote
from atomgrad.voting.services.ballots import vote_cast
from tests.voting.ballot_helpers import election

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's WAL positions"),
]


@pytest.fixture(autouse=True)
def _synchronous_commits() -> Any:
    """The suite's throw-away server runs with synchronous_commit off (nothing there needs to survive a crash);
    this session asks for the production setting, and gives it back afterwards."""
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO on")
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET synchronous_commit")


def _lsn(query: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(query)
        return str(cursor.fetchone()[0])


@pytest.fixture
def wal_records() -> Any:
    """pg_walinspect (contrib, PostgreSQL 15+): the WAL records themselves, to find a transaction's commit."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_walinspect")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP EXTENSION IF EXISTS pg_walinspect")


def _commit_record_between(vote: Vote, start: str, end: str) -> bool:
    """Whether the commit record of the transaction that inserted the vote lies in the WAL between two
    positions (the transaction is the vote row's xmin)."""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT xmin::text FROM "{Vote._meta.db_table}" WHERE id = %s', [vote.pk])  # noqa: S608
        xid = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM pg_get_wal_records_info(%s::pg_lsn, %s::pg_lsn) "
            "WHERE xid::text = %s AND resource_manager = 'Transaction' AND record_type = 'COMMIT'",
            [start, end, xid],
        )
        return bool(cursor.fetchone()[0])


@pytest.mark.usefixtures("wal_records")
def test_a_vote_is_flushed_to_disk_before_vote_cast_returns() -> None:
    """The vote's own transaction commits (not inside another), and its commit record is already in the part
    of the WAL flushed to disk at the moment `vote_cast` returns."""
    ballot = election(k=3, candidates=3)
    voter = SeasonVoter.objects.select_related("season", "city").get(pk=ballot.voter().pk)
    for candidate in ballot.candidates:
        start = _lsn("SELECT pg_current_wal_insert_lsn()")
        vote = vote_cast(voter=voter, candidate=candidate, channel="api")
        flushed = _lsn("SELECT pg_current_wal_flush_lsn()")
        assert _commit_record_between(vote, start, flushed), "vote_cast returned before its commit was on disk"
        assert LedgerEntry.objects.filter(vote=vote).exists()


def test_a_vote_inside_a_callers_transaction_commits_with_it() -> None:
    """Inside a caller's transaction the vote joins it (a savepoint) and the caller's commit is a normal,
    durable one: nothing in `vote_cast` may turn it into a commit that does not wait for the disk."""
    ballot = election(k=3, candidates=1)
    voter = SeasonVoter.objects.select_related("season", "city").get(pk=ballot.voter().pk)
    with transaction.atomic():
        vote_cast(voter=voter, candidate=ballot.candidates[0], channel="api")
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
    assert Vote.objects.filter(voter=voter).count() == 1

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


def _flushed_past(lsn: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_flush_lsn() >= %s::pg_lsn", [lsn])
        return bool(cursor.fetchone()[0])


class CommitWatch:
    """Notes the WAL position right after the vote's transaction commits (an on_commit hook, registered when
    the vote row is inserted), before `vote_cast` goes on to anything else."""

    def __init__(self) -> None:
        self.commit_lsn: str | None = None

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if sql.startswith(f'INSERT INTO "{Vote._meta.db_table}"'):
            transaction.on_commit(self._note)
        return result

    def _note(self) -> None:
        self.commit_lsn = _lsn("SELECT pg_current_wal_insert_lsn()")


def test_a_vote_is_flushed_to_disk_before_vote_cast_returns() -> None:
    ballot = election(k=3, candidates=3)
    voter = SeasonVoter.objects.select_related("season", "city").get(pk=ballot.voter().pk)
    for candidate in ballot.candidates:
        watch = CommitWatch()
        with connection.execute_wrapper(watch):
            vote = vote_cast(voter=voter, candidate=candidate, channel="api")
        assert watch.commit_lsn is not None, "the vote committed on its own, not inside another transaction"
        assert _flushed_past(watch.commit_lsn), "vote_cast returned before its commit was on disk"
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

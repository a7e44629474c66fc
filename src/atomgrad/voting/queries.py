"""The statements every vote runs, written once as SQL (see `core.rawsql` for why and how).

A vote through the API or the bot runs: the voter by their token, the candidate, then in one transaction the
vote row, the voter's counter, the candidate's tally, the ledger head's lock, the ledger entry and the head's
move. Through the ORM these cost more CPU to compile than to run; here each is a fixed string, built once per
database vendor from the models' metadata, with the ORM's conversions on the way in and out.

Nothing here decides anything: `voting.auth`, `voting.selectors` and `voting.services.ballots` call these and
hold the rules (the order of the writes, the locks, the refusals). The two reads run at once and return model
instances. The writes return `Statement`s, which the vote's service sends in batches (`core.rawsql.Transaction`:
on PostgreSQL a batch is one round trip); each says what its result rows are.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.db import connection

from atomgrad.award.models import Application, ApplicationStatus, Season, Sphere
from atomgrad.award.selectors import PUBLIC_CANDIDATE_FIELDS
from atomgrad.cities.models import City
from atomgrad.core.rawsql import (
    Result,
    RowReader,
    Statement,
    column,
    columns,
    cursor,
    db_value,
    epoch_seconds,
    run,
    table,
)
from atomgrad.voting.models import (
    CandidateTally,
    LedgerEntry,
    LedgerHead,
    SeasonVoter,
    Vote,
    VoterIdentity,
    VoterSignal,
    VoterToken,
    VoteSignal,
)

ID_MAX = 2**63 - 1  # the largest id a BigAutoField can hold


def _all_fields(model: type[Any]) -> tuple[str, ...]:
    return tuple(field.attname for field in model._meta.concrete_fields)


# --- reads --------------------------------------------------------------------------------------------------

# Everything of the voter, their season and city: the rules read any of the season's settings, and a deferred
# field would cost a query of its own later.
_VOTER = RowReader(SeasonVoter, _all_fields(SeasonVoter))
_VOTER_RELATED = (("season", RowReader(Season, _all_fields(Season))), ("city", RowReader(City, _all_fields(City))))

# The candidate as the vote and its pages need it: public fields only (the same as the public selectors).
_CANDIDATE = RowReader(Application, (*PUBLIC_CANDIDATE_FIELDS, "status"))
_CANDIDATE_RELATED = (
    ("city", RowReader(City, ("id", "slug", "name_ru", "name_en"))),
    ("sphere", RowReader(Sphere, ("id", "slug", "name_ru", "name_en"))),
    ("season", RowReader(Season, ("id", "year", "title", "voting_open_at", "voting_close_at"))),
)

_LEDGER_HEAD = RowReader(LedgerHead, _all_fields(LedgerHead))

Related = tuple[tuple[str, RowReader], ...]


def _select_joined(main: RowReader, related: Related) -> str:
    """`SELECT <main's columns>, <each related model's columns> FROM <main> JOIN <each related> ON its id`: what
    select_related would build, for `_read_joined` to read back."""
    select = ", ".join(columns(reader.model, reader.attnames) for reader in (main, *(r for _n, r in related)))
    joins = " ".join(f"JOIN {table(reader.model)} ON {column(reader.model, 'id')} = {column(main.model, name + '_id')}"
                     for name, reader in related)
    return f"SELECT {select} FROM {table(main.model)} {joins}"  # noqa: S608 - identifiers from _meta


def _read_joined(row: Any, main: RowReader, related: Related) -> Any:
    """The main instance from a `_select_joined` row, each related one cached on it as select_related does
    (reading it costs no query)."""
    instance = main.read(row)
    offset = len(main)
    for name, reader in related:
        instance._meta.get_field(name).set_cached_value(instance, reader.read(row, offset))
        offset += len(reader)
    return instance


@functools.cache
def _voter_by_token_sql(vendor: str) -> str:
    # From the voter (for `_select_joined`), joined to the token that names it.
    return (
        f"{_select_joined(_VOTER, _VOTER_RELATED)} "
        f"JOIN {table(VoterToken)} ON {column(VoterToken, 'voter_id')} = {column(SeasonVoter, 'id')} "
        f"WHERE {column(VoterToken, 'token_hash')} = %s AND {column(VoterToken, 'expires_at')} > %s"
    )


def voter_by_token(*, token_hash: str, now: dt.datetime) -> SeasonVoter | None:
    """The voter an unexpired token was issued to, with `season` and `city` loaded; None if there is none."""
    with cursor() as sql:
        sql.execute(_voter_by_token_sql(connection.vendor),
                    [token_hash, db_value(VoterToken, "expires_at", now)])
        row = sql.fetchone()
    return None if row is None else _read_joined(row, _VOTER, _VOTER_RELATED)  # type: ignore[no-any-return]


@functools.cache
def _voter_by_telegram_user_sql(vendor: str) -> str:
    # The latest season (by year, as `award.selectors.season_current`), the voter the account is linked to.
    latest_season = f"SELECT {column(Season, 'id')} FROM {table(Season)} ORDER BY {column(Season, 'year')} DESC"  # noqa: S608
    return (
        f"{_select_joined(_VOTER, _VOTER_RELATED)} "
        f"JOIN {table(VoterIdentity)} ON {column(VoterIdentity, 'id')} = {column(SeasonVoter, 'identity_id')} "
        f"WHERE {column(VoterIdentity, 'telegram_user_id')} = %s "
        f"AND {column(SeasonVoter, 'season_id')} = ({latest_season} LIMIT 1)"
    )


def voter_by_telegram_user(*, telegram_user_id: int) -> SeasonVoter | None:
    """The voter of the latest season whose identity is linked to this Telegram account, with `season` and
    `city` loaded; None if the account has no voter in that season. One statement: the bot runs it on every
    card and vote, as the API runs `voter_by_token`."""
    if not 0 < telegram_user_id <= ID_MAX:
        return None
    with cursor() as sql:
        sql.execute(_voter_by_telegram_user_sql(connection.vendor), [telegram_user_id])
        row = sql.fetchone()
    return None if row is None else _read_joined(row, _VOTER, _VOTER_RELATED)  # type: ignore[no-any-return]


@functools.cache
def _candidate_sql(vendor: str) -> str:
    return (f"{_select_joined(_CANDIDATE, _CANDIDATE_RELATED)} "
            f"WHERE {column(Application, 'id')} = %s AND {column(Application, 'status')} = %s")


def published_candidate(*, candidate_id: int) -> Application | None:
    """An accepted candidate with `city`, `sphere` and `season` loaded (public fields only, the rest
    deferred); None if there is no such accepted candidate."""
    if not 0 < candidate_id <= ID_MAX:  # no such row, and SQLite cannot even take the number as a parameter
        return None
    with cursor() as sql:
        sql.execute(_candidate_sql(connection.vendor), [candidate_id, ApplicationStatus.ACCEPTED.value])
        row = sql.fetchone()
    return None if row is None else _read_joined(row, _CANDIDATE, _CANDIDATE_RELATED)  # type: ignore[no-any-return]


# --- the writes of a vote (statements for the caller's transaction) ----------------------------------------

_VOTE_COLUMNS = ("season_id", "voter_id", "candidate_id", "city_id", "channel", "cast_at", "receipt")
_ENTRY_COLUMNS = ("season_id", "sequence", "kind", "created_at", "voter_pseudonym", "candidate_id", "city_slug",
                  "channel", "vote_id", "target_sequence", "reason_code", "reason", "prev_hash", "entry_hash")


def _insert_sql(model: type[Any], attnames: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(name).column) for name in attnames)
    placeholders = ", ".join(["%s"] * len(attnames))
    return (f"INSERT INTO {table(model)} ({names}) VALUES ({placeholders}) "  # noqa: S608
            f"RETURNING {quote(model._meta.pk.column)}")


def _values(instance: Any, attnames: tuple[str, ...]) -> list[Any]:
    return [db_value(type(instance), name, getattr(instance, name)) for name in attnames]


@functools.cache
def _vote_insert_sql(vendor: str) -> str:
    return _insert_sql(Vote, _VOTE_COLUMNS)


def vote_insert(vote: Vote) -> Statement:
    """Insert the (unsaved) vote. Rows: [(id,)]. The unique constraints (one vote per voter and candidate;
    the receipt) raise IntegrityError."""
    return Statement(_vote_insert_sql(connection.vendor), _values(vote, _VOTE_COLUMNS))


def _seconds_between(vendor: str, start: str, end: str) -> str:
    """SQL for the seconds from the timestamp `start` to `end` (NULL if either is)."""
    return f"({epoch_seconds(end, vendor)} - {epoch_seconds(start, vendor)})"


@functools.cache
def _vote_signal_insert_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    names = ", ".join(quote(VoteSignal._meta.get_field(name).column) for name in (
        "vote", "season", "network", "user_agent", "telegram_bucket", "code_to_verify", "verify_to_vote"))
    code_to_verify = _seconds_between(vendor, column(VoterSignal, "code_requested_at", alias="s"),
                                      column(VoterSignal, "verified_at", alias="s"))
    verify_to_vote = _seconds_between(vendor, column(VoterSignal, "verified_at", alias="s"),
                                      column(Vote, "cast_at", alias="v"))
    return (
        f"INSERT INTO {table(VoteSignal)} ({names}) "  # noqa: S608 - identifiers from _meta
        f"SELECT {column(Vote, 'id', alias='v')}, {column(Vote, 'season_id', alias='v')}, %s, %s, %s, "
        f"{code_to_verify}, {verify_to_vote} "
        f"FROM {table(Vote)} {quote('v')} LEFT JOIN {table(VoterSignal)} {quote('s')} "
        f"ON {column(VoterSignal, 'voter_id', alias='s')} = {column(Vote, 'voter_id', alias='v')} "
        f"WHERE {column(Vote, 'receipt', alias='v')} = %s"
    )


def vote_signal_insert(*, receipt: str, network: int, user_agent: int, telegram_bucket: int) -> Statement:
    """Insert the detection signals of the vote just inserted (found by its receipt, in the same transaction):
    the request's hashes, and the seconds from the voter's last code request to verification and from
    verification to the vote, from the voter's `VoterSignal` (NULL when the voter has none). No rows."""
    return Statement(_vote_signal_insert_sql(connection.vendor), [network, user_agent, telegram_bucket, receipt])


@functools.cache
def _voter_take_vote_sql(vendor: str, *, with_city: bool) -> str:
    voter_table, identity_table = table(SeasonVoter), table(VoterIdentity)
    votes_cast = connection.ops.quote_name(SeasonVoter._meta.get_field("votes_cast").column)
    city_condition = f"AND {column(SeasonVoter, 'city_id')} = %s " if with_city else ""
    return (
        f"UPDATE {voter_table} SET {votes_cast} = {votes_cast} + 1 "  # noqa: S608 - identifiers from _meta
        f"WHERE {column(SeasonVoter, 'id')} = %s AND {votes_cast} < %s {city_condition}"
        f"RETURNING {votes_cast}, (SELECT {column(VoterIdentity, 'phone_hash')} FROM {identity_table} "
        f"WHERE {column(VoterIdentity, 'id')} = {column(SeasonVoter, 'identity_id')})"
    )


def voter_take_vote(*, voter_id: int, limit: int, city_id: int | None) -> Statement:
    """Add one to the voter's `votes_cast` if it is below `limit` (and, with `city_id`, the voter is still
    registered in that city); this locks the voter's row until commit. Rows: [(votes cast now, the identity's
    phone hash)], or none when the row did not qualify. RETURNING (PostgreSQL; SQLite 3.35+) saves a query
    for each."""
    params = [voter_id, limit] if city_id is None else [voter_id, limit, city_id]
    return Statement(_voter_take_vote_sql(connection.vendor, with_city=city_id is not None), params)


@functools.cache
def _tally_add_sql(vendor: str, *, upsert: bool) -> str:
    tally = table(CandidateTally)
    votes = connection.ops.quote_name(CandidateTally._meta.get_field("votes").column)
    if not upsert:
        return (f"UPDATE {tally} SET {votes} = {votes} + %s "  # noqa: S608
                f"WHERE {column(CandidateTally, 'candidate_id')} = %s")
    candidate = connection.ops.quote_name(CandidateTally._meta.get_field("candidate").column)
    return (_insert_sql(CandidateTally, ("season_id", "candidate_id", "votes")).partition(" RETURNING ")[0]
            + f" ON CONFLICT ({candidate}) DO UPDATE SET {votes} = {tally}.{votes} + excluded.{votes}")


def tally_add(*, season_id: int, candidate_id: int, delta: int) -> Statement:
    """Move the candidate's live count by `delta` (locks its row until commit). A vote creates the row at the
    candidate's first vote (an upsert: PostgreSQL; SQLite 3.24+); taking a vote away only updates it. No rows;
    the rowcount is 0 if there was no row to take a vote from."""
    if delta > 0:
        return Statement(_tally_add_sql(connection.vendor, upsert=True), [season_id, candidate_id, delta])
    return Statement(_tally_add_sql(connection.vendor, upsert=False), [delta, candidate_id])


@functools.cache
def _ledger_head_create_sql(vendor: str) -> str:
    return _insert_sql(LedgerHead, _LEDGER_HEAD.attnames).partition(" RETURNING ")[0] + " ON CONFLICT DO NOTHING"


def ledger_head_create(*, season_id: int) -> Statement:
    """The head of a season's first entry (the model's defaults: sequence 0, the genesis hash), unless a
    parallel transaction made it first. No rows."""
    return Statement(_ledger_head_create_sql(connection.vendor),
                     _values(LedgerHead(season_id=season_id), _LEDGER_HEAD.attnames))


@functools.cache
def _ledger_head_lock_sql(vendor: str, *, for_update: bool) -> str:
    return (f"SELECT {columns(LedgerHead, _LEDGER_HEAD.attnames)} FROM {table(LedgerHead)} "  # noqa: S608
            f"WHERE {column(LedgerHead, 'season_id')} = %s" + (" FOR UPDATE" if for_update else ""))


def ledger_head_lock(*, season_id: int) -> Statement:
    """The season's ledger head, locked until commit (SELECT … FOR UPDATE; SQLite's IMMEDIATE transactions
    hold the database's write lock already). Read its result with `ledger_head_read`."""
    for_update = connection.features.has_select_for_update
    return Statement(_ledger_head_lock_sql(connection.vendor, for_update=for_update), [season_id])


def ledger_head_read(result: Result) -> LedgerHead | None:
    """The head from `ledger_head_lock`'s result; None if the season has no head yet."""
    row = result.first()
    return None if row is None else _LEDGER_HEAD.read(row)  # type: ignore[return-value]


@functools.cache
def _ledger_entry_insert_sql(vendor: str) -> str:
    return _insert_sql(LedgerEntry, _ENTRY_COLUMNS)


def ledger_entry_insert(entry: LedgerEntry) -> Statement:
    """Insert the (unsaved) entry. Rows: [(id,)]. The chain's unique constraints raise IntegrityError."""
    return Statement(_ledger_entry_insert_sql(connection.vendor), _values(entry, _ENTRY_COLUMNS))


@functools.cache
def _ledger_head_move_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(LedgerHead._meta.get_field(name).column)} = %s"
                            for name in ("last_sequence", "last_hash", "updated_at"))
    return (f"UPDATE {table(LedgerHead)} SET {assignments} "  # noqa: S608
            f"WHERE {column(LedgerHead, 'season_id')} = %s")


def ledger_head_move(*, season_id: int, sequence: int, entry_hash: str, at: dt.datetime) -> Statement:
    """Point the season's (locked) head at the entry just inserted. No rows."""
    return Statement(_ledger_head_move_sql(connection.vendor),
                     [sequence, entry_hash, db_value(LedgerHead, "updated_at", at), season_id])


# --- a vote's two reads in one round trip (the API by token, the bot by Telegram account) --------------------


def voter_by_token_and_candidate(*, token_hash: str, now: dt.datetime,
                                 candidate_id: int | None) -> tuple[SeasonVoter | None, Application | None]:
    """`voter_by_token` and `published_candidate` sent together (on PostgreSQL one round trip, `rawsql.run`):
    what the API's vote reads before anything else. Each result is what its own function would return; the
    candidate is None, and not asked for, when `candidate_id` is None."""
    vendor = connection.vendor
    voter = Statement(_voter_by_token_sql(vendor), [token_hash, db_value(VoterToken, "expires_at", now)])
    return _voter_and_candidate(voter, candidate_id)


def voter_by_telegram_user_and_candidate(*, telegram_user_id: int, candidate_id: int,
                                         ) -> tuple[SeasonVoter | None, Application | None]:
    """`voter_by_telegram_user` and `published_candidate` sent together: what the bot's vote reads first."""
    if not 0 < telegram_user_id <= ID_MAX:
        return None, published_candidate(candidate_id=candidate_id)
    voter = Statement(_voter_by_telegram_user_sql(connection.vendor), [telegram_user_id])
    return _voter_and_candidate(voter, candidate_id)


def _voter_and_candidate(voter_statement: Statement,
                         candidate_id: int | None) -> tuple[SeasonVoter | None, Application | None]:
    asks_candidate = candidate_id is not None and 0 < candidate_id <= ID_MAX
    statements = [voter_statement]
    if asks_candidate:
        statements.append(Statement(_candidate_sql(connection.vendor),
                                    [candidate_id, ApplicationStatus.ACCEPTED.value]))
    results = run(statements)
    voter_row = results[0].first()
    candidate_row = results[1].first() if asks_candidate else None
    voter = None if voter_row is None else _read_joined(voter_row, _VOTER, _VOTER_RELATED)
    candidate = None if candidate_row is None else _read_joined(candidate_row, _CANDIDATE, _CANDIDATE_RELATED)
    return voter, candidate

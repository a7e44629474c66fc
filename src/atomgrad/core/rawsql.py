"""Hand-written SQL for the few statements that run on every request of a hot path, with the ORM's own
conversions.

Compiling an ORM query costs this project's machines about as much CPU as the database spends running it
(docs/PERFORMANCE.md: a vote's dozen statements were most of its cost). For the statements a vote runs every
time, `voting.queries` writes the SQL once and uses these helpers so that nothing else changes:

- `columns` lists a model's columns from its metadata (no column name is written by hand);
- `RowReader` turns the columns of a result row back into a model instance with the same converters the ORM
  applies (so SQLite's text timestamps become aware datetimes, as they do through the ORM), and an instance
  read with some fields only has the others deferred, as with `.only()`;
- `db_value` adapts a Python value for a column as the ORM would when saving it;
- `cursor` is the connection's cursor — on PostgreSQL one that binds parameters on the server, so that
  psycopg prepares a statement it has seen a few times and the server stops planning it again;
- `run` sends several statements at once: on PostgreSQL in one round trip (psycopg's pipeline mode — the
  server still runs them one after another, in order, and stops at the first error);
- `Transaction` is a write transaction built from such batches: on PostgreSQL, when it is not inside a
  caller's transaction, BEGIN travels with its first batch and COMMIT with its last, so a transaction of two
  batches costs two round trips and holds its locks for little more than one.

These helpers carry no rules: the services that call `voting.queries` decide what to read and write.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models import Field, Model

Converter = Callable[[Any, Any, Any], Any]


def _db() -> BaseDatabaseWrapper:
    """This thread's default connection itself. `django.db.connection` is a proxy that looks the connection up
    again (through a thread-local) on every attribute: dozens of times per vote on these paths, a few per cent
    of a vote's CPU (docs/PERFORMANCE.md). The functions below look it up once per call."""
    return connections[DEFAULT_DB_ALIAS]


def column(model: type[Model], attname: str, *, alias: str | None = None) -> str:
    """`"alias"."column"` of one field (by attname, e.g. `city_id`)."""
    quote = connection.ops.quote_name
    field = _field(model, attname)
    return f"{quote(alias or model._meta.db_table)}.{quote(field.column)}"


def columns(model: type[Model], attnames: Sequence[str], *, alias: str | None = None) -> str:
    """The select list `"alias"."col1", "alias"."col2", …` of these fields, in this order."""
    return ", ".join(column(model, name, alias=alias) for name in attnames)


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def db_value(model: type[Model], attname: str, value: Any) -> Any:
    """`value` as the ORM would send it to the database for this field (e.g. a datetime as text on SQLite)."""
    return _field(model, attname).get_db_prep_save(value, _db())


class RowReader:
    """Reads `attnames` of `model` from consecutive columns of a row into an instance (`Model.from_db`, as the
    ORM does: the instance is not `adding`, its other fields are deferred). The columns come in the model's
    field order, which `self.attnames` gives (select them with `columns(model, reader.attnames)`). Converters
    are looked up once per database vendor."""

    def __init__(self, model: type[Model], attnames: Sequence[str]) -> None:
        self.model = model
        unknown = set(attnames) - {field.attname for field in model._meta.concrete_fields}
        if unknown:
            raise LookupError(f"{model.__name__} has no concrete field(s) {sorted(unknown)}")
        # In the model's field order: `Model.from_db` fills deferred fields by walking the fields in that order.
        self.attnames = tuple(field.attname for field in model._meta.concrete_fields if field.attname in attnames)
        self.fields = tuple(_field(model, name) for name in self.attnames)
        self.expressions = tuple(field.get_col(model._meta.db_table) for field in self.fields)
        self._converters: dict[str, tuple[tuple[Converter, ...], ...]] = {}

    def __len__(self) -> int:
        return len(self.attnames)

    def read(self, row: Sequence[Any], start: int = 0) -> Model:
        db = _db()
        converters = self._converters.get(db.vendor)
        if converters is None:
            # The same two lists SQLCompiler.get_converters joins: the backend's, then the field's own.
            converters = self._converters[db.vendor] = tuple(
                tuple(db.ops.get_db_converters(expression)) + tuple(expression.get_db_converters(db))
                for expression in self.expressions
            )
        values = []
        for index, (expression, field_converters) in enumerate(zip(self.expressions, converters, strict=True)):
            value = row[start + index]
            for convert in field_converters:
                value = convert(value, expression, db)
            values.append(value)
        return self.model.from_db(db.alias, self.attnames, values)


def mark_saved(instance: Model, pk: Any) -> None:
    """After a hand-written INSERT: the instance has its id and counts as loaded from the database."""
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = DEFAULT_DB_ALIAS


def cursor() -> CursorWrapper:
    """A cursor of the default connection. On PostgreSQL it binds parameters on the server (psycopg's
    `Cursor`, not Django's default client-side `ClientCursor`), so psycopg prepares a statement after it has
    run a few times on the connection (`prepare_threshold` in settings.py; `DB_PREPARED_STATEMENTS=0` turns it
    off) and PostgreSQL parses and plans it once. Queries are still logged and counted like any other (Django's
    cursor wrapper)."""
    db = _db()
    if db.vendor != "postgresql":
        return db.cursor()
    import psycopg

    db.ensure_connection()
    # `_prepare_cursor` is how Django wraps every cursor it makes (thread check, query logging in DEBUG and in
    # tests' CaptureQueriesContext); it has been stable since Django 1.x.
    return db._prepare_cursor(psycopg.Cursor(db.connection))  # type: ignore[no-any-return]


def epoch_seconds(expression: str, vendor: str | None = None) -> str:
    """SQL for a timestamp column's UNIX seconds as a float, to the microsecond (NULL stays NULL). On SQLite
    Django stores 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC: whole seconds from strftime, the fraction from the
    text (julianday would round to milliseconds). The SQL holds `%%`: run it with parameters (a list, even an
    empty one), so that the driver's placeholder syntax turns it back into `%`."""
    vendor = vendor or connection.vendor
    if vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM {expression})::double precision"
    if vendor == "sqlite":
        # strftime is given the whole seconds only: it rounds to milliseconds, which can carry into the next second
        return (f"(CAST(strftime('%%s', substr({expression}, 1, 19)) AS REAL) "
                f"+ CAST(substr({expression}, 20) AS REAL))")
    raise NotImplementedError(f"no epoch seconds for {vendor}")


@functools.cache
def _field(model: type[Model], attname: str) -> Field[Any, Any]:
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return field
    raise LookupError(f"{model.__name__} has no concrete field {attname!r}")


# --- batches of statements ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    sql: str
    params: Sequence[Any] = ()


@dataclass(frozen=True)
class Result:
    rows: list[tuple[Any, ...]]
    rowcount: int

    def first(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None


def run(statements: Sequence[Statement]) -> list[Result]:
    """Run the statements in order in the caller's transaction and return their results. The first error is
    raised (as Django's IntegrityError etc.) and the statements after it do not run. On PostgreSQL they are
    sent together and answered together: one round trip. (Outside a transaction PostgreSQL would run the batch
    as one implicit transaction and SQLite each statement in its own: call it inside one, or use
    `Transaction`.)"""
    if connection.vendor != "postgresql":
        with connection.cursor() as sql:
            return [_run_one(sql, statement) for statement in statements]
    (cursors,) = _pipelined(statements)
    return _results(cursors)


class Transaction:
    """A write transaction whose statements go in batches: `run(statements)` for the batches whose results
    the next ones depend on, `commit(statements)` for the last one. Use as a context manager; leaving it
    without `commit` (or by an exception) rolls back.

    On PostgreSQL, outside a caller's transaction, it is BEGIN … COMMIT sent by hand on Django's connection
    (which stays in autocommit, as Django leaves it between requests): BEGIN goes in the same round trip as
    the first batch and COMMIT in the same round trip as the last. Elsewhere — SQLite, or inside a caller's
    `transaction.atomic()` — it is `transaction.atomic()` and the batches go through `run`.

    `release_locks_before_flush` (PostgreSQL, own transaction only) commits without waiting for the disk
    (SET LOCAL synchronous_commit TO OFF), so the transaction's row locks are released as soon as its commit
    record is written, and then — in the same round trip — runs a one-statement transaction that must be
    flushed at commit (a transactional logical-decoding message, visible to nobody). The WAL is one ordered
    stream, so when `commit` returns, this transaction is on disk as surely as with a synchronous commit; only
    its locks were not held across the flush. (docs/PERFORMANCE.md; tests/voting/test_vote_durability.py.)
    """

    def __init__(self, *, release_locks_before_flush: bool = False) -> None:
        self.release_locks_before_flush = release_locks_before_flush
        self.pipelined = False
        self._atomic: Any = None
        self._pending: list[Statement] = []
        self._committed = False

    def __enter__(self) -> Transaction:
        self.pipelined = connection.vendor == "postgresql" and not connection.in_atomic_block
        if self.pipelined:
            connection.ensure_connection()
            if not connection.get_autocommit():
                raise RuntimeError("Transaction needs the connection in autocommit outside atomic blocks")
            self._pending = [Statement("BEGIN")]
            if self.release_locks_before_flush:
                self._pending.append(Statement("SET LOCAL synchronous_commit TO OFF"))
        else:
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
        return self

    def run(self, statements: Sequence[Statement]) -> list[Result]:
        if self._committed:
            raise RuntimeError("the transaction is already committed")
        if not self.pipelined:
            return run(statements)
        opening, self._pending = self._pending, []
        _opened, cursors = _pipelined(opening, statements)
        return _results(cursors)

    def commit(self, statements: Sequence[Statement] = ()) -> list[Result]:
        """Run the last statements and commit, in one round trip on PostgreSQL."""
        if not self.pipelined:
            results = run(statements)
            self._committed = True
            return results
        closing = [Statement("COMMIT")]
        if self.release_locks_before_flush:
            closing.append(Statement("SELECT pg_logical_emit_message(true, 'atomgrad.flush', '')"))
        opening, self._pending = self._pending, []
        _opened, cursors, _closed = _pipelined(opening, statements, closing)
        self._committed = True
        return _results(cursors)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if not self.pipelined:
            if exc is None and not self._committed:
                exc = RuntimeError("Transaction left without commit()")
                self._atomic.__exit__(type(exc), exc, None)  # roll back
                raise exc
            self._atomic.__exit__(exc_type, exc, traceback)
            return
        if not self._committed:
            # An error, a refusal raised by the caller, or no commit(): end the transaction block (a no-op when
            # BEGIN was never sent). Errors here must not hide the one being raised.
            try:
                with connection.wrap_database_errors:
                    connection.connection.rollback()
            except Exception:  # noqa: BLE001, S110 - the connection is reset by Django if it is unusable
                pass
            if exc is None:
                raise RuntimeError("Transaction left without commit()")


def _pipelined(*groups: Sequence[Statement]) -> list[list[CursorWrapper]]:
    """Send the groups' statements on Django's PostgreSQL connection in psycopg's pipeline mode and wait for
    every answer: one round trip. Returns each group's cursors, holding their results. The first error is
    raised as Django's (IntegrityError, …), once the connection has left pipeline mode."""
    import psycopg

    db = _db()
    db.ensure_connection()
    pg = db.connection
    pipeline = pg.pipeline()
    pipeline.__enter__()
    in_pipeline = True
    try:
        with db.wrap_database_errors:
            sent = []
            for group in groups:
                cursors = []
                for statement in group:
                    sql = db._prepare_cursor(psycopg.Cursor(pg))
                    sql.execute(statement.sql, statement.params or None)
                    cursors.append(sql)
                sent.append(cursors)
            in_pipeline = False
            pipeline.__exit__(None, None, None)  # sends a Sync, waits for every answer, leaves pipeline mode
        return sent
    finally:
        if in_pipeline:  # a statement failed while the next ones were being sent; the statements after it
            with contextlib.suppress(psycopg.Error):  # answer "aborted", and the first error is being raised
                pipeline.__exit__(None, None, None)


def _result(sql: CursorWrapper) -> Result:
    return Result(sql.fetchall() if sql.description else [], sql.rowcount)


def _results(cursors: Sequence[CursorWrapper]) -> list[Result]:
    """The results of psycopg cursors. Whether a statement returned rows is read from the result's status, not
    from `description`, which psycopg builds anew, one object per column, on every access (the voter's
    row has some forty columns: about a tenth of a vote's CPU in the profile, docs/PERFORMANCE.md)."""
    from psycopg.pq import ExecStatus

    results = []
    for sql in cursors:
        pgresult = sql.cursor.pgresult
        rows = sql.fetchall() if pgresult is not None and pgresult.status == ExecStatus.TUPLES_OK else []
        results.append(Result(rows, sql.rowcount))
    return results


def _run_one(sql: CursorWrapper, statement: Statement) -> Result:
    sql.execute(statement.sql, statement.params or None)
    return _result(sql)

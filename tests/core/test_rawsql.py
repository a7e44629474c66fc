"""core.rawsql: hand-written statements with the ORM's conversions, batches, and the write transaction the vote
uses (on PostgreSQL, BEGIN and COMMIT sent by hand in pipeline mode). Run on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from atomgrad.award.models import Season
from atomgrad.cities.models import City
from atomgrad.core import rawsql
from atomgrad.core.rawsql import RowReader, Statement, column, columns, table
from tests.factories import CityFactory, SeasonFactory

pytestmark = pytest.mark.django_db(transaction=True)

CITY_FIELDS = ("id", "slug", "name_ru", "name_en", "region_ru", "region_en", "is_closed", "population")


def city_insert(slug: str) -> Statement:
    names = ", ".join(connection.ops.quote_name(City._meta.get_field(name).column) for name in CITY_FIELDS[1:])
    return Statement(
        f"INSERT INTO {table(City)} ({names}) VALUES (%s, %s, %s, %s, %s, %s, %s) "  # noqa: S608
        f"RETURNING {column(City, 'id')}",
        [slug, "Город", "Town", "Область", "Oblast", False, 1000],
    )


def slugs() -> list[str]:
    return sorted(City.objects.values_list("slug", flat=True))


def test_a_row_reader_gives_what_the_orm_gives_with_aware_datetimes_and_the_other_fields_deferred() -> None:
    season = SeasonFactory()
    whole = RowReader(Season, [field.attname for field in Season._meta.concrete_fields])
    some = RowReader(Season, ["voting_close_at", "id", "year"])  # any order in, the model's order out
    assert some.attnames == ("id", "year", "voting_close_at")
    with rawsql.cursor() as sql:
        sql.execute(f"SELECT {columns(Season, whole.attnames)}, {columns(Season, some.attnames)} "  # noqa: S608
                    f"FROM {table(Season)} WHERE {column(Season, 'id')} = %s", [season.pk])
        row = sql.fetchone()

    read = whole.read(row)
    loaded = Season.objects.get(pk=season.pk)
    for field in Season._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(loaded, field.attname), field.attname
    assert read.voting_open_at.tzinfo is not None and read.own_city_only is True
    assert not read._state.adding and read._state.db == connection.alias

    partial = some.read(row, len(whole))
    assert partial.voting_close_at == loaded.voting_close_at
    assert {"title", "votes_per_voter"} <= partial.get_deferred_fields()


def test_a_reader_refuses_a_field_the_model_does_not_have() -> None:
    with pytest.raises(LookupError):
        RowReader(City, ["slug", "mayor"])


def test_run_runs_in_order_and_stops_at_the_first_error_which_is_djangos() -> None:
    CityFactory(slug="taken")
    first, second = rawsql.run([city_insert("alpha"), city_insert("beta")])
    assert first.rows[0][0] < second.rows[0][0] and first.rowcount == 1

    with pytest.raises(IntegrityError), transaction.atomic():
        rawsql.run([city_insert("gamma"), city_insert("taken"), city_insert("delta")])

    assert slugs() == ["alpha", "beta", "taken"]
    assert City.objects.filter(slug="alpha").exists()  # the connection is usable afterwards


def test_a_transaction_commits_its_batches_together() -> None:
    with rawsql.Transaction(release_locks_before_flush=True) as tx:
        (inserted,) = tx.run([city_insert("one")])
        results = tx.commit([city_insert("two")])
    assert inserted.rows and results[0].rows
    assert slugs() == ["one", "two"]
    assert connection.get_autocommit() and not connection.in_atomic_block


@pytest.mark.parametrize("failure", ["integrity", "python", "no_commit"])
def test_a_transaction_that_fails_leaves_nothing_and_a_usable_connection(failure: str) -> None:
    CityFactory(slug="taken")
    expected = {"integrity": IntegrityError, "python": ZeroDivisionError, "no_commit": RuntimeError}[failure]
    with pytest.raises(expected), rawsql.Transaction() as tx:
        tx.run([city_insert("first-batch")])
        if failure == "integrity":
            tx.commit([city_insert("second-batch"), city_insert("taken")])
        elif failure == "python":
            1 / 0  # noqa: B018 - an error between the batches
    assert slugs() == ["taken"]
    assert connection.get_autocommit() and not connection.in_atomic_block
    CityFactory(slug="after")  # the connection takes ordinary ORM writes again
    assert slugs() == ["after", "taken"]


def test_inside_a_callers_transaction_it_joins_it_and_rolls_back_with_it() -> None:
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        with rawsql.Transaction(release_locks_before_flush=True) as tx:
            assert not tx.pipelined
            tx.commit([city_insert("inner")])
        assert slugs() == ["inner"]
        1 / 0  # noqa: B018 - the caller fails after the inner commit
    assert slugs() == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's prepared statements")
def test_on_postgresql_a_statement_run_often_is_prepared_once() -> None:
    lookup = f"SELECT {column(City, 'slug')} FROM {table(City)} WHERE {column(City, 'id')} = %s"  # noqa: S608
    city = CityFactory()
    for _ in range(8):
        (result,) = rawsql.run([Statement(lookup, [city.pk])])
        assert result.rows == [(city.slug,)]
    with connection.cursor() as sql:
        sql.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                    [f"%FROM {table(City)}%"])
        assert sql.fetchone()[0] == 1

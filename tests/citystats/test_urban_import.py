"""Importing Минстрой's urban-environment index: round trip, every refusal (nothing saved), audited replacement,
the command and the organisers' upload."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from atomgrad.citystats.models import IndexYear, UrbanScore
from atomgrad.citystats.services.opendata import year_table_csv, year_table_xlsx
from atomgrad.citystats.services.urban_import import urban_export_rows, urban_import
from atomgrad.citystats.tabular import table_read
from atomgrad.core.errors import ApplicationError
from atomgrad.core.models import AuditLogEntry
from tests.citystats.helpers import HEADER, csv_bytes, urban_row, xlsx_bytes
from tests.factories import CityFactory, UserFactory, make_organiser


@pytest.fixture
def cities():
    return {
        "alpha": CityFactory(slug="alpha", name_ru="Альфа"),
        "beta": CityFactory(slug="beta", name_ru="Бета"),
        "gamma": CityFactory(slug="gamma", name_ru="Гамма-Ёлкино"),
    }


def _snapshot():
    return (list(UrbanScore.objects.order_by("pk").values_list("city__slug", "year", "values", "total")),
            list(IndexYear.objects.values_list("kind", "year", "file_sha256")), AuditLogEntry.objects.count())


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_then_export_round_trips(cities, fmt):
    rows = [HEADER, urban_row("Альфа", "5", i1="10", i2="0", i3="7.25"), urban_row("beta", "6.5"),
            urban_row("гамма-елкино", "3,5")]
    content = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)
    result = urban_import(content=content, year=2024, actor=None, file_name=f"f.{fmt}")
    assert result.cities == 3 and not result.replaced
    alpha = UrbanScore.objects.get(city__slug="alpha", year=2024)
    assert alpha.values[:4] == ["10", "0", "7.25", "5"]
    assert alpha.total == Decimal("10") + Decimal("0") + Decimal("7.25") + 33 * Decimal("5")
    assert UrbanScore.objects.get(city__slug="gamma").total == Decimal("126.00")  # 36 × 3.5

    exported = urban_export_rows(year=2024)
    assert exported[0] == HEADER
    assert [row[0] for row in exported[1:]] == ["Альфа", "Бета", "Гамма-Ёлкино"]
    before = _snapshot()[0]
    # the export, as a file in either format, imports back to the same values
    for content in (year_table_csv(year=2024, name="urban-index").encode(),
                    year_table_xlsx(year=2024, name="urban-index")):
        again = urban_import(content=content, year=2024, actor=None, file_name="export")
        assert again.replaced and again.changed == {} and again.added == [] and again.removed == []
        assert _snapshot()[0] == before
    assert table_read(content=year_table_csv(year=2024, name="urban-index").encode())[1] == [
        "Альфа", "10", "0", "7.25", *(["5"] * 33)]


BAD_FILES = {
    "unknown city": ([HEADER, urban_row("Атлантида")], [(2, "A", "city_unknown")]),
    "empty city": ([HEADER, urban_row("")], [(2, "A", "city_missing")]),
    "value above 10": ([HEADER, urban_row("alpha", i5="10.5")], [(2, "F", "value_out_of_range")]),
    "negative value": ([HEADER, urban_row("alpha", i36="-1")], [(2, "AK", "value_out_of_range")]),
    "not a number": ([HEADER, urban_row("alpha", i2="пять")], [(2, "C", "value_not_a_number")]),
    "empty value": ([HEADER, urban_row("alpha", i10="")], [(2, "K", "value_missing")]),
    "too many decimals": ([HEADER, urban_row("alpha", i1="7.125")], [(2, "B", "value_too_precise")]),
    "missing indicator": ([HEADER[:-1], urban_row("alpha")[:-1]], [(1, "AK", "indicator_missing")]),
    "extra indicator": ([[*HEADER, "37"], [*urban_row("alpha"), "5"]], [(1, "AL", "indicator_unknown")]),
    "duplicate indicator": ([[*HEADER[:-1], "35"], urban_row("alpha")],
                            [(1, "AK", "indicator_duplicate"), (1, "AK", "indicator_missing")]),
    "value without a column": ([HEADER, [*urban_row("alpha"), "", "9"]], [(2, "AM", "value_without_column")]),
    "duplicate city by name and slug": ([HEADER, urban_row("alpha"), urban_row("Альфа")], [(3, "A", "city_duplicate")]),
    "wrong first header": ([["city", *HEADER[1:]], urban_row("alpha")], [(1, "A", "header_city")]),
    "no rows": ([HEADER], [(2, "A", "file_no_rows")]),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(BAD_FILES))
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_bad_file_is_refused_whole_and_nothing_changes(cities, case, fmt):
    urban_import(content=csv_bytes([HEADER, urban_row("alpha", "4"), urban_row("beta", "4")]), year=2024,
                 actor=None)
    before = _snapshot()
    rows, expected = BAD_FILES[case]
    # a good row beside the bad ones: still nothing is saved
    if case != "no rows":
        rows = [*rows, ["gamma", *(["9"] * (len(rows[0]) - 1))]]
    content = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)
    with pytest.raises(ApplicationError) as refused:
        urban_import(content=content, year=2024, actor=None)
    assert refused.value.code == "import_refused"
    errors = [(error["row"], error["column"], error["code"]) for error in refused.value.details["errors"]]
    assert errors == expected
    assert all(error["message"]["ru"] and error["message"]["en"] for error in refused.value.details["errors"])
    assert _snapshot() == before


@pytest.mark.django_db
def test_every_error_of_a_file_is_listed_by_row_and_column(cities):
    rows = [HEADER, urban_row("alpha", i1="11", i7="x"), urban_row("Нигде"), urban_row("beta", i36="")]
    with pytest.raises(ApplicationError) as refused:
        urban_import(content=csv_bytes(rows), year=2023, actor=None)
    assert [(e["row"], e["column"], e["header"], e["code"]) for e in refused.value.details["errors"]] == [
        (2, "B", "1", "value_out_of_range"), (2, "H", "7", "value_not_a_number"), (3, "A", "город", "city_unknown"),
        (4, "AK", "36", "value_missing")]
    assert not UrbanScore.objects.exists() and not IndexYear.objects.exists()


@pytest.mark.django_db
def test_unreadable_files_and_years_out_of_range_are_refused(cities):
    with pytest.raises(ApplicationError) as refused:
        urban_import(content=b"PK\x03\x04 not really a zip", year=2024, actor=None, file_name="x.xlsx")
    assert refused.value.code == "import_unreadable"
    with pytest.raises(ApplicationError) as refused:
        urban_import(content=csv_bytes([HEADER, urban_row("alpha")]), year=1990, actor=None)
    assert refused.value.code == "year_out_of_range"
    assert not UrbanScore.objects.exists()


@pytest.mark.django_db
def test_reimporting_a_year_replaces_it_and_the_audit_log_says_who_and_what(cities):
    first = UserFactory(username="first")
    second = UserFactory(username="second")
    urban_import(content=csv_bytes([HEADER, urban_row("alpha", "4"), urban_row("beta", "4")]), year=2024,
                 actor=first, file_name="a.csv")
    result = urban_import(content=csv_bytes([HEADER, urban_row("alpha", "4", i3="8"), urban_row("gamma", "6")]),
                          year=2024, actor=second, file_name="b.csv")
    assert result.replaced and result.added == ["gamma"] and result.removed == ["beta"]
    assert set(UrbanScore.objects.filter(year=2024).values_list("city__slug", flat=True)) == {"alpha", "gamma"}
    assert UrbanScore.objects.get(city__slug="alpha").total == Decimal("148.00")
    entries = list(AuditLogEntry.objects.filter(action="citystats.urban_import").order_by("pk"))
    assert [entry.actor for entry in entries] == [first, second]
    details = entries[1].details
    assert details["replaced"] is True and details["file"] == "b.csv"
    assert details["changed"] == {"alpha": {"total": ["144.00", "148"], "indicators": {"3": ["4", "8"]}}}
    assert details["added"] == ["gamma"] and details["removed"] == ["beta"]
    assert IndexYear.objects.get(kind="urban", year=2024).imported_by == second


@pytest.mark.django_db
def test_the_import_command_loads_and_lists_every_error_on_refusal(cities, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([HEADER, urban_row("alpha", "6")]))
    out = StringIO()
    call_command("import_urban_index", str(good), "--year", "2022", stdout=out)
    assert "2022 loaded: 1 cities" in out.getvalue()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx_bytes([HEADER, urban_row("alpha", i4="12"), urban_row("Нигде")]))
    err = StringIO()
    with pytest.raises(CommandError, match="refused"):
        call_command("import_urban_index", str(bad), "--year", "2022", stderr=err)
    assert "row 2, column E (4)" in err.getvalue() and "row 3, column A" in err.getvalue()
    assert UrbanScore.objects.get(city__slug="alpha").total == Decimal("216.00")


@pytest.mark.django_db
def test_organisers_upload_the_same_file_on_the_web(cities, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = "/stats/workspace/"
    assert client.get(url).status_code == 302  # log in first
    client.force_login(UserFactory(username="resident"))
    assert client.get(url).status_code == 403
    client.force_login(make_organiser())
    bad = SimpleUploadedFile("bad.csv", csv_bytes([HEADER, urban_row("alpha", i2="abc")]))
    response = client.post(url, {"kind": "urban", "year": "2024", "file": bad})
    assert response.status_code == 422
    assert "«abc» — не число" in response.content.decode() and not UrbanScore.objects.exists()
    good = SimpleUploadedFile("good.xlsx", xlsx_bytes([HEADER, urban_row("alpha", "7")]))
    response = client.post(url, {"kind": "urban", "year": "2024", "file": good}, follow=True)
    assert response.status_code == 200 and "Загружено" in response.content.decode()
    assert UrbanScore.objects.get(city__slug="alpha").total == Decimal("252.00")


@pytest.mark.django_db
def test_the_export_command_writes_the_import_layout(cities, tmp_path):
    urban_import(content=csv_bytes([HEADER, urban_row("beta", "6.5", i2="1.25")]), year=2021, actor=None)
    out = StringIO()
    call_command("export_urban_index", "--year", "2021", stdout=out)
    assert out.getvalue().splitlines() == [",".join(HEADER), ",".join(["Бета", "6.5", "1.25", *(["6.5"] * 34)])]
    target = tmp_path / "out.xlsx"
    call_command("export_urban_index", "--year", "2021", "--output", str(target), stdout=StringIO())
    again = urban_import(content=target.read_bytes(), year=2021, actor=None, file_name="out.xlsx")
    assert again.changed == {} and again.cities == 1

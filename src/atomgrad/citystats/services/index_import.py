"""What the two index imports share (the urban-environment index, `urban_import.py`, and the quality-of-life
index, `qol_import.py`): a table of one row per city and one column per indicator code, checked cell by cell
before anything is written; the year's `IndexYear` row locked while it is replaced, then stamped with the file and
audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction

from atomgrad.cities.models import City
from atomgrad.citystats.models import YEAR_MAX, YEAR_MIN, IndexYear
from atomgrad.citystats.tabular import CellError, cell_error, cities_by_key, city_key, decimal_parse, table_rows
from atomgrad.core.errors import ApplicationError
from atomgrad.core.services import audit_record

CITY_HEADER = "город"


@dataclass
class ImportResult:
    year: int
    cities: int
    replaced: bool
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, Any] = field(default_factory=dict)



def year_check(year: int) -> None:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ApplicationError(
            "year_out_of_range", f"Год должен быть от {YEAR_MIN} до {YEAR_MAX}.",
            f"The year must be between {YEAR_MIN} and {YEAR_MAX}.", details={"year": year},
        )



_error = cell_error  # the shared constructor (tabular.py); the short name keeps the checks below readable


def value_check(text: str, *, row: int, column: int, header: str, low: Decimal, high: Decimal,
                places: int | None = 2) -> tuple[Decimal | None, CellError | None]:
    """A cell's number, or the error that says why it is not one in [low, high] (with at most `places`
    decimals)."""
    if text == "":
        return None, _error(row, column, header, "value_missing", "значение не заполнено", "the value is empty")
    value = decimal_parse(text)
    if value is None:
        return None, _error(row, column, header, "value_not_a_number", f"«{text[:40]}» — не число",
                            f"“{text[:40]}” is not a number")
    if places is not None and value.as_tuple().exponent < -places:  # type: ignore[operator]
        return None, _error(row, column, header, "value_too_precise",
                            f"{text}: не больше {places} знаков после запятой",
                            f"{text}: at most {places} decimal places")
    if not low <= value <= high:
        return None, _error(row, column, header, "value_out_of_range", f"{text} — вне диапазона {low}–{high}",
                            f"{text} is outside {low}–{high}")
    return value, None


def header_check(header: list[str], expected: list[str]) -> tuple[dict[int, str], list[CellError]]:
    """Map each column index to an expected indicator code; every expected code once, nothing else."""
    errors: list[CellError] = []
    if not header or city_key(header[0]) != CITY_HEADER:
        errors.append(_error(1, 0, header[0] if header else "", "header_city",
                             "первый столбец должен называться «город»", "the first column must be «город»"))
    columns: dict[int, str] = {}
    seen: set[str] = set()
    wanted = set(expected)
    for index, text in enumerate(header[1:], start=1):
        code = text.strip()
        if code not in wanted:
            errors.append(_error(1, index, code, "indicator_unknown",
                                 f"лишний столбец «{code}»: такого показателя нет" if code else "столбец без заголовка",
                                 f"extra column “{code}”: no such indicator" if code else "a column without a header"))
        elif code in seen:
            errors.append(_error(1, index, code, "indicator_duplicate", f"показатель «{code}» повторяется",
                                 f"indicator “{code}” appears twice"))
        else:
            seen.add(code)
            columns[index] = code
    for position, code in enumerate(expected, start=1):
        if code not in seen:  # reported where the layout expects it
            errors.append(_error(1, position, code, "indicator_missing", f"нет столбца показателя «{code}»",
                                 f"the column of indicator “{code}” is missing"))
    return columns, errors


def city_check(text: str, *, row: int, lookup: dict[str, City], seen: dict[int, int]
               ) -> tuple[City | None, CellError | None]:
    if text == "":
        return None, _error(row, 0, CITY_HEADER, "city_missing", "город не указан", "the city is empty")
    city = lookup.get(city_key(text))
    if city is None:
        return None, _error(row, 0, CITY_HEADER, "city_unknown", f"неизвестный город «{text[:60]}»",
                            f"unknown city “{text[:60]}”")
    if city.pk in seen:
        return None, _error(row, 0, CITY_HEADER, "city_duplicate",
                            f"город «{city.name_ru}» уже был в строке {seen[city.pk]}",
                            f"city “{city.name_ru}” already appears in row {seen[city.pk]}")
    seen[city.pk] = row
    return city, None


def extra_cells_check(row_cells: list[str], *, row: int, width: int) -> list[CellError]:
    return [
        _error(row, index, "", "value_without_column", "значение в столбце без заголовка",
               "a value in a column without a header")
        for index in range(width, len(row_cells)) if row_cells[index] != ""
    ]



def index_year_lock(*, kind: str, year: int) -> tuple[IndexYear, bool]:
    """The year's row, created if absent, locked (SELECT … FOR UPDATE) until the caller's transaction ends, so
    two imports of one year run one after the other. Call inside a transaction. Two first imports racing to
    create the row: the loser's insert fails on the unique constraint (inside a savepoint) and it then waits for
    the winner's lock."""
    created = False
    if not IndexYear.objects.filter(kind=kind, year=year).exists():
        try:
            with transaction.atomic():
                IndexYear.objects.create(kind=kind, year=year)
                created = True
        except IntegrityError:
            pass
    return IndexYear.objects.select_for_update().get(kind=kind, year=year), created


def index_table_check(table: list[list[str]], *, expected: list[str], bounds: Mapping[str, tuple[Decimal, Decimal]],
                      places: int | None, missing_allowed: bool
                      ) -> tuple[dict[City, dict[str, Decimal]], list[CellError]]:
    """Every error of a city × indicator table (header `город`, then the `expected` codes in any order), and each
    named city's parsed values by code. A value lies within its code's (low, high) `bounds`, with at most `places`
    decimals; an empty cell is an error unless `missing_allowed` (then the code is simply absent)."""
    if not table:
        return {}, [_error(1, 0, "", "file_empty", "файл пуст", "the file is empty")]
    columns, errors = header_check(table[0], expected)
    lookup = cities_by_key()
    seen: dict[int, int] = {}
    values: dict[City, dict[str, Decimal]] = {}
    rows = 0
    for row in table_rows(table):
        rows += 1
        city, error = city_check(row.cells[0] if row.cells else "", row=row.number, lookup=lookup, seen=seen)
        if error:
            errors.append(error)
        parsed: dict[str, Decimal] = {}
        for index, code in columns.items():
            text = row.cells[index] if index < len(row.cells) else ""
            if text == "" and missing_allowed:
                continue
            low, high = bounds[code]
            value, error = value_check(text, row=row.number, column=index, header=code, low=low, high=high,
                                       places=places)
            if error:
                errors.append(error)
            elif value is not None:
                parsed[code] = value
        errors.extend(extra_cells_check(row.cells, row=row.number, width=len(table[0])))
        if city is not None:
            values[city] = parsed
    if rows == 0:
        errors.append(_error(2, 0, CITY_HEADER, "file_no_rows", "в файле нет ни одной строки с городом",
                             "the file has no city rows"))
    return values, errors


def import_result(*, year: int, old: Mapping[str, Any], new: Mapping[str, Any], created: bool) -> ImportResult:
    """The replacement's outcome by city slug, before the per-city changes (each index words those itself)."""
    return ImportResult(year=year, cities=len(new), replaced=not created or bool(old),
                        added=sorted(set(new) - set(old)), removed=sorted(set(old) - set(new)))


def index_year_record(*, index_year: IndexYear, result: ImportResult, action: str,
                      actor: AbstractBaseUser | AnonymousUser | None, file_name: str, file_sha256: str,
                      is_demo: bool) -> None:
    """Stamp the year with the file that replaced it and audit the replacement. Call in the replacing
    transaction, holding `index_year_lock`."""
    index_year.is_demo = is_demo
    index_year.file_name = file_name[:255]
    index_year.file_sha256 = file_sha256
    index_year.imported_by = actor if actor is not None and actor.is_authenticated else None  # type: ignore[assignment]
    index_year.save()
    audit_record(
        actor=actor, action=action, obj=index_year,
        reason="Повторная загрузка года: данные заменены." if result.replaced else "Загрузка года.",
        details={"year": result.year, "file": file_name, "sha256": file_sha256, "cities": result.cities,
                 "replaced": result.replaced, "added": result.added, "removed": result.removed,
                 "changed": result.changed, "demo": is_demo},
    )

"""Importing and exporting a year of Минстрой's urban-environment quality index.

The layout (docs/citystats.md): a header row `город`, `1`, …, `36`; then one row per city: the city's Russian
name or its slug, then the 36 indicator values (0–10, a point or a comma before decimals, at most two decimals).
A file with any bad cell is refused whole with every error listed; a correct file replaces the whole year.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction

from atomgrad.cities.models import City
from atomgrad.citystats.models import YEAR_MAX, YEAR_MIN, IndexKind, IndexYear, UrbanScore
from atomgrad.citystats.tabular import (
    CellError,
    cell_error,
    city_key,
    decimal_parse,
    refusal,
    table_read,
)
from atomgrad.citystats.urban import INDICATORS, VALUE_MAX
from atomgrad.core.errors import ApplicationError
from atomgrad.core.services import audit_record

CITY_HEADER = "город"
AUDIT_ACTION = "citystats.urban_import"


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


def cities_by_key() -> dict[str, City]:
    """Every city under its slug and its Russian name (matched as `tabular.city_key` does)."""
    lookup: dict[str, City] = {}
    for city in City.objects.all():
        lookup[city_key(city.slug)] = city
        lookup[city_key(city.name_ru)] = city
    return lookup


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


def urban_table_check(table: list[list[str]]) -> tuple[dict[City, list[Decimal]], list[CellError]]:
    """Every error of the table, and the values of the rows when there is none."""
    expected = [str(number) for number in range(1, INDICATORS + 1)]
    if not table:
        return {}, [_error(1, 0, "", "file_empty", "файл пуст", "the file is empty")]
    columns, errors = header_check(table[0], expected)
    lookup = cities_by_key()
    seen: dict[int, int] = {}
    values: dict[City, list[Decimal]] = {}
    rows = 0
    for row_number, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue
        rows += 1
        city, error = city_check(cells[0] if cells else "", row=row_number, lookup=lookup, seen=seen)
        if error:
            errors.append(error)
        parsed: dict[str, Decimal] = {}
        for index, code in columns.items():
            text = cells[index] if index < len(cells) else ""
            value, error = value_check(text, row=row_number, column=index, header=code, low=Decimal(0),
                                       high=VALUE_MAX)
            if error:
                errors.append(error)
            elif value is not None:
                parsed[code] = value
        errors.extend(extra_cells_check(cells, row=row_number, width=len(table[0])))
        if city is not None and len(parsed) == INDICATORS:
            values[city] = [parsed[code] for code in expected]
    if rows == 0:
        errors.append(_error(2, 0, CITY_HEADER, "file_no_rows", "в файле нет ни одной строки с городом",
                             "the file has no city rows"))
    return values, errors


def _value_text(value: Decimal) -> str:
    """The canonical text of a value: no exponent, no trailing zeros ("7.50" → "7.5", "10.0" → "10")."""
    text = format(value.normalize(), "f")
    return text


def urban_import(
    *,
    content: bytes,
    year: int,
    actor: AbstractBaseUser | AnonymousUser | None,
    file_name: str = "",
    is_demo: bool = False,
) -> ImportResult:
    """Check the whole file, then replace the year's values with it in one transaction, audited with what
    changed. Raises ApplicationError `import_refused` (details.errors: every bad cell) and saves nothing."""
    year_check(year)
    table = table_read(content=content, file_name=file_name)
    values, errors = urban_table_check(table)
    if errors:
        raise refusal(errors)
    return _urban_replace(values=values, year=year, actor=actor, file_name=file_name,
                          file_sha256=hashlib.sha256(content).hexdigest(), is_demo=is_demo)


@transaction.atomic
def _urban_replace(*, values: dict[City, list[Decimal]], year: int,
                   actor: AbstractBaseUser | AnonymousUser | None, file_name: str, file_sha256: str,
                   is_demo: bool) -> ImportResult:
    index_year, created = index_year_lock(kind=IndexKind.URBAN, year=year)
    old = {score.city.slug: score for score in UrbanScore.objects.filter(year=year).select_related("city")}
    new = {city.slug: [_value_text(value) for value in row] for city, row in values.items()}
    result = ImportResult(year=year, cities=len(new), replaced=not created or bool(old))
    result.added = sorted(set(new) - set(old))
    result.removed = sorted(set(old) - set(new))
    for slug in sorted(set(new) & set(old)):
        before, after = old[slug].values, new[slug]
        changed = {str(number): [was, now] for number, (was, now) in enumerate(zip(before, after, strict=True),
                                                                                start=1) if was != now}
        if changed:
            result.changed[slug] = {"total": [str(old[slug].total), str(sum(values_of(after)))],
                                    "indicators": changed}
    UrbanScore.objects.filter(year=year).delete()
    UrbanScore.objects.bulk_create([
        UrbanScore(city=city, year=year, values=new[city.slug], total=sum(row, Decimal(0)))
        for city, row in values.items()
    ])
    index_year.is_demo = is_demo
    index_year.file_name = file_name[:255]
    index_year.file_sha256 = file_sha256
    index_year.imported_by = actor if actor is not None and actor.is_authenticated else None  # type: ignore[assignment]
    index_year.save()
    audit_record(
        actor=actor, action=AUDIT_ACTION, obj=index_year,
        reason="Повторная загрузка года: данные заменены." if result.replaced else "Загрузка года.",
        details={"year": year, "file": file_name, "sha256": file_sha256, "cities": result.cities,
                 "replaced": result.replaced, "added": result.added, "removed": result.removed,
                 "changed": result.changed, "demo": is_demo},
    )
    return result


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


def values_of(texts: list[str]) -> list[Decimal]:
    return [Decimal(text) for text in texts]


def urban_export_rows(*, year: int) -> list[list[Any]]:
    """The year in the import layout (header `город`, `1`…`36`; one row per city, by name): importing it again
    gives the same values."""
    rows: list[list[Any]] = [[CITY_HEADER, *(str(number) for number in range(1, INDICATORS + 1))]]
    for score in UrbanScore.objects.filter(year=year).select_related("city").order_by("city__name_ru"):
        rows.append([score.city.name_ru, *score.values])
    return rows

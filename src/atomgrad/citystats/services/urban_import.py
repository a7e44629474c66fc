"""Importing and exporting a year of Минстрой's urban-environment quality index.

The layout (docs/citystats.md): a header row `город`, `1`, …, `36`; then one row per city: the city's Russian
name or its slug, then the 36 indicator values (0–10, a point or a comma before decimals, at most two decimals).
A file with any bad cell is refused whole with every error listed; a correct file replaces the whole year.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from atomgrad.cities.models import City
from atomgrad.citystats.models import IndexKind, UrbanScore
from atomgrad.citystats.services.index_import import (
    CITY_HEADER,
    ImportResult,
    import_result,
    index_table_check,
    index_year_lock,
    index_year_record,
    year_check,
)
from atomgrad.citystats.tabular import CellError, refusal, table_read
from atomgrad.citystats.urban import INDICATORS, VALUE_MAX

AUDIT_ACTION = "citystats.urban_import"


def urban_table_check(table: list[list[str]]) -> tuple[dict[City, list[Decimal]], list[CellError]]:
    """Every error of the table, and the values of the rows when there is none."""
    expected = [str(number) for number in range(1, INDICATORS + 1)]
    bounds = dict.fromkeys(expected, (Decimal(0), VALUE_MAX))
    parsed, errors = index_table_check(table, expected=expected, bounds=bounds, places=2, missing_allowed=False)
    values = {city: [row[code] for code in expected] for city, row in parsed.items() if len(row) == INDICATORS}
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
    result = import_result(year=year, old=old, new=new, created=created)
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
    index_year_record(index_year=index_year, result=result, action=AUDIT_ACTION, actor=actor, file_name=file_name,
                      file_sha256=file_sha256, is_demo=is_demo)
    return result



def values_of(texts: list[str]) -> list[Decimal]:
    return [Decimal(text) for text in texts]


def urban_export_rows(*, year: int) -> list[list[Any]]:
    """The year in the import layout (header `город`, `1`…`36`; one row per city, by name): importing it again
    gives the same values."""
    rows: list[list[Any]] = [[CITY_HEADER, *(str(number) for number in range(1, INDICATORS + 1))]]
    for score in UrbanScore.objects.filter(year=year).select_related("city").order_by("city__name_ru"):
        rows.append([score.city.name_ru, *score.values])
    return rows

"""Importing a year of the quality-of-life indicators, and computing the year's index with a method version.

The layout (docs/citystats.md): a header row `город`, then one column per indicator code of the method (every
code once, in any order); one row per city. An empty cell is a missing value (the method's missing-data rule
treats it); any other cell must be a number inside the indicator's plausible bounds. A file with any bad cell is
refused whole with every error listed; a correct file replaces the year and recomputes its index.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import numpy as np
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from atomgrad.cities.models import City
from atomgrad.citystats.method import Method, method_load
from atomgrad.citystats.models import IndexKind, IndexYear, QolResult, QolValue
from atomgrad.citystats.qol import qol_compute
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
from atomgrad.core.errors import ApplicationError
from atomgrad.core.services import audit_record

AUDIT_ACTION = "citystats.qol_import"
COMPUTE_AUDIT_ACTION = "citystats.qol_compute"


def qol_table_check(table: list[list[str]], *, method: Method) -> tuple[dict[City, dict[str, float]], list[CellError]]:
    codes = [indicator.code for indicator in method.indicators]
    bounds = {indicator.code: (Decimal(str(indicator.low)), Decimal(str(indicator.high)))
              for indicator in method.indicators}
    # an empty cell is a missing value: the method's rule decides
    parsed, errors = index_table_check(table, expected=codes, bounds=bounds, places=None, missing_allowed=True)
    return {city: {code: float(value) for code, value in row.items()} for city, row in parsed.items()}, errors


def qol_import(
    *,
    content: bytes,
    year: int,
    actor: AbstractBaseUser | AnonymousUser | None,
    file_name: str = "",
    method_version: str | None = None,
    is_demo: bool = False,
) -> ImportResult:
    """Check the whole file against the method's indicators, then replace the year's values and recompute its
    index, in one transaction, audited. Raises ApplicationError `import_refused` and saves nothing on any bad
    cell."""
    year_check(year)
    method = method_load(version=method_version)
    table = table_read(content=content, file_name=file_name)
    values, errors = qol_table_check(table, method=method)
    if errors:
        raise refusal(errors)
    return _qol_replace(values=values, year=year, actor=actor, file_name=file_name,
                        file_sha256=hashlib.sha256(content).hexdigest(), method=method, is_demo=is_demo)


@transaction.atomic
def _qol_replace(*, values: dict[City, dict[str, float]], year: int,
                 actor: AbstractBaseUser | AnonymousUser | None, file_name: str, file_sha256: str, method: Method,
                 is_demo: bool) -> ImportResult:
    index_year, created = index_year_lock(kind=IndexKind.QOL, year=year)
    old: dict[str, dict[str, float]] = {}
    for row in QolValue.objects.filter(year=year).select_related("city"):
        old.setdefault(row.city.slug, {})[row.indicator] = row.value
    new = {city.slug: row for city, row in values.items()}
    result = import_result(year=year, old=old, new=new, created=created)
    for slug in sorted(set(new) & set(old)):
        changed = {code: [old[slug].get(code), new[slug].get(code)]
                   for code in sorted(set(old[slug]) | set(new[slug])) if old[slug].get(code) != new[slug].get(code)}
        if changed:
            result.changed[slug] = changed
    QolValue.objects.filter(year=year).delete()
    QolValue.objects.bulk_create([
        QolValue(city=city, year=year, indicator=code, value=value)
        for city, row in values.items() for code, value in row.items()
    ])
    index_year_record(index_year=index_year, result=result, action=AUDIT_ACTION, actor=actor, file_name=file_name,
                      file_sha256=file_sha256, is_demo=is_demo)
    _qol_results_write(year=year, method=method, index_year=index_year)
    return result


def qol_matrix(*, year: int, method: Method) -> tuple[list[City], np.ndarray]:
    """The year's cities (those with any value, by name) and their raw values in the method's order."""
    codes = [indicator.code for indicator in method.indicators]
    position = {code: number for number, code in enumerate(codes)}
    rows: dict[int, dict[str, float]] = {}
    cities: dict[int, City] = {}
    for value in QolValue.objects.filter(year=year).select_related("city"):
        cities[value.city_id] = value.city
        rows.setdefault(value.city_id, {})[value.indicator] = value.value
    ordered = sorted(cities.values(), key=lambda city: city.name_ru)
    raw = np.full((len(ordered), len(codes)), np.nan)
    for row, city in enumerate(ordered):
        for code, value in rows[city.pk].items():
            if code in position:
                raw[row, position[code]] = value
    return ordered, raw


def _qol_results_write(*, year: int, method: Method, index_year: IndexYear) -> int:
    cities, raw = qol_matrix(year=year, method=method)
    QolResult.objects.filter(year=year).delete()
    if not cities:
        computed = None
    else:
        computed = qol_compute(raw, method=method)
        QolResult.objects.bulk_create([
            QolResult(
                city=city, year=year, score=round(float(computed.scores[row]), 4), rank=int(computed.ranks[row]),
                rank_low=int(computed.rank_low[row]), rank_high=int(computed.rank_high[row]),
                domains={domain.code: round(float(computed.domains[row, number]), 4)
                         for number, domain in enumerate(method.domains)},
            )
            for row, city in enumerate(cities) if computed.ranks[row] > 0
        ])
    index_year.method_version = method.version
    index_year.method_sha256 = method.sha256
    index_year.sensitivity_seed = method.seed
    index_year.sensitivity_draws = method.draws
    index_year.save()
    return 0 if computed is None else int((computed.ranks > 0).sum())


@transaction.atomic
def qol_recompute(*, year: int, actor: AbstractBaseUser | AnonymousUser | None,
                  method_version: str | None = None) -> dict[str, Any]:
    """Recompute a loaded year with a method version (the newest by default), audited."""
    index_year = IndexYear.objects.select_for_update().filter(kind=IndexKind.QOL, year=year).first()
    if index_year is None:
        raise ApplicationError("year_not_loaded", f"Данные индекса качества жизни за {year} год не загружены.",
                               f"The quality-of-life data of {year} is not loaded.", status=404)
    method = method_load(version=method_version)
    previous = index_year.method_version
    ranked = _qol_results_write(year=year, method=method, index_year=index_year)
    audit_record(actor=actor, action=COMPUTE_AUDIT_ACTION, obj=index_year, reason="Пересчёт индекса.",
                 details={"year": year, "method_version": [previous, method.version], "ranked": ranked})
    return {"year": year, "method_version": method.version, "ranked": ranked}


def qol_export_rows(*, year: int, method: Method | None = None) -> list[list[Any]]:
    """The year's raw values in the import layout (a missing value is an empty cell)."""
    method = method or method_load(version=_year_method_version(year))
    codes = [indicator.code for indicator in method.indicators]
    cities, raw = qol_matrix(year=year, method=method)
    rows: list[list[Any]] = [[CITY_HEADER, *codes]]
    for number, city in enumerate(cities):
        rows.append([city.name_ru, *(None if np.isnan(value) else _number(value) for value in raw[number])])
    return rows


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _year_method_version(year: int) -> str | None:
    index_year = IndexYear.objects.filter(kind=IndexKind.QOL, year=year).first()
    return index_year.method_version if index_year and index_year.method_version else None

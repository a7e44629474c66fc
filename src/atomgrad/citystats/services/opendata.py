"""Open data of a year: the urban index and the quality-of-life values as CSV and XLSX (in the import layouts, so
a download can be uploaded back), and everything — values, totals, ranks, changes, rank intervals, averages, the
method version — as one JSON document."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from atomgrad.citystats.models import IndexKind
from atomgrad.citystats.selectors import (
    atomic_averages,
    national_averages,
    qol_year_info,
    qol_year_rows,
    urban_year_rows,
    year_is_demo,
)
from atomgrad.citystats.services.qol_import import qol_export_rows
from atomgrad.citystats.services.urban_import import urban_export_rows
from atomgrad.citystats.tabular import csv_render, xlsx_render
from atomgrad.citystats.urban import FAVOURABLE_ABOVE

DOCUMENT_FORMAT = "atomgrad-citystats/1"


def _rows(*, year: int, name: str) -> list[list[Any]]:
    return urban_export_rows(year=year) if name == "urban-index" else qol_export_rows(year=year)


def year_table_csv(*, year: int, name: str) -> str:
    return csv_render(_rows(year=year, name=name))


def year_table_xlsx(*, year: int, name: str) -> bytes:
    rows = _rows(year=year, name=name)
    if name == "urban-index":  # numbers, not text, in the workbook
        rows = [rows[0], *([row[0], *(Decimal(value) for value in row[1:])] for row in rows[1:])]
    return xlsx_render([(str(year), rows)])


def _decimal(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def year_document(*, year: int) -> dict[str, Any]:
    info = qol_year_info(year=year)
    return {
        "format": DOCUMENT_FORMAT,
        "year": year,
        "fictional": year_is_demo(kind=IndexKind.URBAN, year=year) or year_is_demo(kind=IndexKind.QOL, year=year),
        "urban_index": {
            "favourable_above": float(FAVOURABLE_ABOVE),
            "national_average": _decimal(national_averages().get(year)),
            "atomic_average": _decimal(atomic_averages().get(year)),
            "cities": [urban_row_json(row) for row in urban_year_rows(year=year)],
        },
        "quality_of_life": {
            "method_version": info.method_version if info else None,
            "method_sha256": info.method_sha256 if info else None,
            "sensitivity": {"seed": info.sensitivity_seed, "draws": info.sensitivity_draws} if info else None,
            "cities": [qol_row_json(row) for row in qol_year_rows(year=year)],
        },
    }


def urban_row_json(row: Any) -> dict[str, Any]:
    return {
        "city": row.city.slug, "city_name": row.city.name_ru, "year": row.year,
        "values": [float(value) for value in row.values], "total": float(row.total),
        "favourable": row.favourable, "group": row.group, "rank": row.rank, "cities_ranked": row.cities_ranked,
        "group_rank": row.group_rank, "group_size": row.group_size,
        "change_since_2019": _decimal(row.change_base), "change_since_previous_year": _decimal(row.change_previous),
    }


def qol_row_json(row: Any) -> dict[str, Any]:
    return {"city": row.city.slug, "city_name": row.city.name_ru, "year": row.year, "score": row.score,
            "rank": row.rank, "rank_interval": [row.rank_low, row.rank_high], "domains": row.domains}

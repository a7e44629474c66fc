"""Builders of import files for the citystats tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

HEADER = ["город", *(str(number) for number in range(1, 37))]


def urban_row(city: str, value: Any = "5", **overrides: Any) -> list[Any]:
    """A city's row: 36 copies of `value`, with `overrides` by indicator number (i3="7.5")."""
    row = [city, *([value] * 36)]
    for key, override in overrides.items():
        row[int(key.lstrip("i"))] = override
    return row


def csv_bytes(rows: Sequence[Sequence[Any]]) -> bytes:
    """A plain CSV, cells as given (no formula neutralising: a test may need "-1")."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


def xlsx_bytes(rows: Sequence[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

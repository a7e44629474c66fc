"""Reading and writing the import/export tables (CSV or XLSX) and the refusal every import gives.

Both imports read a table of text cells, check every cell and collect every error (row, column, message) before
refusing; nothing is written unless the whole file is correct.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models

from atomgrad.cities.models import City
from atomgrad.core.errors import ApplicationError
from atomgrad.core.spreadsheets import csv_row, xlsx_append

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000


@dataclass(frozen=True)
class CellError:
    """One bad cell: `row` is the file's row (1 = the header), `column` the spreadsheet letter (A, B, …)
    and `header` what the header row says there."""

    row: int
    column: str
    header: str
    code: str
    message_ru: str
    message_en: str

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "header": self.header, "code": self.code,
                "message": {"ru": self.message_ru, "en": self.message_en}}


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def cell_error(row: int, column: int, header: str, code: str, ru: str, en: str) -> CellError:
    """The error of one cell; `column` is the 0-based index (written as its letter)."""
    return CellError(row=row, column=column_letter(column), header=header, code=code, message_ru=ru, message_en=en)


def refusal(errors: Sequence[CellError]) -> ApplicationError:
    return ApplicationError(
        "import_refused",
        f"Файл не принят: ошибок — {len(errors)}. Ничего не сохранено; исправьте файл и загрузите его снова.",
        f"The file is refused: {len(errors)} error(s). Nothing was saved; correct the file and upload it again.",
        status=422,
        details={"errors": [error.as_json() for error in errors]},
    )


def _unreadable(reason_ru: str, reason_en: str) -> ApplicationError:
    return ApplicationError("import_unreadable", f"Файл не удалось прочитать: {reason_ru}.",
                            f"The file could not be read: {reason_en}.", status=422)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def table_read(*, content: bytes, file_name: str = "") -> list[list[str]]:
    """The file's rows as lists of text cells ('' for an empty cell). XLSX: the first sheet; CSV: UTF-8 (with or
    without a BOM) or Windows-1251, separated by commas, semicolons or tabs."""
    if len(content) > MAX_FILE_BYTES:
        raise _unreadable("он больше 5 МБ", "it is larger than 5 MB")
    if content[:4] == b"PK\x03\x04" or file_name.lower().endswith(".xlsx"):
        rows = _xlsx_read(content)
    else:
        rows = _csv_read(content)
    if len(rows) > MAX_ROWS:
        raise _unreadable(f"в нём больше {MAX_ROWS} строк", f"it has more than {MAX_ROWS} rows")
    # Trailing empty cells carry nothing (spreadsheets pad rows to the widest one).
    trimmed = []
    for row in rows:
        while row and row[-1] == "":
            row = row[:-1]
        trimmed.append(row)
    return trimmed


def _xlsx_read(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise _unreadable("это не книга XLSX", "it is not an XLSX workbook") from error
    try:
        sheet = workbook.worksheets[0]
        return [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _csv_read(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1251 decodes every byte but a few; kept for clarity
        raise _unreadable("кодировка не UTF-8 и не Windows-1251", "the encoding is neither UTF-8 nor Windows-1251")
    if "\x00" in text:
        raise _unreadable("это не текстовый файл CSV", "it is not a CSV text file")
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def decimal_parse(text: str) -> Decimal | None:
    """A number written with a point or a comma ("7.5", "7,5"); None when the text is not a finite number."""
    try:
        value = Decimal(text.replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def named_header_check(header: list[str], expected: Sequence[str]) -> tuple[dict[str, int], list[CellError]]:
    """A layout of named columns (any order): each expected name once, nothing else. Returns each name's column
    index; the errors say which column is extra, repeated or missing."""
    errors: list[CellError] = []
    columns: dict[str, int] = {}
    wanted = set(expected)
    for index, text in enumerate(header):
        name = city_key(text)
        if name not in wanted:
            errors.append(cell_error(1, index, text, "column_unknown",
                                     f"лишний столбец «{text[:40]}»" if text else "столбец без заголовка",
                                     f"extra column “{text[:40]}”" if text else "a column without a header"))
        elif name in columns:
            errors.append(cell_error(1, index, text, "column_duplicate", f"столбец «{name}» повторяется",
                                     f"column “{name}” appears twice"))
        else:
            columns[name] = index
    for position, name in enumerate(expected):
        if name not in columns:
            errors.append(cell_error(1, position, name, "column_missing", f"нет столбца «{name}»",
                                     f"the column “{name}” is missing"))
    return columns, errors


def kopecks_parse(text: str) -> int | None:
    """Roubles with at most two decimals ("1 250 000,50") as kopecks; None when not such a number or negative."""
    value = decimal_parse(text)
    if value is None or value < 0 or value.as_tuple().exponent < -2:  # type: ignore[operator]
        return None
    return int(value * 100)


_DATE_RU = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")


def date_parse(text: str) -> dt.date | None:
    """A date written the Russian way (31.12.2026), in ISO 8601 (2026-12-31), or an XLSX date cell; None when
    not a real date."""
    match = _DATE_RU.match(text)
    try:
        if match:
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
        match = _DATE_ISO.match(text)
        if match:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return None


def city_key(text: str) -> str:
    """How a city cell is matched: case-insensitive, ё = е, spaces collapsed."""
    return " ".join(text.casefold().replace("ё", "е").split())


def choice_lookup(choices: type[models.TextChoices]) -> dict[str, str]:
    """How a choice cell is matched: by its stored value or its Russian label, as `city_key` compares text."""
    return {key: value for value, label in choices.choices for key in (city_key(value), city_key(str(label)))}


def cities_by_key() -> dict[str, City]:
    """Every city under its slug and its Russian name (matched as `city_key` does)."""
    lookup: dict[str, City] = {}
    for city in City.objects.all():
        lookup[city_key(city.slug)] = city
        lookup[city_key(city.name_ru)] = city
    return lookup



@dataclass(frozen=True)
class TableRow:
    """A non-empty row below the header: its file row `number` (2 = the first), its cells, and, for a layout of
    named columns, `cell(name)` to read and `bad(name, …)` to record an error in `errors`."""

    number: int
    cells: list[str]
    columns: Mapping[str, int]
    errors: list[CellError]

    def cell(self, name: str) -> str:
        index = self.columns[name]
        return self.cells[index] if index < len(self.cells) else ""

    def bad(self, name: str, code: str, ru: str, en: str) -> None:
        self.errors.append(cell_error(self.number, self.columns[name], name, code, ru, en))


def table_rows(table: Sequence[list[str]], *, columns: Mapping[str, int] | None = None,
               errors: list[CellError] | None = None) -> Iterator[TableRow]:
    """The rows under the header, skipping empty ones (every import walks its table this way)."""
    for number, cells in enumerate(table[1:], start=2):
        if any(cells):
            yield TableRow(number=number, cells=cells, columns=columns or {},
                           errors=errors if errors is not None else [])


# --- writing ---------------------------------------------------------------------------------------------------


def csv_render(rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(csv_row("" if value is None else value for value in row))
    return buffer.getvalue()


def xlsx_render(sheets: Sequence[tuple[str, Sequence[Sequence[Any]]]]) -> bytes:
    """A workbook with one sheet per (title, rows); the first row of each is bold and frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            xlsx_append(sheet, row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

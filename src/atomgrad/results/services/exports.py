"""Open data: the published results as CSV, XLSX and JSON; the season's ledger as JSON Lines (pseudonyms only);
the audit log for organisers.

Every results export reads only `results.selectors.published_*`: a city appears with its numbers once it is
published, and the numbers are the signed protocol's. The JSON document is what the public verifier reads
(`verifier/verify_atomgrad.py`), the ledger JSONL is what it recounts.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import timezone

from atomgrad.award.models import Season
from atomgrad.core.models import AuditLogEntry
from atomgrad.core.spreadsheets import csv_row, xlsx_append
from atomgrad.results.selectors import published_season_data, season_cities
from atomgrad.voting import ledger
from atomgrad.voting.selectors import ledger_entries, ledger_head

RESULTS_FORMAT = "atomgrad-results/1"

RESULT_COLUMNS = (
    ("season", "Сезон"),
    ("city", "Код города"),
    ("city_name", "Город"),
    ("city_void", "Голосование недействительно"),
    ("candidate_id", "Номер соискателя"),
    ("full_name", "Соискатель"),
    ("sphere", "Сфера"),
    ("cast", "Подано голосов"),
    ("annulled", "Аннулировано"),
    ("valid", "Действительных"),
    ("place", "Место"),
    ("laureate", "Призёр"),
    ("disqualified", "Снят(а)"),
    ("protocol_sha256", "SHA-256 протокола"),
    ("ledger_sequence", "Записей в реестре на момент подсчёта"),
    ("ledger_head_hash", "Хеш последней записи реестра"),
)


def results_document(*, season: Season) -> dict[str, Any]:
    """The season's published results as one JSON-able document (format `atomgrad-results/1`).

    `cities` holds each published city's data exactly as its signed protocol states it; `pending` lists the
    slugs of the cities not published yet (no numbers)."""
    cities = published_season_data(season=season)
    published = {city["city_slug"] for city in cities}
    pending = [city.slug for city in season_cities(season=season) if city.slug not in published]
    return {
        "format": RESULTS_FORMAT,
        "season": season.year,
        "title": season.title,
        "generated_at": ledger.timestamp_format(timezone.now()),
        "cities": cities,
        "pending": pending,
    }


def results_rows(*, season: Season) -> Iterator[dict[str, Any]]:
    """One row per candidate of every published city, in the protocol's order."""
    for city in published_season_data(season=season):
        for line in city["candidates"]:
            yield {
                "season": city["season_year"],
                "city": city["city_slug"],
                "city_name": city["city_name"],
                "city_void": city["void"],
                "candidate_id": line["id"],
                "full_name": line["full_name"],
                "sphere": line["sphere"],
                "cast": line["cast"],
                "annulled": line["annulled"],
                "valid": line["valid"],
                "place": line["place"],
                "laureate": line["laureate"],
                "disqualified": line["disqualified"],
                "protocol_sha256": city["protocol"]["sha256"],
                "ledger_sequence": city["protocol"]["ledger_sequence"],
                "ledger_head_hash": city["protocol"]["ledger_head_hash"],
            }


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    return value


def results_csv(*, season: Season) -> str:
    """CSV (comma-separated, a header row of column codes; UTF-8 — callers add a BOM for spreadsheets)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([code for code, _ in RESULT_COLUMNS])
    for row in results_rows(season=season):
        writer.writerow(csv_row(_csv_value(row[code]) for code, _ in RESULT_COLUMNS))
    return buffer.getvalue()


def results_xlsx(*, season: Season) -> bytes:
    """An XLSX workbook: sheet «Итоги» (one row per candidate, Russian headers) and «Города» (totals)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Итоги"
    sheet.append([label for _, label in RESULT_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in results_rows(season=season):
        xlsx_append(sheet, [_csv_value(row[code]) for code, _ in RESULT_COLUMNS])
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHIJKLMNOP", (8, 16, 22, 12, 10, 36, 24, 10, 12, 12, 8, 8, 8, 66, 12, 66),
                             strict=True):
        sheet.column_dimensions[column].width = width
    totals = workbook.create_sheet("Города")
    totals.append(["Город", "Жителей проголосовало", "Подано", "Аннулировано", "Действительных",
                   "Голосование недействительно", "SHA-256 протокола"])
    for cell in totals[1]:
        cell.font = Font(bold=True)
    for city in published_season_data(season=season):
        xlsx_append(totals, [city["city_name"], city["voters_voted"], city["votes_cast"], city["votes_annulled"],
                             city["votes_valid"], _csv_value(city["void"]), city["protocol"]["sha256"]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ledger_jsonl(*, season: Season) -> Iterator[str]:
    """The season's whole ledger, one entry per line (as `voting.ledger` encodes it, with `entry_hash`):
    pseudonyms, candidate ids, city slugs, reasons — no personal data. Streamed from the database."""
    for entry in ledger_entries(season=season):
        yield ledger.entry_line(entry)


def ledger_head_document(*, season: Season) -> dict[str, Any]:
    sequence, head_hash = ledger_head(season=season)
    return {"season": season.year, "entries": sequence, "head_hash": head_hash}


AUDIT_COLUMNS = ("created_at", "actor", "action", "object_type", "object_id", "city", "reason", "details")


def audit_csv(entries: Iterable[AuditLogEntry]) -> Iterator[str]:
    """The audit log as CSV rows (for organisers only: it names the people who decided)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(AUDIT_COLUMNS)
    yield buffer.getvalue()
    for entry in entries:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(csv_row([
            ledger.timestamp_format(entry.created_at),
            entry.actor.get_username() if entry.actor else "",
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.city.slug if entry.city else "",
            entry.reason,
            json.dumps(entry.details, ensure_ascii=False, sort_keys=True),
        ]))
        yield buffer.getvalue()

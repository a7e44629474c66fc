"""Publication gates: before publication no count anywhere public; after it, the same counts everywhere
(page, API, CSV, XLSX, JSON, the protocol PDF). Only a signed protocol is published, only by organisers."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest
from openpyxl import load_workbook

from atomgrad.award.models import Laureate
from atomgrad.core.errors import ApplicationError
from atomgrad.results.models import Publication
from atomgrad.results.services.annulment import votes_annul
from atomgrad.results.services.protocol import protocol_generate, protocol_sign
from atomgrad.results.services.publication import publication_publish_city, publication_publish_season
from atomgrad.results.services.tally import city_tally
from tests.results.helpers import assert_tagged_pdf, city_vote, close_voting, organiser, pdf_text

pytestmark = pytest.mark.django_db

NAMES = ["Зайцева Зоя", "Иванов Илья", "Ковалёва Ксения", "Лебедев Лев"]


def _counted_city():  # type: ignore[no-untyped-def]
    cv = city_vote(names=NAMES)
    cv.cast([13, 8, 5, 2])
    close_voting(cv.season)
    votes_annul(actor=cv.chair, season=cv.season, city=cv.city, vote_ids=[cv.votes[cv.candidates[0].pk][0].pk],
                reason_code="bought_votes", reason="Голос куплен")
    return cv


def _public_surfaces(client, cv):  # type: ignore[no-untyped-def]
    year, slug = cv.season.year, cv.city.slug
    return {
        "page": client.get(f"/results/{year}/{slug}/"),
        "season_page": client.get(f"/results/{year}/"),
        "api_city": client.get(f"/api/v1/results/{year}/cities/{slug}"),
        "api_season": client.get(f"/api/v1/results/{year}"),
        "api_live": client.get(f"/api/v1/cities/{slug}/results?season={year}"),
        "csv": client.get(f"/results/{year}/results.csv"),
        "xlsx": client.get(f"/results/{year}/results.xlsx"),
        "json": client.get(f"/results/{year}/results.json"),
        "pdf": client.get(f"/results/{year}/{slug}/protocol.pdf"),
        "ledger": client.get(f"/results/{year}/ledger.jsonl"),
    }


def test_no_count_is_public_before_publication_and_the_same_counts_everywhere_after(client):
    cv = _counted_city()
    protocol = protocol_generate(actor=cv.chair, season=cv.season, city=cv.city)
    protocol_sign(actor=cv.chair, protocol=protocol)  # signed, but not yet published

    before = _public_surfaces(client, cv)
    page = before["page"].content.decode()
    assert before["page"].status_code == 200 and "ещё не опубликованы" in page
    assert "results-table" not in page and "SHA-256" not in page
    assert "results-table" not in before["season_page"].content.decode()
    assert before["api_city"].status_code == 404 and before["api_city"].json()["code"] == "results_not_published"
    assert before["api_season"].json()["cities"] == [] and before["api_season"].json()["pending"] == [cv.city.slug]
    live = before["api_live"].json()
    assert live["counts"] == "hidden" and all("votes" not in c for c in live["candidates"])
    assert [c["full_name"] for c in live["candidates"]] == sorted(NAMES)  # alphabetical: no count-revealing order
    assert before["csv"].content.decode("utf-8-sig").strip().count("\n") == 0  # the header row only
    assert load_workbook(io.BytesIO(before["xlsx"].content))["Итоги"].max_row == 1
    assert json.loads(before["json"].content)["cities"] == []
    assert before["pdf"].status_code == 404
    assert before["ledger"].status_code == 404  # the ledger would reveal counts: public once all is published

    publication_publish_city(actor=organiser(), season=cv.season, city=cv.city)
    after = _public_surfaces(client, cv)
    tally = city_tally(season=cv.season, city=cv.city)
    expected = {line.full_name: (line.cast, line.annulled, line.valid, line.place) for line in tally.candidates}
    assert expected[NAMES[0]] == (13, 1, 12, 1)

    page = after["page"].content.decode()
    for name, (cast, annulled, valid, _place) in expected.items():
        assert f'<td class="num" data-label="Подано">{cast}</td>\n      ' \
               f'<td class="num" data-label="Аннулировано">{annulled}</td>\n      ' \
               f'<td class="num" data-label="Действительных"><strong>{valid}</strong></td>' in page, name
    assert protocol.pdf_sha256 in page
    api_city = after["api_city"].json()
    assert {c["full_name"]: (c["cast"], c["annulled"], c["valid"], c["place"]) for c in api_city["candidates"]} \
        == expected
    assert api_city["protocol"]["sha256"] == protocol.pdf_sha256
    live = after["api_live"].json()
    assert live["counts"] == "published"
    assert {c["full_name"]: c["votes"] for c in live["candidates"]} == {k: v[2] for k, v in expected.items()}
    rows = list(csv.DictReader(io.StringIO(after["csv"].content.decode("utf-8-sig"))))
    assert {row["full_name"]: (int(row["cast"]), int(row["annulled"]), int(row["valid"]), int(row["place"]))
            for row in rows} == expected
    sheet = load_workbook(io.BytesIO(after["xlsx"].content))["Итоги"]
    header = [cell.value for cell in sheet[1]]
    index = {label: header.index(label) for label in ("Соискатель", "Подано голосов", "Аннулировано",
                                                       "Действительных", "Место")}
    xlsx = {row[index["Соискатель"]]: (row[index["Подано голосов"]], row[index["Аннулировано"]],
                                       row[index["Действительных"]], row[index["Место"]])
            for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert xlsx == expected
    document = json.loads(after["json"].content)
    [city] = document["cities"]
    assert {c["full_name"]: (c["cast"], c["annulled"], c["valid"], c["place"]) for c in city["candidates"]} == expected
    assert after["pdf"].status_code == 200
    pdf = b"".join(after["pdf"].streaming_content)
    assert hashlib.sha256(pdf).hexdigest() == protocol.pdf_sha256
    text = pdf_text(pdf)
    for name, (cast, annulled, valid, place) in expected.items():
        assert f"{name}" in text and f"{cast} {annulled} {valid} {place}" in text
    assert after["ledger"].status_code == 200  # the only city of the season is published


def test_only_a_signed_protocol_is_published_and_only_by_organisers():
    cv = _counted_city()
    boss = organiser()
    with pytest.raises(ApplicationError) as error:
        publication_publish_city(actor=boss, season=cv.season, city=cv.city)
    assert error.value.code == "protocol_not_signed"
    protocol_generate(actor=cv.chair, season=cv.season, city=cv.city)
    with pytest.raises(ApplicationError) as error:
        publication_publish_city(actor=boss, season=cv.season, city=cv.city)
    assert error.value.code == "protocol_not_signed"
    protocol_sign(actor=cv.chair, protocol=protocol_generate(actor=cv.chair, season=cv.season, city=cv.city))
    with pytest.raises(ApplicationError) as error:
        publication_publish_city(actor=cv.chair, season=cv.season, city=cv.city)
    assert error.value.code == "organisers_only"
    assert not Publication.objects.exists()

    publication_publish_city(actor=boss, season=cv.season, city=cv.city)
    with pytest.raises(ApplicationError) as error:
        publication_publish_city(actor=boss, season=cv.season, city=cv.city)
    assert error.value.code == "already_published"
    assert sorted(Laureate.objects.values_list("place", "full_name")) == [(1, NAMES[0]), (2, NAMES[1]), (3, NAMES[2])]
    assert Laureate.objects.get(place=1).application_id == cv.candidates[0].pk


def test_the_season_is_published_all_or_nothing():
    first = city_vote(names=NAMES)
    first.cast([4, 3, 2, 1])
    second = city_vote(season=first.season, names=["Морозов Максим", "Никитина Нина", "Орлов Олег"])
    second.cast([3, 2, 1])
    close_voting(first.season)
    protocol_sign(actor=first.chair, protocol=protocol_generate(actor=first.chair, season=first.season,
                                                                city=first.city))
    boss = organiser()
    with pytest.raises(ApplicationError) as error:
        publication_publish_season(actor=boss, season=first.season)
    assert error.value.code == "protocols_not_signed" and error.value.details["cities"] == [second.city.slug]
    assert not Publication.objects.exists()

    protocol_sign(actor=second.chair, protocol=protocol_generate(actor=second.chair, season=first.season,
                                                                 city=second.city))
    publications = publication_publish_season(actor=boss, season=first.season)
    assert {publication.city_id for publication in publications} == {first.city.pk, second.city.pk}
    assert Laureate.objects.count() == 6


def test_signing_needs_the_current_draft_by_a_committee_member(tmp_path):
    cv = _counted_city()
    old = protocol_generate(actor=cv.chair, season=cv.season, city=cv.city)
    with pytest.raises(ApplicationError) as error:
        protocol_sign(actor=organiser(), protocol=old)
    assert error.value.code == "committee_only"
    # the count changes after the draft: the draft is stale
    votes_annul(actor=cv.chair, season=cv.season, city=cv.city, vote_ids=[cv.votes[cv.candidates[1].pk][0].pk],
                reason_code="coercion", reason="Давление на работников")
    with pytest.raises(ApplicationError) as error:
        protocol_sign(actor=cv.chair, protocol=old)
    assert error.value.code == "protocol_stale"
    new = protocol_generate(actor=cv.chair, season=cv.season, city=cv.city)
    with pytest.raises(ApplicationError) as error:
        protocol_sign(actor=cv.chair, protocol=old)
    assert error.value.code == "protocol_superseded"

    from django.core.files.uploadedfile import SimpleUploadedFile

    scan = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 signed scan", content_type="application/pdf")
    signed = protocol_sign(actor=cv.member, protocol=new, scan=scan)
    assert signed.is_signed and signed.signed_scan_sha256 == hashlib.sha256(b"%PDF-1.4 signed scan").hexdigest()
    with pytest.raises(ApplicationError) as error:
        protocol_generate(actor=cv.chair, season=cv.season, city=cv.city)
    assert error.value.code == "protocol_signed"


def test_the_protocol_pdf_states_everything_the_issue_lists():
    cv = _counted_city()
    protocol = protocol_generate(actor=cv.chair, season=cv.season, city=cv.city)
    pdf = protocol.pdf.read()
    assert hashlib.sha256(pdf).hexdigest() == protocol.pdf_sha256
    text = pdf_text(pdf)
    tally = city_tally(season=cv.season, city=cv.city)
    for expected in (
        "ПРОТОКОЛ № 1", "итогов народного голосования", cv.season.title, cv.city.name_ru,
        "Голосование проводилось",
        f"Жителей города, принявших участие в голосовании {tally.voters_voted}",
        "Голосов подано 28", "Голосов аннулировано 1", "Действительных голосов 27",
        "Вознаграждение за голос (подкуп) 1",
        "Соискатели не снимались", "Призёры",
        protocol.ledger_head_hash, f"реестре {protocol.ledger_sequence} записей",
        "Председатель", "Председателев П. П.", "Членова Ч. Ч.", "(подпись)",
        "Страница 1 из", "Протокол № 1 итогов народного голосования",
    ):
        assert expected in text, expected
    for line in tally.candidates:
        assert f"{line.full_name}" in text and f"{line.cast} {line.annulled} {line.valid} {line.place}" in text
    assert_tagged_pdf(pdf, title_part="Протокол итогов народного голосования")

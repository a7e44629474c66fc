"""The public verifier (verifier/verify_atomgrad.py), run as a separate Python with no site-packages (-I -S: the
standard library alone) on the real exports: it accepts an honest export and names the first thing that
disagrees in each tampered one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from atomgrad.results.services.annulment import annulments_reverse, votes_annul
from atomgrad.results.services.decisions import city_declare_void
from atomgrad.results.services.protocol import protocol_generate, protocol_sign
from atomgrad.results.services.publication import publication_publish_season
from atomgrad.voting import ledger
from tests.results.helpers import city_vote, close_voting, organiser

pytestmark = pytest.mark.django_db

VERIFIER = Path(__file__).resolve().parents[2] / "verifier" / "verify_atomgrad.py"


def verify(*args: Path | str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-I", "-S", str(VERIFIER), *map(str, args)], capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.fixture
def exported(tmp_path):  # type: ignore[no-untyped-def]
    """A published season of two cities (annulments, a reversal, a void city), exported with the command."""
    home = city_vote(names=["Абрамова Ася", "Баранов Борис", "Власова Вера", "Герасимов Гена"])
    home.cast([7, 5, 3, 1])
    away = city_vote(season=home.season, names=["Даниленко Дарья", "Егоров Егор", "Жукова Жанна"])
    away.cast([4, 2, 1])
    close_voting(home.season)
    annulments = votes_annul(actor=home.chair, season=home.season, city=home.city,
                             vote_ids=[vote.pk for vote in home.votes[home.candidates[0].pk][:2]],
                             reason_code="fraud_suspected", reason="Накрутка")
    annulments_reverse(actor=home.chair, season=home.season, city=home.city, annulment_ids=[annulments[0].pk],
                       reason_code="voter_confirmed", reason="Подтвердил")
    votes_annul(actor=away.chair, season=home.season, city=away.city,
                vote_ids=[away.votes[away.candidates[1].pk][0].pk], reason_code="coercion", reason="Давление")
    city_declare_void(actor=away.chair, season=home.season, city=away.city, reason="Массовое принуждение")
    for cv in (home, away):
        protocol_sign(actor=cv.chair, protocol=protocol_generate(actor=cv.chair, season=cv.season, city=cv.city))
    publication_publish_season(actor=organiser(), season=home.season)
    ledger_path, results_path = tmp_path / "ledger.jsonl", tmp_path / "results.json"
    call_command("export_ledger", season=home.season.year, output=str(ledger_path), results=str(results_path))
    return ledger_path, results_path


def _lines(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _write(path: Path, entries: list[dict]) -> None:  # type: ignore[type-arg]
    path.write_text("".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in entries), encoding="utf-8")


def test_an_honest_export_verifies(exported):
    ledger_path, results_path = exported
    result = verify(ledger_path, results_path, "--count-voters")
    assert result.returncode == 0, result.stdout + result.stderr
    entries = _lines(ledger_path)
    assert f"OK: {len(entries)} ledger entries" in result.stdout
    assert "OK: 2 published cities match the recount" in result.stdout
    kinds = {entry["kind"] for entry in entries}
    assert kinds == {"vote", "annulment", "annulment_reversal"}
    assert all(len(entry["voter"]) == 64 for entry in entries)  # pseudonyms only


def test_a_changed_candidate_in_one_entry_is_named(exported, tmp_path):
    ledger_path, results_path = exported
    entries = _lines(ledger_path)
    victim = next(entry for entry in entries if entry["kind"] == "vote" and entry["sequence"] > 3)
    others = {entry["candidate"] for entry in entries if entry["city"] == victim["city"]} - {victim["candidate"]}
    victim["candidate"] = sorted(others)[0]
    _write(tmp_path / "tampered.jsonl", entries)
    result = verify(tmp_path / "tampered.jsonl", results_path)
    assert result.returncode == 1
    assert result.stdout.startswith(f"FAIL: entry {victim['sequence']} ") and "entry_hash" in result.stdout


def test_a_changed_candidate_with_recomputed_hashes_fails_at_the_protocol_head(exported, tmp_path):
    """A forger who rehashes the whole chain after the change still cannot match the head hash printed in the
    signed protocols."""
    ledger_path, results_path = exported
    entries = _lines(ledger_path)
    annulled = {entry["target_sequence"] for entry in entries if entry["kind"] == "annulment"}
    victim = next(entry for entry in entries if entry["kind"] == "vote" and entry["sequence"] not in annulled)
    victim["candidate"] = next(e["candidate"] for e in entries if e["city"] == victim["city"]
                               and e["candidate"] != victim["candidate"])
    previous = ledger.GENESIS_HASH
    for entry in entries:
        entry["prev_hash"] = previous
        entry["entry_hash"] = ledger.entry_hash(entry)
        previous = entry["entry_hash"]
    _write(tmp_path / "rehashed.jsonl", entries)
    result = verify(tmp_path / "rehashed.jsonl", results_path)
    assert result.returncode == 1 and "head hash" in result.stdout


def test_a_dropped_entry_is_named(exported, tmp_path):
    ledger_path, results_path = exported
    entries = _lines(ledger_path)
    dropped = entries.pop(5)
    _write(tmp_path / "dropped.jsonl", entries)
    result = verify(tmp_path / "dropped.jsonl", results_path)
    assert result.returncode == 1
    assert result.stdout.startswith(f"FAIL: entry {dropped['sequence']} (line {dropped['sequence']})")


def test_a_swapped_pair_is_named(exported, tmp_path):
    ledger_path, results_path = exported
    entries = _lines(ledger_path)
    entries[7], entries[8] = entries[8], entries[7]
    _write(tmp_path / "swapped.jsonl", entries)
    result = verify(tmp_path / "swapped.jsonl", results_path)
    assert result.returncode == 1 and result.stdout.startswith("FAIL: entry 8 (line 8)")


def test_a_dropped_tail_entry_is_caught_by_the_protocol_head(exported, tmp_path):
    ledger_path, results_path = exported
    entries = _lines(ledger_path)
    _write(tmp_path / "short.jsonl", entries[:-1])
    result = verify(tmp_path / "short.jsonl", results_path)
    assert result.returncode == 1 and "ledger entries, the ledger has" in result.stdout


def test_a_changed_published_count_is_named(exported, tmp_path):
    ledger_path, results_path = exported
    document = json.loads(results_path.read_text(encoding="utf-8"))
    city = next(city for city in document["cities"] if not city["void"])
    line = city["candidates"][0]
    line["valid"] += 1
    (tmp_path / "results.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = verify(ledger_path, tmp_path / "results.json")
    assert result.returncode == 1
    assert f"city {city['city_slug']}, candidate {line['id']}" in result.stdout and "published valid" in result.stdout


def test_a_changed_place_or_total_is_named(exported, tmp_path):
    ledger_path, results_path = exported
    document = json.loads(results_path.read_text(encoding="utf-8"))
    city = next(city for city in document["cities"] if not city["void"])
    first, second = city["candidates"][0], city["candidates"][1]
    first["place"], second["place"] = second["place"], first["place"]
    (tmp_path / "places.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = verify(ledger_path, tmp_path / "places.json")
    assert result.returncode == 1 and "is placed" in result.stdout

    document = json.loads(results_path.read_text(encoding="utf-8"))
    document["cities"][0]["votes_annulled"] += 1
    (tmp_path / "totals.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = verify(ledger_path, tmp_path / "totals.json")
    assert result.returncode == 1 and "published votes_annulled" in result.stdout


def test_an_annulment_that_does_not_match_its_vote_is_caught(exported, tmp_path):
    """An annulment rewritten to point at another candidate's vote (and the chain rehashed to hide it, as a
    dishonest server could before signing) is still caught: it does not match the vote it names."""
    ledger_path, _ = exported
    entries = _lines(ledger_path)
    annulment = next(entry for entry in entries if entry["kind"] == "annulment")
    other_vote = next(entry for entry in entries if entry["kind"] == "vote" and entry["candidate"] !=
                      annulment["candidate"] and entry["sequence"] < annulment["sequence"])
    annulment["target_sequence"] = other_vote["sequence"]
    previous = ledger.GENESIS_HASH
    for entry in entries:
        entry["prev_hash"] = previous
        entry["entry_hash"] = ledger.entry_hash(entry)
        previous = entry["entry_hash"]
    _write(tmp_path / "mismatch.jsonl", entries)
    result = verify(tmp_path / "mismatch.jsonl")
    assert result.returncode == 1
    assert f"FAIL: entry {annulment['sequence']}: the annulment does not match the vote" in result.stdout


def test_bad_input_exits_2(tmp_path):
    result = verify(tmp_path / "missing.jsonl")
    assert result.returncode == 2
    (tmp_path / "results.json").write_text("{}", encoding="utf-8")
    (tmp_path / "ledger.jsonl").write_text("", encoding="utf-8")
    assert verify(tmp_path / "ledger.jsonl", tmp_path / "results.json").returncode == 2

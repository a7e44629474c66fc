"""The public verifier (verifier/verify_atomgrad.py), run as a separate Python with no site-packages (-I -S: the
standard library alone) on the real exports: it accepts an honest export and names the first thing that
disagrees in each tampered one."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


def _write(path: Path, entries: list[dict], *, as_exported: bool = False) -> None:  # type: ignore[type-arg]
    """Lines with spaces after the separators (not canonical: the verifier decodes and re-encodes each), or
    `as_exported`, exactly as the product's export writes them (canonical: the verifier's fast path)."""
    options = {"sort_keys": True, "separators": (",", ":")} if as_exported else {}
    path.write_text("".join(json.dumps(entry, ensure_ascii=False, **options) + "\n"  # type: ignore[arg-type]
                            for entry in entries), encoding="utf-8")


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


# --- malformed files: FAIL (1) or unreadable (2), never a traceback ----------------------------------------------


def test_a_lone_surrogate_in_a_ledger_line_fails_cleanly(exported, tmp_path):
    """JSON may escape a lone surrogate (`\\ud800`), which has no UTF-8 encoding: the entry cannot be canonical.
    The verifier used to die with a UnicodeEncodeError traceback here."""
    ledger_path, results_path = exported
    lines = ledger_path.read_text(encoding="utf-8").splitlines(keepends=True)
    entry = json.loads(lines[2])
    entry["reason"] = "\ud800"
    lines[2] = json.dumps(entry) + "\n"  # ensure_ascii: the surrogate is written as the escape \ud800
    (tmp_path / "surrogate.jsonl").write_text("".join(lines), encoding="utf-8")
    result = verify(tmp_path / "surrogate.jsonl", results_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("FAIL: entry 3 (line 3): a string holds a lone surrogate")
    assert "Traceback" not in result.stderr


def test_a_surrogate_in_the_results_file_is_printed_escaped(exported, tmp_path):
    ledger_path, results_path = exported
    document = json.loads(results_path.read_text(encoding="utf-8"))
    city = next(city for city in document["cities"] if not city["void"])
    city["candidates"][0]["full_name"] = "\udc80"
    city["candidates"][0]["valid"] += 1
    (tmp_path / "results.json").write_text(json.dumps(document), encoding="utf-8")
    result = verify(ledger_path, tmp_path / "results.json")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "(\\udc80): published valid" in result.stdout


def test_integers_beyond_the_canonical_range_fail(tmp_path):
    """The encoding equals RFC 8785 only for integers below 2**53: a larger one is refused by name."""
    entries = _fuzz_chain()
    entries[1]["candidate"] = 2**53
    _reseal(entries)
    path = tmp_path / "big.jsonl"
    _write(path, entries)
    result = verify(path)
    assert result.returncode == 1
    assert result.stdout.startswith("FAIL: entry 2 (line 2): candidate must be between 0 and 2**53 - 1")


def test_a_file_that_is_not_utf8_or_gzip_is_unreadable(tmp_path):
    (tmp_path / "latin1.jsonl").write_bytes(b'{"reason": "\xe9"}\n')
    (tmp_path / "broken.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    (tmp_path / "results.json").write_bytes(b"[[[[" * 100_000)
    for args in (("latin1.jsonl",), ("broken.jsonl.gz",), ("latin1.jsonl", "results.json")):
        result = verify(*(tmp_path / name for name in args))
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr and "cannot read" in result.stderr


def _verifier_module():  # type: ignore[no-untyped-def]
    import importlib.util

    spec = importlib.util.spec_from_file_location("verify_atomgrad_fuzzed", VERIFIER)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]  # dataclasses look their module up there
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


FUZZ_VERIFIER = _verifier_module()
FUZZ_VOTER = "a" * 64


def _reseal(entries: list[dict]) -> None:  # type: ignore[type-arg]
    """Recompute prev_hash and entry_hash (as a forger would); a surrogate is hashed with surrogatepass so that a
    sealed entry can carry one."""
    previous = "0" * 64
    for entry in entries:
        entry.pop("entry_hash", None)
        entry["prev_hash"] = previous
        body = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        entry["entry_hash"] = previous = hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


def _fuzz_chain() -> list[dict]:  # type: ignore[type-arg]
    entries = []
    for sequence in range(1, 5):
        entries.append({"candidate": 10 + sequence % 2, "channel": "web", "city": "sarov",
                        "created_at": f"2026-10-05T10:00:0{sequence}.000000Z", "kind": "vote", "prev_hash": "",
                        "reason": None, "reason_code": None, "season": 2026, "sequence": sequence,
                        "target_sequence": None, "voter": FUZZ_VOTER})
    entries.append({**entries[0], "kind": "annulment", "channel": None, "sequence": 5, "target_sequence": 1,
                    "reason_code": "fraud_suspected", "reason": "Накрутка",
                    "created_at": "2026-10-20T10:00:00.000000Z"})
    _reseal(entries)
    return entries


def _fuzz_results(entries: list[dict]) -> dict:  # type: ignore[type-arg]
    return {"format": "atomgrad-results/1", "season": 2026, "cities": [{
        "city_slug": "sarov", "votes_cast": 4, "votes_annulled": 1, "votes_valid": 3, "void": False,
        "voters_voted": 1, "annulled_by_reason": {"fraud_suspected": 1},
        "protocol": {"ledger_sequence": 5, "ledger_head_hash": entries[-1]["entry_hash"]},
        "candidates": [
            {"id": 10, "full_name": "Абрамова Ася", "cast": 2, "annulled": 0, "valid": 2, "place": 1,
             "laureate": True, "disqualified": False},
            {"id": 11, "full_name": "Баранов Борис", "cast": 2, "annulled": 1, "valid": 1, "place": 2,
             "laureate": True, "disqualified": False},
        ]}]}


def _run_in_process(*paths: Path, extra: tuple[str, ...] = ()) -> tuple[int, str]:
    """main() with stdout and stderr as strict UTF-8 streams, like a terminal's: printing a lone surrogate would
    raise, as it does for a real user."""
    import contextlib
    import io

    out, err = io.BytesIO(), io.BytesIO()
    out_text = io.TextIOWrapper(out, encoding="utf-8", errors="strict")
    err_text = io.TextIOWrapper(err, encoding="utf-8", errors="strict")
    with contextlib.redirect_stdout(out_text), contextlib.redirect_stderr(err_text):
        code = FUZZ_VERIFIER.main([*map(str, paths), "--count-voters", *extra])
    out_text.flush()
    return code, out.getvalue().decode("utf-8")


# JSON values of every kind, with strings that may hold lone surrogates and integers beyond 64 bits.
_surrogate_text = st.text(st.characters(min_codepoint=0, max_codepoint=0xDFFF, exclude_categories=()), max_size=6)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=False)
    | _surrogate_text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_surrogate_text, children, max_size=3),
    max_leaves=6,
)
_fields = st.sampled_from([*FUZZ_VERIFIER.ENTRY_FIELDS, "entry_hash", "extra"])
_result_paths = st.sampled_from([
    ("season",), ("cities",), ("format",), ("cities", 0), ("cities", 0, "city_slug"), ("cities", 0, "protocol"),
    ("cities", 0, "protocol", "ledger_sequence"), ("cities", 0, "protocol", "ledger_head_hash"),
    ("cities", 0, "candidates"), ("cities", 0, "candidates", 0), ("cities", 0, "candidates", 0, "id"),
    ("cities", 0, "candidates", 0, "place"), ("cities", 0, "candidates", 1, "valid"),
    ("cities", 0, "annulled_by_reason"), ("cities", 0, "annulled_by_reason", "fraud_suspected"),
    ("cities", 0, "void"), ("cities", 0, "votes_cast"), ("cities", 0, "voters_voted"),
])


def _fuzz_files(tmp_path: Path, ledger: bytes, results: dict) -> tuple[Path, Path]:  # type: ignore[type-arg]
    ledger_path, results_path = tmp_path / "fuzz.jsonl", tmp_path / "fuzz-results.json"
    ledger_path.write_bytes(ledger)
    results_path.write_text(json.dumps(results), encoding="ascii")
    return ledger_path, results_path


def _changed_field_files(tmp_path: Path, index: int, name: str, value: object, *, reseal: bool,
                         rebind_head: bool) -> tuple[Path, Path]:
    """The fuzz chain with one entry's field changed (and, with `reseal`, its hashes recomputed so only the
    content is wrong; with `rebind_head` too, the protocol names the new head)."""
    entries = _fuzz_chain()
    results = _fuzz_results(entries)
    entries[index][name] = value
    if reseal:
        _reseal(entries)
        if rebind_head:
            results["cities"][0]["protocol"]["ledger_head_hash"] = entries[-1]["entry_hash"]
    return _fuzz_files(tmp_path, "".join(json.dumps(entry) + "\n" for entry in entries).encode("ascii"), results)


def _damaged_bytes_files(tmp_path: Path, position: int, junk: bytes, cut: bool) -> tuple[Path, Path]:
    """The fuzz chain's file with `junk` written over (or, with `cut`, in place of the rest from) `position`."""
    entries = _fuzz_chain()
    data = "".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in entries).encode("utf-8")
    position %= len(data)
    data = data[:position] + junk + (b"" if cut else data[position + len(junk):])
    return _fuzz_files(tmp_path, data, _fuzz_results(entries))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(index=st.integers(0, 4), name=_fields, value=_json_values, reseal=st.booleans())
def test_fuzz_any_changed_field_gives_fail_or_unreadable(tmp_path, index, name, value, reseal):
    code, output = _run_in_process(*_changed_field_files(tmp_path, index, name, value, reseal=reseal,
                                                         rebind_head=True))
    assert code in (0, 1, 2)
    assert code != 0 or output.startswith("OK:")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(0, 2000), junk=st.binary(max_size=12) | _surrogate_text.map(
    lambda text: text.encode("utf-8", "surrogatepass")), cut=st.booleans())
def test_fuzz_any_damaged_bytes_give_fail_or_unreadable(tmp_path, position, junk, cut):
    code, _ = _run_in_process(*_damaged_bytes_files(tmp_path, position, junk, cut))
    assert code in (0, 1, 2)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=_result_paths, value=_json_values)
def test_fuzz_any_changed_results_field_gives_fail_or_unreadable(tmp_path, path, value):
    entries = _fuzz_chain()
    results = _fuzz_results(entries)
    target = results
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    ledger_path, results_path = tmp_path / "fuzz.jsonl", tmp_path / "fuzz-results.json"
    _write(ledger_path, entries)
    results_path.write_text(json.dumps(results), encoding="ascii")
    code, output = _run_in_process(ledger_path, results_path)
    assert code in (0, 1, 2)
    assert code != 0 or output.startswith("OK:")


def test_a_laureate_below_the_published_minimum_is_named(exported, tmp_path):
    ledger_path, results_path = exported
    document = json.loads(results_path.read_text(encoding="utf-8"))
    city = next(city for city in document["cities"] if not city["void"])
    assert city["min_valid_votes"] == 1  # stated in every protocol
    laureate = next(line for line in city["candidates"] if line["laureate"])
    city["min_valid_votes"] = laureate["valid"] + 1
    (tmp_path / "minimum.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = verify(ledger_path, tmp_path / "minimum.json")
    assert result.returncode == 1 and "below the season's minimum" in result.stdout


# --- the parallel recount: the same answer, word for word, as the single process -----------------------------------


def _tampered_variants(ledger_path: Path, results_path: Path, tmp_path: Path) -> list[tuple[Path, Path | None]]:
    """The honest export and a dozen ways of spoiling it, each a (ledger, results) pair."""
    entries = _lines(ledger_path)
    variants: list[tuple[Path, Path | None]] = [(ledger_path, results_path), (ledger_path, None)]

    def add(name: str, changed: list[dict], *, rehash: bool = False) -> None:  # type: ignore[type-arg]
        if rehash:
            previous = ledger.GENESIS_HASH
            for entry in changed:
                entry["prev_hash"] = previous
                entry["entry_hash"] = previous = ledger.entry_hash(entry)
        for prefix, as_exported in (("", False), ("exported-", True)):  # the full path and the fast path
            _write(tmp_path / f"{prefix}{name}", changed, as_exported=as_exported)
            variants.extend([(tmp_path / f"{prefix}{name}", results_path), (tmp_path / f"{prefix}{name}", None)])

    changed = _lines(ledger_path)
    changed[4]["candidate"] += 1
    add("candidate.jsonl", changed)
    add("candidate-rehashed.jsonl", changed, rehash=True)
    add("dropped.jsonl", entries[:5] + entries[6:])
    add("swapped.jsonl", entries[:7] + [entries[8], entries[7]] + entries[9:])
    add("short.jsonl", entries[:-1])
    changed = _lines(ledger_path)
    annulment = next(entry for entry in changed if entry["kind"] == "annulment")
    annulment["target_sequence"] = next(entry["sequence"] for entry in changed if entry["kind"] == "vote"
                                        and entry["candidate"] != annulment["candidate"])
    add("annulment-mismatch.jsonl", changed, rehash=True)
    changed = _lines(ledger_path)
    reversal = next(entry for entry in changed if entry["kind"] == "annulment_reversal")
    reversal["target_sequence"] = 1
    add("reversal-of-a-vote.jsonl", changed, rehash=True)
    changed = _lines(ledger_path)
    changed[-1]["season"] += 1
    add("season.jsonl", changed, rehash=True)
    blank = tmp_path / "blank-lines.jsonl"
    blank.write_text("\n" + "\n\n".join(ledger_path.read_text(encoding="utf-8").splitlines()) + "\n \n",
                     encoding="utf-8")
    variants.append((blank, results_path))
    damaged = tmp_path / "not-utf8.jsonl"
    data = ledger_path.read_bytes()
    damaged.write_bytes(data[:len(data) // 2] + b"\xff\xfe" + data[len(data) // 2:])
    variants.append((damaged, results_path))
    document = json.loads(results_path.read_text(encoding="utf-8"))
    document["cities"][0]["candidates"][0]["cast"] += 1
    (tmp_path / "count.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    variants.append((ledger_path, tmp_path / "count.json"))
    return variants


def test_the_parallel_recount_answers_exactly_as_the_single_process(exported, tmp_path):
    """`--jobs 3` cuts even this small ledger into ranges of a line or two (size / 24 bytes each), so every join
    between ranges is exercised; output and exit status match `--jobs 1` for the honest export and every tampered
    one."""
    ledger_path, results_path = exported
    outcomes = set()
    for ledger_file, results_file in _tampered_variants(ledger_path, results_path, tmp_path):
        files = [ledger_file] if results_file is None else [ledger_file, results_file]
        single = verify(*files, "--count-voters", "--jobs", "1")
        parallel = verify(*files, "--count-voters", "--jobs", "3")
        assert (parallel.returncode, parallel.stdout, parallel.stderr) == \
            (single.returncode, single.stdout, single.stderr), ledger_file.name
        outcomes.add(single.returncode)
    assert outcomes == {0, 1, 2}


def test_the_ranges_start_at_line_boundaries_and_cover_the_file(exported):
    ledger_path, _ = exported
    data = ledger_path.read_bytes()
    for jobs in (1, 2, 3, 50):
        bounds = FUZZ_VERIFIER.chunk_bounds(str(ledger_path), jobs)
        assert bounds[0][0] == 0 and bounds[-1][1] == len(data)
        assert all(end == next_start for (_, end), (next_start, _) in zip(bounds, bounds[1:], strict=False))
        assert all(data[start - 1:start] == b"\n" for start, _ in bounds[1:])
    assert len(FUZZ_VERIFIER.chunk_bounds(str(ledger_path), 3)) > 10


def _run_both_ways(*paths: Path) -> None:
    outcomes = []
    for jobs in ("1", "3"):
        code, output = _run_in_process(*paths, extra=("--jobs", jobs))
        outcomes.append((code, output))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] in (0, 1, 2)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(index=st.integers(0, 4), name=_fields, value=_json_values, reseal=st.booleans())
def test_fuzz_the_parallel_recount_agrees_on_any_changed_field(tmp_path, index, name, value, reseal):
    _run_both_ways(*_changed_field_files(tmp_path, index, name, value, reseal=reseal, rebind_head=False))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(0, 2000), junk=st.binary(max_size=12), cut=st.booleans())
def test_fuzz_the_parallel_recount_agrees_on_any_damaged_bytes(tmp_path, position, junk, cut):
    _run_both_ways(*_damaged_bytes_files(tmp_path, position, junk, cut))


# --- the fast path: a line already in the export's canonical form is hashed as it stands ------------------------

_LINE_FIELDS = ("season", "sequence", "candidate", "target_sequence", "kind", "city", "channel", "voter", "reason_code",
                "prev_hash")


def _fields_by_full_decoding(line: str) -> tuple:  # type: ignore[type-arg]
    """What the full path reads from a line: decode, check the shape, re-encode and hash."""
    entry = json.loads(line)
    assert FUZZ_VERIFIER.shape_is_sound(entry)
    claimed = entry.pop("entry_hash")
    return (*(entry[name] for name in _LINE_FIELDS), claimed, FUZZ_VERIFIER.canonical_hash(entry))


def test_every_line_of_the_export_takes_the_fast_path_with_the_same_fields_and_hash(exported):
    """The product's export writes canonical lines, so the verifier hashes their bytes instead of re-encoding:
    the fields and the hash are the very ones the full decoding gives (and the product's own entry_hash)."""
    ledger_path, _ = exported
    for line in ledger_path.read_text(encoding="utf-8").splitlines(keepends=True):
        fields = FUZZ_VERIFIER.canonical_line_fields(line, line.encode("utf-8"))
        assert fields is not None, line
        assert fields == FUZZ_VERIFIER.canonical_line_fields(line) == _fields_by_full_decoding(line)
        assert fields[-1] == ledger.entry_hash(json.loads(line))


@settings(max_examples=300, deadline=None)
@given(index=st.integers(0, 4), name=_fields, value=_json_values, reseal=st.booleans(), ascii_only=st.booleans(),
       position=st.integers(0, 600), junk=st.binary(max_size=6))
def test_fuzz_the_fast_path_reads_a_line_exactly_as_the_full_decoding_or_declines(index, name, value, reseal,
                                                                                  ascii_only, position, junk):
    """Whatever a line holds (quotes, backslashes, control characters, escapes, other types, integers beyond
    2**53, extra keys, damaged bytes), the fast path either declines it or gives exactly what decoding and
    re-encoding it gives."""
    entries = _fuzz_chain()
    entries[index][name] = value
    if reseal:
        _reseal(entries)
    text = json.dumps(entries[index], ensure_ascii=ascii_only, sort_keys=True, separators=(",", ":")) + "\n"
    raw = text.encode("utf-8", "surrogatepass")
    position %= len(raw)
    for data in (raw, raw[:position] + junk + raw[position + len(junk):]):
        try:
            line = data.decode("utf-8")  # as the verifier reads: strictly
        except UnicodeDecodeError:
            continue
        fields = FUZZ_VERIFIER.canonical_line_fields(line, data)
        if fields is not None:
            assert fields == FUZZ_VERIFIER.canonical_line_fields(line) == _fields_by_full_decoding(line)


def test_lines_not_in_the_canonical_form_are_decoded_and_checked_as_before(exported, tmp_path):
    """Escaped characters, spaces, another key order: the full path re-encodes such lines, so an honest ledger
    written so still verifies; a reason with a quote and a line break (escaped in the canonical form, so never on
    the fast path) is hashed by its canonical encoding; and a changed field is still named on such a line."""
    ledger_path, results_path = exported
    entries = _lines(ledger_path)
    escaped, spaced, reordered = tmp_path / "escaped.jsonl", tmp_path / "spaced.jsonl", tmp_path / "reordered.jsonl"
    escaped.write_text("".join(json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n" for entry in entries),
                       encoding="utf-8")
    assert "\\u04" in escaped.read_text(encoding="utf-8")  # Cyrillic reasons as \u escapes
    _write(spaced, entries)
    reordered.write_text("".join(json.dumps(dict(reversed(entry.items())), ensure_ascii=False,
                                            separators=(",", ":")) + "\n" for entry in entries), encoding="utf-8")
    for path in (escaped, spaced, reordered):
        assert all(FUZZ_VERIFIER.canonical_line_fields(line) is None
                   for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
                   if '"reason":"' in line or path is not escaped)
        for jobs in ("1", "3"):
            result = verify(path, results_path, "--jobs", jobs)
            assert result.returncode == 0, (path.name, result.stdout, result.stderr)

    chain = _fuzz_chain()
    chain[4]["reason"] = 'Сказал "нет"\nи ушёл'
    _reseal(chain)
    quoted = tmp_path / "quoted.jsonl"
    _write(quoted, chain, as_exported=True)
    assert FUZZ_VERIFIER.canonical_line_fields(quoted.read_text(encoding="utf-8").splitlines()[4]) is None
    assert verify(quoted).returncode == 0
    chain[4]["reason"] = 'Сказал "да"\nи ушёл'  # changed without resealing
    _write(quoted, chain, as_exported=True)
    result = verify(quoted)
    assert result.returncode == 1
    assert result.stdout.startswith("FAIL: entry 5 (line 5): entry_hash does not match the entry's fields")


def test_the_fast_path_changes_no_answer(exported, tmp_path, monkeypatch):
    """The honest export and every tampered variant (in the export's form and not): the same exit status and the
    same words, with one process or several, as when every line is decoded and re-encoded in full."""
    ledger_path, results_path = exported
    variants = _tampered_variants(ledger_path, results_path, tmp_path)
    assert any(path.name.startswith("exported-") for path, _ in variants)

    def answers() -> list[tuple[int, str]]:
        outcomes = []
        for ledger_file, results_file in variants:
            files = [ledger_file] if results_file is None else [ledger_file, results_file]
            for jobs in ("1", "3"):
                outcomes.append(_run_in_process(*files, extra=("--jobs", jobs)))
        return outcomes

    fast = answers()
    monkeypatch.setattr(FUZZ_VERIFIER, "canonical_line_fields", lambda line, raw=None: None)
    assert answers() == fast
    assert {code for code, _ in fast} == {0, 1, 2}

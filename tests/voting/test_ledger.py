"""The ledger's encoding and chain verification (voting.ledger, pure functions), property-based with hypothesis:
any sequence of votes and annulments verifies; changing, dropping, inserting or reordering any entry fails at
that entry."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atomgrad.voting import ledger

BASE_TIME = dt.datetime(2026, 3, 1, 7, 0, tzinfo=dt.UTC)
PSEUDONYMS = [hashlib.sha256(f"voter-{index}".encode()).hexdigest() for index in range(6)]
CITIES = ["sarov", "snezhinsk", "ozersk"]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "ledger.md"


# --- building chains ----------------------------------------------------------------------------------------


def chain_build(operations: list[tuple[str, Any]]) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """Turn abstract operations into a sealed chain, and return it with the tally a careful person would count.

    ("vote", (voter, candidate, city, channel)); ("annul", k) annuls the k-th standing vote (mod their number);
    ("reverse", k) reverses the k-th standing annulment. Operations that have no target are skipped.
    """
    entries: list[dict[str, Any]] = []
    standing_votes: list[dict[str, Any]] = []
    standing_annulments: list[tuple[dict[str, Any], dict[str, Any]]] = []
    tally: dict[int, int] = {}
    for step, (operation, argument) in enumerate(operations):
        base = {
            "season": 2026, "sequence": len(entries) + 1,
            "created_at": ledger.timestamp_format(BASE_TIME + dt.timedelta(seconds=step, microseconds=step * 7)),
            "prev_hash": entries[-1]["entry_hash"] if entries else ledger.GENESIS_HASH,
        }
        if operation == "vote":
            voter, candidate, city, channel = argument
            entry = ledger.entry_seal({
                **base, "kind": "vote", "voter": PSEUDONYMS[voter], "candidate": candidate, "city": CITIES[city],
                "channel": channel, "target_sequence": None, "reason_code": None, "reason": None,
            })
            standing_votes.append(entry)
            tally[candidate] = tally.get(candidate, 0) + 1
        elif operation == "annul" and standing_votes:
            target = standing_votes.pop(argument % len(standing_votes))
            entry = ledger.entry_seal({
                **base, "kind": "annulment", "voter": target["voter"], "candidate": target["candidate"],
                "city": target["city"], "channel": None, "target_sequence": target["sequence"],
                "reason_code": "fraud_signal", "reason": "Голоса с одного устройства «ферма» — см. протокол №3",
            })
            standing_annulments.append((entry, target))
            tally[target["candidate"]] -= 1
        elif operation == "reverse" and standing_annulments:
            annulment, vote = standing_annulments.pop(argument % len(standing_annulments))
            entry = ledger.entry_seal({
                **base, "kind": "annulment_reversal", "voter": vote["voter"], "candidate": vote["candidate"],
                "city": vote["city"], "channel": None, "target_sequence": annulment["sequence"],
                "reason_code": "appeal_upheld", "reason": "Жалоба удовлетворена",
            })
            standing_votes.append(vote)
            tally[vote["candidate"]] += 1
        else:
            continue
        entries.append(entry)
    return entries, tally


vote_operation = st.tuples(
    st.just("vote"),
    st.tuples(st.integers(0, len(PSEUDONYMS) - 1), st.integers(1, 8), st.integers(0, len(CITIES) - 1),
              st.sampled_from(["web", "api", "telegram"])),
)
other_operation = st.tuples(st.sampled_from(["annul", "reverse"]), st.integers(0, 1000))
operations_strategy = st.lists(st.one_of(vote_operation, vote_operation, other_operation), min_size=1,
                               max_size=40)


def nonempty_chain(operations: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    entries, _ = chain_build(operations)
    return entries or chain_build([("vote", (0, 1, 0, "web"))])[0]


def head_of(entries: list[dict[str, Any]]) -> tuple[int, str]:
    return (len(entries), entries[-1]["entry_hash"] if entries else ledger.GENESIS_HASH)


def mutated(value: Any, field: str) -> Any:
    """A different value of the same kind (or null ↔ value for nullable fields)."""
    if field in ("season", "sequence", "candidate"):
        return value + 1
    if field == "target_sequence":
        return 1 if value is None else value + 1
    if field in ("channel", "reason_code", "reason"):
        return "web" if value is None else None if field != "channel" or value == "api" else "api"
    if field == "kind":
        return "annulment" if value == "vote" else "vote"
    if field in ("prev_hash", "entry_hash", "voter"):
        return ("f" if value[0] != "f" else "e") + value[1:]
    if field == "city":
        return value + "x"
    if field == "created_at":
        return value.replace(".", ",")
    raise AssertionError(field)


# --- properties ---------------------------------------------------------------------------------------------

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(operations_strategy)
def test_any_sequence_of_votes_and_annulments_verifies_and_recounts(operations):
    entries, expected_tally = chain_build(operations)
    assert ledger.chain_verify(entries) is None
    assert ledger.chain_verify(entries, expected_head=head_of(entries)) is None
    assert ledger.chain_tally(entries) == expected_tally


@SETTINGS
@given(operations_strategy, st.data())
def test_changing_any_field_of_any_entry_fails_at_that_entry(operations, data):
    entries = nonempty_chain(operations)
    index = data.draw(st.integers(0, len(entries) - 1), label="index")
    field = data.draw(st.sampled_from([*ledger.ENTRY_FIELDS, "entry_hash"]), label="field")
    tampered = [dict(entry) for entry in entries]
    tampered[index][field] = mutated(tampered[index][field], field)
    assert ledger.chain_verify(tampered) == index
    assert ledger.chain_verify(tampered, expected_head=head_of(entries)) == index


@SETTINGS
@given(operations_strategy, st.data())
def test_changing_an_entry_and_rehashing_it_still_fails_at_the_next_entry(operations, data):
    entries = nonempty_chain(operations)
    index = data.draw(st.integers(0, len(entries) - 1), label="index")
    tampered = [dict(entry) for entry in entries]
    tampered[index]["candidate"] += 1
    tampered[index] = ledger.entry_seal(tampered[index])  # a forger recomputes the hash...
    expected = index + 1 if index + 1 < len(entries) else index  # ...and the link to it breaks, or the head
    assert ledger.chain_verify(tampered, expected_head=head_of(entries)) == expected


@SETTINGS
@given(operations_strategy, st.data())
def test_dropping_any_entry_fails_at_its_position(operations, data):
    entries = nonempty_chain(operations)
    index = data.draw(st.integers(0, len(entries) - 1), label="index")
    shorter = entries[:index] + entries[index + 1:]
    assert ledger.chain_verify(shorter, expected_head=head_of(entries)) == index
    if index < len(entries) - 1:
        assert ledger.chain_verify(shorter) == index  # a gap inside the chain shows even without the head


@SETTINGS
@given(operations_strategy, st.data())
def test_inserting_a_replayed_entry_fails_at_its_position(operations, data):
    entries = nonempty_chain(operations)
    index = data.draw(st.integers(0, len(entries)), label="index")
    source = data.draw(st.integers(0, len(entries) - 1).filter(lambda j: j != index), label="replayed")
    longer = entries[:index] + [dict(entries[source])] + entries[index:]
    assert ledger.chain_verify(longer, expected_head=head_of(entries)) == index
    assert ledger.chain_verify(longer) == index


@SETTINGS
@given(operations_strategy, st.data())
def test_inserting_a_forged_well_linked_entry_breaks_the_chain_right_after_it(operations, data):
    entries = nonempty_chain(operations)
    index = data.draw(st.integers(0, len(entries)), label="index")
    forged = ledger.entry_seal({
        **entries[0], "sequence": index + 1, "candidate": 99,
        "prev_hash": entries[index - 1]["entry_hash"] if index else ledger.GENESIS_HASH,
    })
    longer = entries[:index] + [forged] + entries[index:]
    # the forged entry itself links correctly; the entry after it (or, appended, the published head) does not
    assert ledger.chain_verify(longer, expected_head=head_of(entries)) == (
        index + 1 if index < len(entries) else index
    )


@SETTINGS
@given(operations_strategy, st.data())
def test_reordering_entries_fails_at_the_first_moved_entry(operations, data):
    entries = nonempty_chain(operations)
    if len(entries) < 2:
        entries = chain_build([("vote", (0, 1, 0, "web")), ("vote", (1, 2, 0, "api"))])[0]
    order = data.draw(st.permutations(range(len(entries))).filter(lambda p: list(p) != sorted(p)), label="order")
    shuffled = [entries[position] for position in order]
    first_moved = next(index for index, position in enumerate(order) if position != index)
    assert ledger.chain_verify(shuffled) == first_moved
    assert ledger.chain_verify(shuffled, expected_head=head_of(entries)) == first_moved


# --- the encoding itself ------------------------------------------------------------------------------------

EXAMPLE = {
    "season": 2026, "sequence": 1, "kind": "vote", "created_at": "2026-03-01T07:00:00.000000Z",
    "voter": "9f1c" + "0" * 60, "candidate": 42, "city": "sarov", "channel": "web", "target_sequence": None,
    "reason_code": None, "reason": None, "prev_hash": ledger.GENESIS_HASH,
}
EXAMPLE_BYTES = (
    b'{"candidate":42,"channel":"web","city":"sarov","created_at":"2026-03-01T07:00:00.000000Z","kind":"vote",'
    b'"prev_hash":"' + b"0" * 64 + b'","reason":null,"reason_code":null,"season":2026,"sequence":1,'
    b'"target_sequence":null,"voter":"9f1c' + b"0" * 60 + b'"}'
)


def test_the_canonical_bytes_of_the_documented_example():
    assert ledger.canonical_bytes(EXAMPLE) == EXAMPLE_BYTES
    assert ledger.entry_hash(EXAMPLE) == hashlib.sha256(EXAMPLE_BYTES).hexdigest()


def test_the_documentation_states_the_example_and_its_hash():
    text = DOCS.read_text(encoding="utf-8")
    assert EXAMPLE_BYTES.decode() in text
    assert ledger.entry_hash(EXAMPLE) in text


def test_an_exported_line_is_the_canonical_bytes_with_the_entry_hash_among_the_sorted_keys():
    """The export's line format, on which the public verifier's fast path relies (docs/results.md)."""
    sealed = ledger.entry_seal(EXAMPLE)
    line = ledger.entry_line(sealed).encode("utf-8")
    field = b'"entry_hash":"' + sealed["entry_hash"].encode() + b'",'
    assert line.endswith(b"}\n") and line.count(b"\n") == 1
    assert line.replace(field, b"", 1) == EXAMPLE_BYTES + b"\n"
    assert line.index(field) == EXAMPLE_BYTES.index(b'"kind"')


def test_non_ascii_text_is_utf8_and_json_escapes_are_the_standard_ones():
    entry = {**EXAMPLE, "kind": "annulment", "channel": None, "target_sequence": 1, "reason_code": "x",
             "reason": 'Ферма "ботов"\n\\ ✓'}
    encoded = ledger.canonical_bytes(entry)
    assert '"reason":"Ферма \\"ботов\\"\\n\\\\ ✓"'.encode() in encoded
    assert json.loads(encoded) == {name: entry[name] for name in ledger.ENTRY_FIELDS}


def test_timestamps_are_utc_with_microseconds_and_z():
    moscow = dt.timezone(dt.timedelta(hours=3))
    assert ledger.timestamp_format(dt.datetime(2026, 3, 1, 10, 0, 0, 5, tzinfo=moscow)) == \
        "2026-03-01T07:00:00.000005Z"
    with pytest.raises(ledger.LedgerFormatError):
        ledger.timestamp_format(dt.datetime(2026, 3, 1, 10, 0))  # noqa: DTZ001 - naive on purpose


@pytest.mark.parametrize(("field", "value"), [
    ("candidate", True), ("candidate", "42"), ("sequence", 1.0), ("channel", 5), ("target_sequence", "1"),
    ("voter", None),
])
def test_wrong_types_are_refused_not_encoded(field, value):
    with pytest.raises(ledger.LedgerFormatError):
        ledger.canonical_bytes({**EXAMPLE, field: value})
    assert ledger.chain_verify([{**ledger.entry_seal(EXAMPLE), field: value}]) == 0


def test_a_missing_field_is_refused():
    incomplete = dict(EXAMPLE)
    del incomplete["reason"]
    with pytest.raises(ledger.LedgerFormatError):
        ledger.canonical_bytes(incomplete)


def test_the_first_entry_must_start_from_64_zeros_and_the_empty_chain_is_intact():
    assert ledger.chain_verify([]) is None
    assert ledger.chain_verify([], expected_head=(0, ledger.GENESIS_HASH)) is None
    assert ledger.chain_verify([], expected_head=(1, "a" * 64)) == 0
    wrong_start = ledger.entry_seal({**EXAMPLE, "prev_hash": "1" * 64})
    assert ledger.chain_verify([wrong_start]) == 0


def test_a_recount_refuses_an_annulment_that_points_at_no_vote():
    votes, _ = chain_build([("vote", (0, 1, 0, "web"))])
    bogus = ledger.entry_seal({
        **votes[0], "sequence": 2, "prev_hash": votes[0]["entry_hash"], "kind": "annulment", "channel": None,
        "target_sequence": 7, "reason_code": "x", "reason": "x",
    })
    assert ledger.chain_verify([votes[0], bogus]) is None  # well linked...
    with pytest.raises(ledger.LedgerFormatError):
        ledger.chain_tally([votes[0], bogus])  # ...but it annuls nothing


def test_the_module_imports_without_django():
    import subprocess
    import sys

    code = (
        "import importlib.util, sys; "
        f"spec = importlib.util.spec_from_file_location('ledger', {str(ledger.__file__)!r}); "
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module); "
        "assert 'django' not in sys.modules; print(module.GENESIS_HASH)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "0" * 64

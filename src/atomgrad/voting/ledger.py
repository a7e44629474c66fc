"""The vote ledger's canonical encoding, hashing, chain verification and recount: pure functions.

This module imports nothing from Django (only the standard library) so that the public, stdlib-only verifier
can mirror it line by line. docs/ledger.md describes the encoding byte by byte; keep the two in step.

An entry is a mapping with exactly the keys of `ENTRY_FIELDS` (plus `entry_hash` once hashed):

    season            int   the season's year (e.g. 2026)
    sequence          int   1, 2, 3, … without gaps within a season
    kind              str   "vote" | "annulment" | "annulment_reversal"
    created_at        str   UTC, ISO 8601 with microseconds and "Z": "2026-03-01T07:00:00.000000Z"
    voter             str   the voter's per-season pseudonym (64 lowercase hex digits)
    candidate         int   the candidate's id
    city              str   the city's slug
    channel           str   "web" | "api" | "telegram" for a vote; null for annulments and reversals
    target_sequence   int   null for a vote; the annulled vote's sequence for an annulment; the reversed
                            annulment's sequence for a reversal
    reason_code       str   null for a vote; a machine-readable reason otherwise
    reason            str   null for a vote; the committee's reason in words otherwise (it is public)
    prev_hash         str   the previous entry's `entry_hash`; 64 zeros ("0" * 64) for sequence 1

`entry_hash` = lowercase hex SHA-256 of the canonical bytes of all the fields above (entry_hash excluded):
UTF-8 JSON, keys sorted, no whitespace, integers as JSON numbers, null as null (RFC 8785 for this shape).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

GENESIS_HASH = "0" * 64

KIND_VOTE = "vote"
KIND_ANNULMENT = "annulment"
KIND_ANNULMENT_REVERSAL = "annulment_reversal"
KINDS = (KIND_VOTE, KIND_ANNULMENT, KIND_ANNULMENT_REVERSAL)

ENTRY_FIELDS = (
    "candidate",
    "channel",
    "city",
    "created_at",
    "kind",
    "prev_hash",
    "reason",
    "reason_code",
    "season",
    "sequence",
    "target_sequence",
    "voter",
)

_INT_FIELDS = frozenset({"season", "sequence", "candidate"})
_NULLABLE_INT_FIELDS = frozenset({"target_sequence"})
_STR_FIELDS = frozenset({"kind", "created_at", "voter", "city", "prev_hash"})
_NULLABLE_STR_FIELDS = frozenset({"channel", "reason_code", "reason"})


class LedgerFormatError(ValueError):
    """An entry does not have the shape the encoding requires (a missing field, a wrong type...)."""


def timestamp_format(moment: dt.datetime) -> str:
    """A timezone-aware datetime as the ledger writes it: UTC, microseconds, 'Z' ('2026-03-01T07:00:00.000000Z')."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise LedgerFormatError("ledger timestamps must be timezone-aware")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _check_shape(entry: Mapping[str, Any]) -> None:
    missing = [name for name in ENTRY_FIELDS if name not in entry]
    if missing:
        raise LedgerFormatError(f"missing fields: {', '.join(missing)}")
    for name in ENTRY_FIELDS:
        value = entry[name]
        # bool is a subclass of int in Python: refuse it so True never encodes as a candidate id
        if name in _INT_FIELDS and (type(value) is not int):
            raise LedgerFormatError(f"{name} must be an integer")
        if name in _NULLABLE_INT_FIELDS and value is not None and type(value) is not int:
            raise LedgerFormatError(f"{name} must be an integer or null")
        if name in _STR_FIELDS and not isinstance(value, str):
            raise LedgerFormatError(f"{name} must be a string")
        if name in _NULLABLE_STR_FIELDS and value is not None and not isinstance(value, str):
            raise LedgerFormatError(f"{name} must be a string or null")


def _compact_json(value: Mapping[str, Any]) -> str:
    """Compact JSON with sorted keys, non-ASCII as it is: how the hashed bytes and the exported lines are both
    written (the verifier hashes an exported line as it stands because the two agree)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_bytes(entry: Mapping[str, Any]) -> bytes:
    """The exact bytes that are hashed: the fields of ENTRY_FIELDS as compact UTF-8 JSON with sorted keys.

    Any other key (such as `entry_hash`) is ignored; a missing field or a wrong type raises LedgerFormatError.
    """
    _check_shape(entry)
    body = {name: entry[name] for name in ENTRY_FIELDS}
    return _compact_json(body).encode("utf-8")


def entry_hash(entry: Mapping[str, Any]) -> str:
    """Lowercase hex SHA-256 of `canonical_bytes(entry)`."""
    return hashlib.sha256(canonical_bytes(entry)).hexdigest()


def entry_seal(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the entry with its `entry_hash` filled in."""
    sealed = {name: entry[name] for name in ENTRY_FIELDS}
    sealed["entry_hash"] = entry_hash(sealed)
    return sealed


def entry_line(sealed: Mapping[str, Any]) -> str:
    """One line of the exported ledger (JSON Lines): the sealed entry (with `entry_hash`) as compact UTF-8 JSON
    with sorted keys, and a newline. It is the entry's canonical bytes with `"entry_hash":"…",` among them (keys
    sorted: before `"kind"`), so the public verifier can hash the line's own bytes instead of re-encoding it."""
    return _compact_json(sealed) + "\n"


def _entry_is_sound(entry: Mapping[str, Any], *, index: int, previous: Mapping[str, Any] | None) -> bool:
    try:
        computed = entry_hash(entry)
    except LedgerFormatError:
        return False
    if entry.get("entry_hash") != computed:
        return False
    if entry["kind"] not in KINDS or entry["sequence"] != index + 1:
        return False
    if previous is None:
        return entry["prev_hash"] == GENESIS_HASH
    return entry["prev_hash"] == previous["entry_hash"] and entry["season"] == previous["season"]


def chain_verify(
    entries: Iterable[Mapping[str, Any]], *, expected_head: tuple[int, str] | None = None
) -> int | None:
    """Check a season's whole ledger, first entry first. Returns None when it is intact, otherwise the index
    (0-based) of the first entry that does not verify.

    An entry verifies when its hash is the hash of its fields, its sequence is its position + 1, and its
    prev_hash is the previous entry's hash (64 zeros for the first). A changed, dropped, inserted or reordered
    entry therefore fails at its own position, except at the tail: an entry dropped from or forged onto the end
    leaves a shorter or longer chain that is still internally sound. `expected_head` — the published
    (last sequence, last entry_hash) — closes that gap: a chain shorter than the head fails at the index of the
    first missing entry, a longer one at the index of the first extra entry.
    """
    previous: Mapping[str, Any] | None = None
    count = 0
    for index, entry in enumerate(entries):
        if expected_head is not None and index >= expected_head[0]:
            return index
        if not _entry_is_sound(entry, index=index, previous=previous):
            return index
        previous = entry
        count = index + 1
    if expected_head is not None:
        length, last_hash = expected_head
        if count < length:
            return count
        if previous is not None and previous["entry_hash"] != last_hash:
            return count - 1
    return None


def chain_tally(entries: Sequence[Mapping[str, Any]]) -> dict[int, int]:
    """Valid votes per candidate id: votes, minus annulled votes, plus votes whose annulment was reversed.

    Call on a chain that `chain_verify` accepted. Raises LedgerFormatError when an annulment does not point
    at an earlier vote with the same voter, candidate and city, when a vote is annulled twice while annulled,
    or when a reversal does not point at an earlier, still standing annulment.
    """
    by_sequence: dict[int, Mapping[str, Any]] = {}
    annulled_by: dict[int, int] = {}  # vote sequence -> sequence of the annulment now in force
    reversed_annulments: set[int] = set()
    tally: dict[int, int] = {}
    for entry in entries:
        kind = entry["kind"]
        if kind == KIND_VOTE:
            tally[entry["candidate"]] = tally.get(entry["candidate"], 0) + 1
        elif kind == KIND_ANNULMENT:
            target = by_sequence.get(entry["target_sequence"])
            if target is None or target["kind"] != KIND_VOTE:
                raise LedgerFormatError(f"entry {entry['sequence']}: annulment of something that is not a vote")
            if any(target[key] != entry[key] for key in ("voter", "candidate", "city")):
                raise LedgerFormatError(f"entry {entry['sequence']}: annulment does not match its vote")
            if target["sequence"] in annulled_by:
                raise LedgerFormatError(f"entry {entry['sequence']}: the vote is already annulled")
            annulled_by[target["sequence"]] = entry["sequence"]
            tally[entry["candidate"]] -= 1
        elif kind == KIND_ANNULMENT_REVERSAL:
            target = by_sequence.get(entry["target_sequence"])
            if (
                target is None
                or target["kind"] != KIND_ANNULMENT
                or target["sequence"] in reversed_annulments
                or annulled_by.get(target["target_sequence"]) != target["sequence"]
                or any(target[key] != entry[key] for key in ("voter", "candidate", "city"))
            ):
                raise LedgerFormatError(f"entry {entry['sequence']}: reversal of no standing annulment")
            reversed_annulments.add(target["sequence"])
            del annulled_by[target["target_sequence"]]
            tally[entry["candidate"]] += 1
        else:
            raise LedgerFormatError(f"entry {entry.get('sequence')}: unknown kind {kind!r}")
        by_sequence[entry["sequence"]] = entry
    return tally

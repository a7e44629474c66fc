#!/usr/bin/env python3
"""Public recount of the «Новые Созидатели» people's vote — needs nothing but Python 3.11+'s standard library.

    python3 verify_atomgrad.py ledger-2026.jsonl results-2026.json

Download both files from the season's results page (/results/<year>/). The program

1. checks every link of the ledger's hash chain: each entry's `entry_hash` is the SHA-256 of its canonical
   encoding (docs/ledger.md), its `sequence` is its line number, its `prev_hash` is the previous entry's hash;
2. recomputes, for every city and candidate, the votes cast, the votes annulled (annulments minus reversed
   annulments, per reason) and the valid votes, checking that each annulment points at an earlier vote of the
   same voter, candidate and city that is not already annulled, and each reversal at an annulment in force;
3. compares them with every published city in the results file, and checks that the ledger holds, at the
   sequence the city's protocol names, exactly the head hash the protocol prints, and that no entry of the city
   comes after it; and that the published places follow the valid votes.

It exits 0 only when everything matches, and otherwise prints the first entry or count that disagrees and
exits 1 (2 for a file it cannot read — not UTF-8, not JSON, a results file not of its format — or a wrong command
line). Whatever the files hold, the answer is one of these three: never a traceback.

A line written exactly as the export writes it (the entry's canonical encoding with `entry_hash` among the sorted
keys: see "The fast path" below) is hashed as it stands, without decoding and re-encoding it; any other line is
decoded, checked and re-encoded, with the same answer either way.

Memory does not grow with the number of votes: the ledger is read twice, line by line. The first pass keeps
per-candidate counters and the annulments (an annulment names its vote only by sequence number, so the vote's
fields can be compared only once the annulment is known: the second pass reads just those votes' lines). So
memory grows with the number of annulments and candidates, not votes. `--count-voters` also checks the number
of voters per city, which needs the set of voter pseudonyms (memory grows with the voters).

It uses every core (the standard library's multiprocessing): each entry carries its predecessor's hash, so the
file is cut into ranges at line boundaries, one worker per core checks and counts a range at a time, and the
ranges are joined hash to hash (see "The parallel recount" below). `--jobs 1` keeps to one process; a gzip file or
one under 32 MiB is read by one process anyway. Whenever anything disagrees, the single-process pass reads the
file again to name the first disagreement: the answer is the same, word for word, with one process or many.
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import hashlib
import json
import multiprocessing
import os
import re
import sys
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import IO, Any

GENESIS_HASH = "0" * 64
KIND_VOTE = "vote"
KIND_ANNULMENT = "annulment"
KIND_REVERSAL = "annulment_reversal"
KINDS = frozenset({KIND_VOTE, KIND_ANNULMENT, KIND_REVERSAL})
ENTRY_FIELDS = ("candidate", "channel", "city", "created_at", "kind", "prev_hash", "reason", "reason_code",
                "season", "sequence", "target_sequence", "voter")
FIELD_SET = frozenset(ENTRY_FIELDS) | {"entry_hash"}
INT_FIELDS = ("season", "sequence", "candidate")
STR_FIELDS = ("kind", "created_at", "voter", "city", "prev_hash")
NULLABLE_STR_FIELDS = ("channel", "reason_code", "reason")
LAUREATE_PLACES = 3
# The canonical encoding equals RFC 8785 for integers below 2**53 (JSON numbers as IEEE doubles); every integer of
# an entry must be in that range, so that any RFC 8785 implementation reproduces the same bytes.
MAX_SAFE_INTEGER = 2**53 - 1


class Disagreement(Exception):
    """The first thing that does not match; its message says what and where."""


class Unreadable(Exception):
    """A file that cannot be read as what it should be (exit status 2)."""


@dataclass
class Count:
    cast: int = 0
    annulled: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)

    @property
    def valid(self) -> int:
        return self.cast - self.annulled


class Annulments:
    """Every annulment of the ledger in a compact, column-wise store (about 80 bytes each, instead of a Python
    object of some 800): the annulment's and its vote's sequence numbers, the candidate, the city and the
    reason (as small numbers), a SHA-256 of the voter's pseudonym, and whether it was reversed.

    Why it is kept at all: an annulment names its vote by sequence number only, and a vote's own fields can be
    compared with the annulment's only once the annulment is known, i.e. on a second pass over the file. So the
    verifier's memory grows with the number of annulments (and candidates), never with the number of votes.
    """

    def __init__(self) -> None:
        self.sequences = array("q")  # increasing: annulments are appended in ledger order
        self.vote_sequences = array("q")
        self.candidates = array("q")
        self.cities = array("l")
        self.reasons = array("l")
        self.voters = bytearray()  # 32 bytes each
        self.reversed = bytearray()
        self.in_force: set[int] = set()  # vote sequences with an annulment in force
        self.city_names: dict[str, int] = {}
        self.reason_codes: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.sequences)

    @staticmethod
    def voter_key(voter: str) -> bytes:
        return hashlib.sha256(voter.encode("utf-8")).digest()

    def _index_of(self, names: dict[str, int], name: str) -> int:
        index = names.get(name)
        if index is None:
            index = names[name] = len(names)
        return index

    def add(self, *, sequence: int, vote_sequence: int, voter: str, candidate: int, city: str, reason: str) -> None:
        self.sequences.append(sequence)
        self.vote_sequences.append(vote_sequence)
        self.candidates.append(candidate)
        self.cities.append(self._index_of(self.city_names, city))
        self.reasons.append(self._index_of(self.reason_codes, reason))
        self.voters += self.voter_key(voter)
        self.reversed.append(0)
        self.in_force.add(vote_sequence)

    def find(self, sequence: int) -> int | None:
        """The index of the annulment at that ledger sequence, or None."""
        index = bisect.bisect_left(self.sequences, sequence)
        return index if index < len(self.sequences) and self.sequences[index] == sequence else None

    def matches(self, index: int, *, voter: str, candidate: int, city: str) -> bool:
        return (self.candidates[index] == candidate and self.cities[index] == self.city_names.get(city)
                and self.voters[32 * index:32 * index + 32] == self.voter_key(voter))

    def reason_of(self, index: int) -> str:
        code = self.reasons[index]
        return next(name for name, number in self.reason_codes.items() if number == code)


@dataclass
class Recount:
    season: int | None = None
    entries: int = 0
    head_hash: str = GENESIS_HASH
    counts: dict[str, dict[int, Count]] = field(default_factory=dict)  # city -> candidate -> count
    last_sequence_of_city: dict[str, int] = field(default_factory=dict)
    hashes_at: dict[int, str] = field(default_factory=dict)  # only at the sequences asked for
    annulments: Annulments = field(default_factory=Annulments)
    voters: dict[str, set[str]] | None = None


def open_text(path: str) -> IO[str]:
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", newline="\n")
    return open(path, encoding="utf-8", newline="\n")  # noqa: SIM115 - the caller closes it


def entry_lines(path: str) -> Iterator[tuple[int, str]]:
    """(line number, line) for each non-empty line; line numbers start at 1."""
    with open_text(path) as stream:
        for number, line in enumerate(stream, start=1):
            if len(line) > 2 or line.strip():
                yield number, line


# One encoder for every entry (the canonical encoding of docs/ledger.md: UTF-8 JSON, keys sorted, no spaces).
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_DECODER = json.JSONDecoder()


def canonical_hash(entry: dict[str, Any]) -> str:
    """SHA-256 of the entry's canonical encoding (its ENTRY_FIELDS only; `entry_hash` and any other key left
    out). A string holding a lone surrogate (JSON allows the escape `\\ud800`, Unicode has no such character) has
    no UTF-8 encoding, so such an entry cannot be canonical: a Disagreement."""
    body = entry if len(entry) == len(ENTRY_FIELDS) else {name: entry[name] for name in ENTRY_FIELDS}
    try:
        encoded = _ENCODER.encode(body).encode("utf-8")
    except UnicodeEncodeError:
        raise Disagreement("a string holds a lone surrogate (\\ud800–\\udfff), which is not Unicode text") from None
    return hashlib.sha256(encoded).hexdigest()


# The fast path. The product exports each entry as its canonical encoding with `entry_hash` among the sorted keys
# (`voting.ledger.entry_line`: compact JSON with sorted keys, non-ASCII as it is, the same encoder as the hashed
# bytes), so for such a line the canonical bytes need not be rebuilt: they are the line itself
# with `"entry_hash":"…",` cut out. A line is taken as canonical only if it matches this pattern in full: every key
# once, in sorted order, no whitespace; integers as digits without a sign or leading zero; strings of characters
# the encoder writes as they are (no quote, backslash or control character, hence no escape at all). For such a
# line, decoding and re-encoding give back the same bytes, so hashing its bytes is hashing the canonical encoding.
# Any other line (spaces, escapes, another key order, extra keys, a value of another type, a kind the ledger does
# not know, an integer beyond 2**53 - 1) takes the full path (decode, check the shape, re-encode, hash), word for
# word as before.
_STRING = r'"([^"\\\x00-\x1f]*)"'
_STRING_OR_NULL = rf"(?:null|{_STRING})"
_INTEGER = r"(0|[1-9][0-9]{0,15})"  # 2**53 - 1 has 16 digits; the range itself is checked after int()
_INTEGER_OR_NULL = rf"(?:null|{_INTEGER})"
# Narrower still where the ledger's values have a fixed form (hashes and pseudonyms: 64 lowercase hex digits; the
# timestamp: ledger.timestamp_format), which the pattern checks faster; any other value takes the full path.
_HEX = r'"([0-9a-f]{64})"'
_TIMESTAMP = r'"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z)"'
_CANONICAL_LINE = re.compile(
    rf'\{{"candidate":{_INTEGER},"channel":{_STRING_OR_NULL},"city":{_STRING},"created_at":{_TIMESTAMP},'
    rf'("entry_hash":"([0-9a-f]{{64}})",)"kind":{_STRING},"prev_hash":{_HEX},"reason":{_STRING_OR_NULL},'
    rf'"reason_code":{_STRING_OR_NULL},"season":{_INTEGER},"sequence":{_INTEGER},'
    rf'"target_sequence":{_INTEGER_OR_NULL},"voter":{_HEX}\}}\n?'
)
_sha256 = hashlib.sha256

# What a ledger line gives the recount, however it was read: season, sequence, candidate, target_sequence, kind,
# city, channel, voter, reason_code, prev_hash, the claimed entry_hash, and the hash of the canonical encoding.
LineFields = tuple[int, int, int, int | None, str, str, str | None, str, str | None, str, str, str]


def decoded_fields(entry: dict[str, Any]) -> tuple[Any, ...]:
    """The first ten `LineFields` of a decoded entry of sound shape (the full path's counterpart of the fast
    path's pattern groups)."""
    return (entry["season"], entry["sequence"], entry["candidate"], entry["target_sequence"], entry["kind"],
            entry["city"], entry["channel"], entry["voter"], entry["reason_code"], entry["prev_hash"])


def canonical_line_fields(line: str, raw: bytes | None = None) -> LineFields | None:
    """The fields of a line written exactly in the export's canonical form, and the SHA-256 of its canonical
    encoding (taken from the line's own bytes: `raw`, when given, is `line` as UTF-8); None for any other line,
    which the caller then decodes and re-encodes in full. `line` was decoded strictly from UTF-8, so it holds no
    lone surrogate and encodes back to the same bytes."""
    match = _CANONICAL_LINE.fullmatch(line)
    if match is None:
        return None
    (candidate_text, channel, city, _, _, claimed, kind, prev_hash, _, reason_code, season_text, sequence_text,
     target_text, voter) = match.groups()
    candidate, season, sequence = int(candidate_text), int(season_text), int(sequence_text)
    target = None if target_text is None else int(target_text)
    if kind not in KINDS or candidate > MAX_SAFE_INTEGER or season > MAX_SAFE_INTEGER \
            or sequence > MAX_SAFE_INTEGER or (target is not None and target > MAX_SAFE_INTEGER):
        return None  # the full path names what is wrong
    cut, resume = match.span(5)
    end = match.end(14) + 2  # the voter's closing quote and the closing brace; the newline is not hashed
    if raw is not None and len(raw) == len(line):  # ASCII only: character offsets are byte offsets
        hasher = _sha256(raw[:cut])
        hasher.update(raw[resume:end])
    else:
        hasher = _sha256((line[:cut] + line[resume:end]).encode("utf-8"))
    return (season, sequence, candidate, target, kind, city, channel, voter, reason_code, prev_hash, claimed,
            hasher.hexdigest())


def shape_is_sound(entry: Any) -> bool:
    """The fast check of an entry's shape (the common case); `check_shape` says what is wrong otherwise."""
    try:
        return (
            type(entry) is dict
            and type(entry["season"]) is int and type(entry["sequence"]) is int and type(entry["candidate"]) is int
            and type(entry["kind"]) is str and type(entry["created_at"]) is str and type(entry["voter"]) is str
            and type(entry["city"]) is str and type(entry["prev_hash"]) is str
            and type(entry["entry_hash"]) is str
            and (entry["target_sequence"] is None or type(entry["target_sequence"]) is int)
            and (entry["channel"] is None or type(entry["channel"]) is str)
            and (entry["reason_code"] is None or type(entry["reason_code"]) is str)
            and (entry["reason"] is None or type(entry["reason"]) is str)
            and entry["kind"] in KINDS
            and 0 <= entry["season"] <= MAX_SAFE_INTEGER and 0 <= entry["sequence"] <= MAX_SAFE_INTEGER
            and 0 <= entry["candidate"] <= MAX_SAFE_INTEGER
            and (entry["target_sequence"] is None or 0 <= entry["target_sequence"] <= MAX_SAFE_INTEGER)
        )
    except KeyError:
        return False


def check_shape(entry: Any, where: str) -> None:
    if not isinstance(entry, dict):
        raise Disagreement(f"{where}: not a JSON object")
    missing = [name for name in ENTRY_FIELDS if name not in entry]
    if missing or "entry_hash" not in entry:
        raise Disagreement(f"{where}: missing fields {', '.join(missing or ['entry_hash'])}")
    for name in INT_FIELDS:
        if type(entry[name]) is not int:
            raise Disagreement(f"{where}: {name} must be an integer")
    value = entry["target_sequence"]
    if value is not None and type(value) is not int:
        raise Disagreement(f"{where}: target_sequence must be an integer or null")
    for name in (*INT_FIELDS, "target_sequence"):
        if entry[name] is not None and not 0 <= entry[name] <= MAX_SAFE_INTEGER:
            raise Disagreement(f"{where}: {name} must be between 0 and 2**53 - 1 (the range of the canonical "
                               "encoding)")
    for name in STR_FIELDS:
        if not isinstance(entry[name], str):
            raise Disagreement(f"{where}: {name} must be a string")
    for name in NULLABLE_STR_FIELDS:
        if entry[name] is not None and not isinstance(entry[name], str):
            raise Disagreement(f"{where}: {name} must be a string or null")
    if entry["kind"] not in KINDS:
        raise Disagreement(f"{where}: unknown kind {entry['kind']!r}")


def apply_annulment(annulments: Annulments, count: Count, *, kind: str, sequence: int, target: int, voter: str,
                    candidate: int, city: str, reason_code: str, where: str) -> None:
    """An annulment or a reversal, in ledger order: it must act on a vote not yet annulled, or on an annulment in
    force of the same voter, candidate and city."""
    if kind == KIND_ANNULMENT:
        if target in annulments.in_force:
            raise Disagreement(f"{where}: annuls vote {target}, which an earlier entry already annulled")
        annulments.add(sequence=sequence, vote_sequence=target, voter=voter, candidate=candidate, city=city,
                       reason=reason_code)
        count.annulled += 1
        count.by_reason[reason_code] = count.by_reason.get(reason_code, 0) + 1
    else:
        index = annulments.find(target)
        if index is None or annulments.reversed[index]:
            raise Disagreement(f"{where}: reverses entry {target}, which is not an annulment in force")
        if not annulments.matches(index, voter=voter, candidate=candidate, city=city):
            raise Disagreement(f"{where}: the reversal does not match the annulment {target} it reverses")
        annulments.reversed[index] = 1
        annulments.in_force.discard(annulments.vote_sequences[index])
        count.annulled -= 1
        count.by_reason[annulments.reason_of(index)] -= 1


def first_pass(path: str, *, wanted_hashes: set[int], count_voters: bool) -> Recount:
    """Chain, counters and annulments, in one streaming read."""
    recount = Recount(voters={} if count_voters else None)
    previous_hash = GENESIS_HASH
    expected_sequence = 1
    for line_number, line in entry_lines(path):
        where = f"entry {expected_sequence} (line {line_number})"
        fields = canonical_line_fields(line)
        entry: dict[str, Any] = {}
        if fields is None:  # not in the export's canonical form: decode, check and re-encode it in full
            try:
                entry = _DECODER.decode(line)
            except (ValueError, RecursionError):
                raise Disagreement(f"{where}: not valid JSON") from None
            if not shape_is_sound(entry):
                check_shape(entry, where)
                raise Disagreement(f"{where}: the entry is not of the ledger's shape")
            season, sequence, candidate, target, kind, city, channel, voter, reason_code, prev_hash = (
                decoded_fields(entry))
            claimed, digest = entry.pop("entry_hash"), None
        else:
            season, sequence, candidate, target, kind, city, channel, voter, reason_code, prev_hash, claimed, \
                digest = fields
        if sequence != expected_sequence:
            raise Disagreement(f"{where}: sequence is {sequence}, expected {expected_sequence} "
                               "(an entry is missing, repeated or out of order)")
        if prev_hash != previous_hash:
            raise Disagreement(f"{where}: prev_hash does not match the previous entry's hash "
                               "(an entry is missing, changed or out of order)")
        if digest is None:
            try:
                digest = canonical_hash(entry)
            except Disagreement as disagreement:
                raise Disagreement(f"{where}: {disagreement}") from None
        if claimed != digest:
            raise Disagreement(f"{where}: entry_hash does not match the entry's fields (the entry was changed)")
        if recount.season is None:
            recount.season = season
        elif season != recount.season:
            raise Disagreement(f"{where}: season {season} in a ledger of season {recount.season}")
        if sequence in wanted_hashes:
            recount.hashes_at[sequence] = digest
        city_counts = recount.counts.get(city)
        if city_counts is None:
            city_counts = recount.counts[city] = {}
        count = city_counts.get(candidate)
        if count is None:
            count = city_counts[candidate] = Count()
        if kind == KIND_VOTE:
            if channel is None or target is not None:
                raise Disagreement(f"{where}: a vote must have a channel and no target")
            count.cast += 1
            if recount.voters is not None:
                recount.voters.setdefault(city, set()).add(voter)
        else:
            if target is None or target >= sequence or not reason_code:
                raise Disagreement(f"{where}: a {kind} must point at an earlier entry and give a reason code")
            apply_annulment(recount.annulments, count, kind=kind, sequence=sequence, target=target,
                            voter=voter, candidate=candidate, city=city, reason_code=reason_code,
                            where=where)
        recount.last_sequence_of_city[city] = sequence
        previous_hash = digest
        expected_sequence += 1
    recount.entries = expected_sequence - 1
    recount.head_hash = previous_hash
    return recount


def second_pass(path: str, recount: Recount) -> None:
    """Each annulled vote is a vote of the voter, candidate and city the annulment names. Only the lines of those
    votes are parsed (line N holds sequence N: the first pass checked it), walking the annulments in the order of
    their votes."""
    annulments = recount.annulments
    if not len(annulments):
        return
    order = array("q", sorted(range(len(annulments)), key=annulments.vote_sequences.__getitem__))
    position = 0
    next_vote = annulments.vote_sequences[order[0]]
    sequence = 0
    for _, line in entry_lines(path):
        sequence += 1
        if sequence != next_vote:
            continue
        vote = _DECODER.decode(line)
        while position < len(order) and annulments.vote_sequences[order[position]] == sequence:
            index = order[position]
            where = f"entry {annulments.sequences[index]}"
            if vote["kind"] != KIND_VOTE:
                raise Disagreement(f"{where}: annuls entry {sequence}, which is not a vote")
            if not annulments.matches(index, voter=vote["voter"], candidate=vote["candidate"], city=vote["city"]):
                raise Disagreement(f"{where}: the annulment does not match the vote {sequence} it annuls "
                                   "(voter, candidate or city differ)")
            position += 1
        if position == len(order):
            return
        next_vote = annulments.vote_sequences[order[position]]


# --- The parallel recount (the same checks, spread over every core) -----------------------------------------------
#
# Every entry carries its predecessor's hash, so each entry's own checks (its JSON, its shape, its hash) need no
# other entry: the file is cut into byte ranges at line boundaries, worker processes check and count a range each
# and hand back their counters, the first and last hash and sequence of the range, and its annulments; this process
# joins the ranges (each range's first prev_hash must be the previous range's last hash, its first sequence the
# next number), adds the counters up in file order and replays the annulments in ledger order, as the single pass
# does. The parallel path only ever says OK: at the first thing a range or a join does not like, the file is read
# again by the single-process path, which names the first disagreement, with its line, exactly as it always has.

CHUNKS_PER_JOB = 8  # more ranges than workers, so that a worker slowed by the machine does not hold up the rest
MAX_CHUNK_BYTES = 64 * 2**20
AUTO_PARALLEL_BYTES = 32 * 2**20  # below this the single process is as fast as starting the workers


@dataclass
class Chunk:
    """What a worker found in its byte range [start, end): the range's entries were consecutive and each sound."""
    start: int
    end: int
    entries: int = 0
    first_sequence: int = 0
    first_prev_hash: str = ""
    last_hash: str = ""
    season: int | None = None
    cast: dict[tuple[str, int], int] = field(default_factory=dict)  # in order of first appearance
    records: list[tuple[int, str, int, str, int, str, str]] = field(default_factory=list)
    last_sequence_of_city: dict[str, int] = field(default_factory=dict)
    hashes_at: dict[int, str] = field(default_factory=dict)
    voters: dict[str, set[str]] | None = None


def chunk_bounds(path: str, jobs: int) -> list[tuple[int, int]]:
    """Byte ranges of about size / (jobs · CHUNKS_PER_JOB) bytes (at most MAX_CHUNK_BYTES), each starting at a
    line's first byte."""
    with open(path, "rb") as stream:
        size = stream.seek(0, 2)
        step = max(1, min(MAX_CHUNK_BYTES, size // (jobs * CHUNKS_PER_JOB)))
        starts = [0]
        offset = step
        while offset < size:
            stream.seek(offset - 1)
            stream.readline()  # to the end of the line holding byte offset - 1
            boundary = stream.tell()
            if boundary >= size:
                break
            if boundary > starts[-1]:
                starts.append(boundary)
            offset = max(boundary, offset) + step
    return list(zip(starts, [*starts[1:], size], strict=True))


def _byte_lines(path: str, start: int, end: int) -> Iterator[bytes]:
    """The non-empty lines of the range (as entry_lines skips empty ones)."""
    with open(path, "rb") as stream:
        stream.seek(start)
        position = start
        for line in stream:
            position += len(line)
            if len(line) > 2 or line.strip():
                yield line
            if position >= end:
                return


def scan_chunk(task: tuple[str, int, int, frozenset[int], bool]) -> Chunk | None:
    """A worker's share of the first pass; None if anything in the range is wrong (the single pass will say
    what)."""
    path, start, end, wanted_hashes, count_voters = task
    try:
        return _scan_chunk(path, start, end, wanted_hashes, count_voters)
    except Exception:  # whatever it is, the single-process pass reports it in its own words
        return None


def _scan_chunk(path: str, start: int, end: int, wanted_hashes: frozenset[int], count_voters: bool) -> Chunk | None:
    chunk = Chunk(start=start, end=end, voters={} if count_voters else None)
    cast, records, last_of_city, voters = chunk.cast, chunk.records, chunk.last_sequence_of_city, chunk.voters
    decode, sound, digest_of, fast = _DECODER.decode, shape_is_sound, canonical_hash, canonical_line_fields
    expected = -1
    previous = ""
    for raw in _byte_lines(path, start, end):
        line = raw.decode("utf-8")
        fields = fast(line, raw)
        if fields is None:  # not in the export's canonical form: decode, check and re-encode it in full
            entry = decode(line)
            if not sound(entry):
                return None
            claimed = entry.pop("entry_hash")
            fields = (*decoded_fields(entry), claimed, digest_of(entry))
        season, sequence, candidate, target, kind, city, channel, voter, reason_code, prev_hash, claimed, digest = \
            fields
        if expected < 0:
            expected, chunk.first_sequence = sequence, sequence
            chunk.first_prev_hash, chunk.season = prev_hash, season
        elif sequence != expected or prev_hash != previous or season != chunk.season:
            return None
        if claimed != digest:
            return None
        if sequence in wanted_hashes:
            chunk.hashes_at[sequence] = digest
        key = (city, candidate)
        if kind == KIND_VOTE:
            if channel is None or target is not None:
                return None
            cast[key] = cast.get(key, 0) + 1
            if voters is not None:
                voters.setdefault(city, set()).add(voter)
        else:
            if target is None or target >= sequence or not reason_code:
                return None
            cast.setdefault(key, 0)
            records.append((sequence, kind, target, voter, candidate, city, reason_code))
        last_of_city[city] = sequence
        previous = digest
        expected += 1
    chunk.entries = 0 if expected < 0 else expected - chunk.first_sequence
    chunk.last_hash = previous
    return chunk


class _Fallback(Exception):
    """The parallel pass met something it leaves to the single-process pass to name."""


def _in_order(pool: Executor, function: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
    """The results of `function` over `tasks`, in the tasks' order, computed by the pool's workers."""
    for future in [pool.submit(function, task) for task in tasks]:
        yield future.result()


def parallel_first_pass(path: str, *, wanted_hashes: set[int], count_voters: bool, jobs: int,
                        pool: Executor) -> tuple[Recount, list[Chunk]]:
    recount = Recount(voters={} if count_voters else None)
    previous_hash = GENESIS_HASH
    expected_sequence = 1
    tasks = [(path, start, end, frozenset(wanted_hashes), count_voters) for start, end in chunk_bounds(path, jobs)]
    chunks = []
    for chunk in _in_order(pool, scan_chunk, tasks):
        if chunk is None:
            raise _Fallback
        if chunk.entries:
            if chunk.first_sequence != expected_sequence or chunk.first_prev_hash != previous_hash:
                raise _Fallback
            if recount.season is None:
                recount.season = chunk.season
            elif chunk.season != recount.season:
                raise _Fallback
        for (city, candidate), cast in chunk.cast.items():
            city_counts = recount.counts.get(city)
            if city_counts is None:
                city_counts = recount.counts[city] = {}
            count = city_counts.get(candidate)
            if count is None:
                count = city_counts[candidate] = Count()
            count.cast += cast
        for sequence, kind, target, voter, candidate, city, reason_code in chunk.records:
            try:
                apply_annulment(recount.annulments, recount.counts[city][candidate], kind=kind, sequence=sequence,
                                target=target, voter=voter, candidate=candidate, city=city,
                                reason_code=reason_code, where="")
            except Disagreement:
                raise _Fallback from None
        recount.last_sequence_of_city.update(chunk.last_sequence_of_city)
        recount.hashes_at.update(chunk.hashes_at)
        if recount.voters is not None and chunk.voters is not None:
            for city, names in chunk.voters.items():
                recount.voters.setdefault(city, set()).update(names)
        if chunk.entries:
            previous_hash = chunk.last_hash
            expected_sequence += chunk.entries
        chunk.cast, chunk.records, chunk.voters, chunk.hashes_at = {}, [], None, {}  # keep only the range
        chunks.append(chunk)
    recount.entries = expected_sequence - 1
    recount.head_hash = previous_hash
    return recount, chunks


def read_votes(task: tuple[str, int, int, int, list[int]]) -> list[tuple[int, Any, Any, Any, Any]] | None:
    """A worker's share of the second pass: (sequence, kind, voter, candidate, city) of the wanted lines."""
    path, start, end, first_sequence, wanted = task
    try:
        found = []
        position = 0
        for sequence, line in enumerate(_byte_lines(path, start, end), start=first_sequence):
            if sequence == wanted[position]:
                vote = _DECODER.decode(line.decode("utf-8"))
                found.append((sequence, vote["kind"], vote["voter"], vote["candidate"], vote["city"]))
                position += 1
                if position == len(wanted):
                    break
        return found
    except Exception:  # the single-process pass reports it
        return None


def parallel_second_pass(path: str, recount: Recount, chunks: list[Chunk], pool: Executor) -> None:
    """The second pass's checks, each range's annulled votes read by a worker. Any mismatch: the single-process
    second pass names it."""
    annulments = recount.annulments
    if not len(annulments):
        return
    targets = sorted(set(annulments.vote_sequences))
    tasks = []
    for chunk in chunks:
        if chunk.entries:
            low = bisect.bisect_left(targets, chunk.first_sequence)
            high = bisect.bisect_left(targets, chunk.first_sequence + chunk.entries)
            if high > low:
                tasks.append((path, chunk.start, chunk.end, chunk.first_sequence, targets[low:high]))
    votes: dict[int, tuple[int, Any, Any, Any, Any]] = {}
    for found in _in_order(pool, read_votes, tasks):
        if found is None:
            raise _Fallback
        votes.update((vote[0], vote) for vote in found)
    for index in range(len(annulments)):
        vote = votes.get(annulments.vote_sequences[index])
        if vote is None or vote[1] != KIND_VOTE \
                or not annulments.matches(index, voter=vote[2], candidate=vote[3], city=vote[4]):
            raise _Fallback


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def recount_ledger(path: str, *, wanted_hashes: set[int], count_voters: bool, jobs: int) -> Recount:
    """Both passes: in `jobs` worker processes (0: one per core, for a plain file of AUTO_PARALLEL_BYTES or more),
    or in this process alone (`jobs` 1, a gzip file, a small file, or anything the parallel pass leaves to it)."""
    workers = jobs or usable_cores()
    parallel = workers > 1 and not path.endswith(".gz")
    if parallel and not jobs:
        try:
            parallel = os.path.getsize(path) >= AUTO_PARALLEL_BYTES
        except OSError:
            parallel = False  # the single pass reports the file it cannot read
    if parallel:
        try:
            pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context())
        except (OSError, NotImplementedError):  # no processes to be had here: one is enough
            pool = None
        if pool is not None:
            try:
                try:
                    recount, chunks = parallel_first_pass(path, wanted_hashes=wanted_hashes,
                                                          count_voters=count_voters, jobs=workers, pool=pool)
                except (_Fallback, BrokenExecutor):  # BrokenExecutor: a worker died (out of memory, killed)
                    pass
                else:
                    try:
                        parallel_second_pass(path, recount, chunks, pool)
                    except (_Fallback, BrokenExecutor):
                        second_pass(path, recount)  # names the annulment that does not match its vote
                    return recount
            finally:
                # Ranges not started yet are dropped; those under way finish (a worker cannot be interrupted).
                pool.shutdown(wait=True, cancel_futures=True)
    recount = first_pass(path, wanted_hashes=wanted_hashes, count_voters=count_voters)
    second_pass(path, recount)
    return recount


def _is_int(value: Any) -> bool:
    return type(value) is int


def _is_str(value: Any) -> bool:
    return type(value) is str


def _is_optional_int(value: Any) -> bool:
    return value is None or type(value) is int


def _is_bool(value: Any) -> bool:
    return type(value) is bool


# The fields of the results file that the comparison reads, with the type each must have.
CITY_FIELDS = {"city_slug": _is_str, "votes_cast": _is_int, "votes_annulled": _is_int, "votes_valid": _is_int,
               "void": _is_bool, "voters_voted": _is_int}
CANDIDATE_FIELDS = {"id": _is_int, "full_name": _is_str, "cast": _is_int, "annulled": _is_int, "valid": _is_int}
CANDIDATE_OPTIONAL_FIELDS = {"place": _is_optional_int, "laureate": _is_bool, "disqualified": _is_bool}


def check_results_shape(results: Any) -> None:
    """The results file is an atomgrad-results/1 document with every field the comparison reads, each of its
    type; otherwise it is not a results file at all (Unreadable, exit status 2), whatever it holds."""
    if not isinstance(results, dict) or results.get("format") != "atomgrad-results/1":
        raise Unreadable("the results file is not in the atomgrad-results/1 format")
    cities = results.get("cities", [])
    if not _is_int(results.get("season")) or not isinstance(cities, list):
        raise Unreadable("the results file has no season (an integer) or no list of cities")
    for position, city in enumerate(cities, start=1):
        where = f"the results file, city {position}"
        if not isinstance(city, dict):
            raise Unreadable(f"{where}: not a JSON object")
        for name, check in CITY_FIELDS.items():
            if not check(city.get(name)):
                raise Unreadable(f"{where}: {name} is missing or of the wrong type")
        protocol = city.get("protocol")
        if not isinstance(protocol, dict) or not _is_int(protocol.get("ledger_sequence")) \
                or not _is_str(protocol.get("ledger_head_hash")):
            raise Unreadable(f"{where}: the protocol's ledger_sequence or ledger_head_hash is missing or wrong")
        reasons = city.get("annulled_by_reason")
        if not isinstance(reasons, dict) or not all(_is_int(number) for number in reasons.values()):
            raise Unreadable(f"{where}: annulled_by_reason must map reason codes to integers")
        candidates = city.get("candidates")
        if not isinstance(candidates, list):
            raise Unreadable(f"{where}: candidates must be a list")
        for line in candidates:
            if not isinstance(line, dict) \
                    or not all(check(line.get(name)) for name, check in CANDIDATE_FIELDS.items()) \
                    or not all(check(line[name]) for name, check in CANDIDATE_OPTIONAL_FIELDS.items() if name in line):
                raise Unreadable(f"{where}: a candidate's id, full_name, cast, annulled, valid, place, laureate or "
                                 "disqualified is missing or of the wrong type")


def wanted_sequences(results: dict[str, Any]) -> set[int]:
    wanted = set()
    for city in results.get("cities", []):
        protocol = city.get("protocol") or {}
        if isinstance(protocol.get("ledger_sequence"), int):
            wanted.add(protocol["ledger_sequence"])
    return wanted


def compare(recount: Recount, results: dict[str, Any], *, count_voters: bool) -> int:
    """Compare the recount with each published city. Returns the number of cities checked."""
    if results.get("season") != recount.season and recount.entries:
        raise Disagreement(f"results: season {results.get('season')}, but the ledger is of season {recount.season}")
    checked = 0
    for city in results.get("cities", []):
        slug = city["city_slug"]
        where = f"results: city {slug}"
        protocol = city.get("protocol") or {}
        sequence = protocol.get("ledger_sequence")
        head_hash = protocol.get("ledger_head_hash")
        if not isinstance(sequence, int) or sequence > recount.entries:
            raise Disagreement(f"{where}: the protocol counts {sequence} ledger entries, the ledger has "
                               f"{recount.entries}")
        if sequence and recount.hashes_at.get(sequence) != head_hash:
            raise Disagreement(f"{where}: the protocol's head hash {head_hash} is not the hash of ledger entry "
                               f"{sequence} ({recount.hashes_at.get(sequence)})")
        if sequence == 0 and head_hash != GENESIS_HASH:
            raise Disagreement(f"{where}: the protocol's head hash should be 64 zeros for an empty ledger")
        last = recount.last_sequence_of_city.get(slug, 0)
        if last > sequence:
            raise Disagreement(f"{where}: ledger entry {last} of the city comes after its protocol "
                               f"(which counted {sequence} entries)")
        counts = recount.counts.get(slug, {})
        listed = set()
        for line in city["candidates"]:
            candidate = line["id"]
            listed.add(candidate)
            count = counts.get(candidate, Count())
            for name, computed in (("cast", count.cast), ("annulled", count.annulled), ("valid", count.valid)):
                if line[name] != computed:
                    raise Disagreement(f"{where}, candidate {candidate} ({line['full_name']}): published {name} "
                                       f"{line[name]}, the ledger gives {computed}")
        for candidate, count in counts.items():
            if candidate not in listed and (count.cast or count.annulled):
                raise Disagreement(f"{where}: candidate {candidate} has {count.cast} votes in the ledger but is not "
                                   "in the published results")
        totals = {
            "votes_cast": sum(count.cast for count in counts.values()),
            "votes_annulled": sum(count.annulled for count in counts.values()),
        }
        totals["votes_valid"] = totals["votes_cast"] - totals["votes_annulled"]
        for name, computed in totals.items():
            if city[name] != computed:
                raise Disagreement(f"{where}: published {name} {city[name]}, the ledger gives {computed}")
        by_reason: dict[str, int] = {}
        for count in counts.values():
            for code, number in count.by_reason.items():
                if number:
                    by_reason[code] = by_reason.get(code, 0) + number
        published_reasons = {code: number for code, number in city["annulled_by_reason"].items() if number}
        if published_reasons != by_reason:
            raise Disagreement(f"{where}: published annulments by reason {published_reasons}, the ledger gives "
                               f"{by_reason}")
        if count_voters and recount.voters is not None:
            voters = len(recount.voters.get(slug, ()))
            if city["voters_voted"] != voters:
                raise Disagreement(f"{where}: published voters_voted {city['voters_voted']}, the ledger gives "
                                   f"{voters}")
        places_check(city, where)
        checked += 1
    return checked


def places_check(city: dict[str, Any], where: str) -> None:
    """Places follow the valid votes: no candidate has a better place than one with more valid votes; a void
    city and disqualified candidates have no place; laureates are the places 1–3 with at least the minimum of
    valid votes (one, or the season's `min_valid_votes`)."""
    ranked = [line for line in city["candidates"] if line.get("place") is not None]
    if city["void"] and ranked:
        raise Disagreement(f"{where}: the city's vote is void but candidates have places")
    for line in city["candidates"]:
        if line.get("disqualified") and line.get("place") is not None:
            raise Disagreement(f"{where}, candidate {line['id']}: disqualified but placed {line['place']}")
        if line.get("laureate") and not (line.get("place") and line["place"] <= LAUREATE_PLACES):
            raise Disagreement(f"{where}, candidate {line['id']}: a laureate without a place among the top three")
        if line.get("laureate") and line["valid"] < max(1, int(city.get("min_valid_votes") or 1)):
            raise Disagreement(f"{where}, candidate {line['id']}: a laureate with {line['valid']} valid votes, "
                               f"below the season's minimum")
    ranked.sort(key=lambda line: line["place"])
    for better, worse in zip(ranked, ranked[1:], strict=False):
        if better["valid"] < worse["valid"]:
            raise Disagreement(f"{where}: candidate {better['id']} is placed {better['place']} with {better['valid']} "
                               f"valid votes, above candidate {worse['id']} with {worse['valid']}")


def say(text: str, stream: IO[str]) -> None:
    """Print a message that may quote the files' own text (a lone surrogate, a character the terminal's encoding
    lacks) escaped rather than failing to print it."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    print(text.encode(encoding, "backslashreplace").decode(encoding), file=stream)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Recount the «Новые Созидатели» vote from the exported ledger and compare it with the "
                    "published results. Exit status 0: everything matches; 1: something disagrees; 2: bad input.")
    parser.add_argument("ledger", help="the season's ledger, JSON Lines (.jsonl or .jsonl.gz)")
    parser.add_argument("results", nargs="?", help="the season's published results (JSON); without it, only "
                                                   "the chain is checked and the recount printed")
    parser.add_argument("--head", help="also require the ledger to end at SEQUENCE:HASH")
    parser.add_argument("--count-voters", action="store_true",
                        help="also check the voters per city (memory grows with the number of voters)")
    parser.add_argument("--quiet", action="store_true", help="print only a disagreement")
    parser.add_argument("--jobs", type=int, default=0, metavar="N",
                        help="worker processes (default: one per core, for a plain file of 32 MiB or more; "
                             "1: this process alone)")
    args = parser.parse_args(argv)
    if args.jobs < 0:
        parser.error("--jobs must be 0 (one per core) or more")

    head: tuple[int, str] | None = None
    if args.head:
        sequence_text, _, head_hash = args.head.partition(":")
        if not sequence_text.isascii() or not sequence_text.isdigit():
            parser.error("--head must be SEQUENCE:HASH, e.g. 1024:3f7a…")
        head = int(sequence_text), head_hash

    results: dict[str, Any] = {}
    if args.results:
        try:
            with open(args.results, encoding="utf-8") as stream:
                results = json.load(stream)
            check_results_shape(results)
        except (OSError, ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
            say(f"cannot read the results file: {error}", sys.stderr)
            return 2
        except Unreadable as error:
            say(str(error), sys.stderr)
            return 2
    try:
        recount = recount_ledger(args.ledger, wanted_hashes=wanted_sequences(results),
                                 count_voters=args.count_voters, jobs=args.jobs)
        if head is not None and (recount.entries, recount.head_hash) != head:
            raise Disagreement(f"the ledger ends at entry {recount.entries} with hash {recount.head_hash}, "
                               f"not {args.head}")
        checked = compare(recount, results, count_voters=args.count_voters) if args.results else 0
    except Disagreement as disagreement:
        say(f"FAIL: {disagreement}", sys.stdout)
        return 1
    except (OSError, UnicodeDecodeError, EOFError, zlib.error) as error:  # gzip: truncated or corrupt stream
        say(f"cannot read the ledger (UTF-8 JSON Lines, optionally gzip): {error}", sys.stderr)
        return 2
    if not args.quiet:
        print(f"OK: {recount.entries} ledger entries, every hash link verified; head {recount.head_hash}")
        if args.results:
            print(f"OK: {checked} published {'city matches' if checked == 1 else 'cities match'} the recount")
        else:
            for city, counts in sorted(recount.counts.items()):
                for candidate, count in sorted(counts.items(), key=lambda item: -item[1].valid):
                    say(f"{city}\t{candidate}\tcast {count.cast}\tannulled {count.annulled}\tvalid {count.valid}",
                        sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

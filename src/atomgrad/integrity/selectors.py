"""Reads of the integrity app: a season's votes as the detectors' `VoteFrame`, and the stored findings.

Nothing here checks who asks: views and commands call `integrity.permissions` first.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Prefetch, QuerySet

from atomgrad.award.models import Application, Season
from atomgrad.cities.models import City
from atomgrad.core.rawsql import column, cursor, epoch_seconds, table
from atomgrad.integrity.frame import CHANNEL_CODES, VoteFrame
from atomgrad.integrity.models import Finding, FindingVote
from atomgrad.voting import ledger
from atomgrad.voting.models import (
    AnnulmentReversal,
    LedgerEntry,
    Vote,
    VoteAnnulment,
    VoterSignal,
    VoteSignal,
)

FETCH_ROWS = 50_000

# --- the frame ------------------------------------------------------------------------------------------------

# Five plain reads, each a scan of one table's rows of the season (no per-row join in the database: on SQLite a
# four-table join cost ~15 µs a vote), read in chunks straight into numpy columns and joined by id in numpy.


def _read_columns(sql: str, params: list[Any], dtypes: tuple[Any, ...]) -> list[np.ndarray]:
    """The result's columns as arrays of `dtypes` (float columns read NULL as NaN), without model instances."""
    parts: list[list[np.ndarray]] = [[] for _ in dtypes]
    with cursor() as rows:
        rows.execute(sql, params)
        while batch := rows.fetchmany(FETCH_ROWS):
            for index, values in enumerate(zip(*batch, strict=True)):
                parts[index].append(np.array(values, dtype=dtypes[index]))
    return [np.concatenate(chunks) if chunks else np.array([], dtype=dtype) for chunks, dtype in zip(parts, dtypes,
                                                                                                    strict=True)]


@functools.cache
def _frame_sql(vendor: str, *, with_city: bool) -> dict[str, str]:
    quote = connection.ops.quote_name
    channel = " ".join(f"WHEN '{name}' THEN {code}" for name, code in CHANNEL_CODES.items())
    city_votes = (f"SELECT {column(Vote, 'id')} FROM {table(Vote)} WHERE {column(Vote, 'season_id')} = %s "  # noqa: S608
                  f"AND {column(Vote, 'city_id')} = %s")
    in_city = f" AND {column(VoteSignal, 'vote_id')} IN ({city_votes})" if with_city else ""
    return {
        "votes": (
            f"SELECT {column(Vote, 'id')}, {column(Vote, 'voter_id')}, {column(Vote, 'candidate_id')}, "  # noqa: S608
            f"{column(Vote, 'city_id')}, {epoch_seconds(column(Vote, 'cast_at'), vendor)}, "
            f"CASE {column(Vote, 'channel')} {channel} ELSE -1 END FROM {table(Vote)} "
            f"WHERE {column(Vote, 'season_id')} = %s" + (f" AND {column(Vote, 'city_id')} = %s" if with_city else "")
        ),
        "ledger": (
            f"SELECT {column(LedgerEntry, 'vote_id')}, {column(LedgerEntry, 'sequence')} "  # noqa: S608
            f"FROM {table(LedgerEntry)} WHERE {column(LedgerEntry, 'season_id')} = %s "
            f"AND {column(LedgerEntry, 'kind')} = %s"
            + (f" AND {column(LedgerEntry, 'city_slug')} = %s" if with_city else "")
        ),
        "vote_signals": (
            f"SELECT {column(VoteSignal, 'vote_id')}, {column(VoteSignal, 'network')}, "  # noqa: S608
            f"{column(VoteSignal, 'user_agent')}, {column(VoteSignal, 'telegram_bucket')}, "
            f"{column(VoteSignal, 'code_to_verify')}, {column(VoteSignal, 'verify_to_vote')} "
            f"FROM {table(VoteSignal)} WHERE {column(VoteSignal, 'season_id')} = %s{in_city}"
        ),
        "voter_signals": (
            f"SELECT {column(VoterSignal, 'voter_id')}, {column(VoterSignal, 'phone_block')}, "  # noqa: S608
            f"{epoch_seconds(column(VoterSignal, 'identity_first_seen_at'), vendor)} "
            f"FROM {table(VoterSignal)} WHERE {column(VoterSignal, 'season_id')} = %s"
        ),
        # annulments in force: not reversed
        "annulled": (
            f"SELECT {column(VoteAnnulment, 'vote_id')} FROM {table(VoteAnnulment)} "  # noqa: S608
            f"WHERE {column(VoteAnnulment, 'season_id')} = %s AND NOT EXISTS (SELECT 1 FROM "
            f"{table(AnnulmentReversal)} {quote('r')} WHERE {column(AnnulmentReversal, 'annulment_id', alias='r')} "
            f"= {column(VoteAnnulment, 'id')})"
        ),
    }


def _lookup(keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of `wanted`, its index in the sorted `keys` and whether it is there."""
    if not len(keys):
        return np.zeros(len(wanted), dtype=np.int64), np.zeros(len(wanted), dtype=bool)
    index = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return index, keys[index] == wanted


def vote_frame(*, season: Season, city: City | None = None) -> VoteFrame:
    """The season's (or one city's) votes that count at this moment, with their detection signals, as numpy
    columns in ledger order — what every detector reads.

    Annulled votes (an annulment not reversed) are left out: the committee has already decided about them, and
    leaving them in would let a settled attack keep flagging, and skew the city's baseline. A reversed
    annulment counts again, so its vote is in. Signals that were not recorded (or were purged) read as "not
    known" (0, -1 or NaN, as `integrity.frame` says).

    Five scans (votes, their ledger entries, their signals, the voters' signals, the annulments in force), read
    in chunks straight into arrays and joined in numpy — no model instances, no per-row join in the database.
    """
    sql = _frame_sql(connection.vendor, with_city=city is not None)
    scope: list[Any] = [season.pk] + ([city.pk] if city is not None else [])
    vote_id, voter, candidate, city_id, cast_at, channel = _read_columns(
        sql["votes"], scope, (np.int64, np.int64, np.int64, np.int64, np.float64, np.int8))
    ledger_vote, sequence = _read_columns(
        sql["ledger"], [season.pk, ledger.KIND_VOTE] + ([city.slug] if city is not None else []),
        (np.int64, np.int64))
    signal_vote, network, user_agent, bucket, code_to_verify, verify_to_vote = _read_columns(
        sql["vote_signals"], [season.pk, *scope] if city is not None else scope,
        (np.int64, np.int64, np.int64, np.int16, np.float64, np.float64))
    signal_voter, phone_block, first_seen = _read_columns(
        sql["voter_signals"], [season.pk], (np.int64, np.int64, np.float64))
    (annulled,) = _read_columns(sql["annulled"], [season.pk], (np.int64,))

    # Every vote has its ledger entry (the same transaction); order the votes by it, dropping annulled ones.
    order = np.argsort(ledger_vote, kind="stable")
    ledger_vote, sequence = ledger_vote[order], sequence[order]
    at, found = _lookup(ledger_vote, vote_id)
    if not found.all():  # pragma: no cover - a vote and its entry are written together
        raise RuntimeError(f"{int((~found).sum())} votes of season {season.year} have no ledger entry")
    keep = ~np.isin(vote_id, annulled)
    rows = np.flatnonzero(keep)[np.argsort(sequence[at][keep], kind="stable")]
    vote_id, voter, candidate, city_id, cast_at, channel = (
        column_[rows] for column_ in (vote_id, voter, candidate, city_id, cast_at, channel))
    vote_sequence = sequence[at][rows]

    order = np.argsort(signal_vote, kind="stable")
    at, found = _lookup(signal_vote[order], vote_id)
    at = order[at] if len(order) else at

    def per_vote(values: np.ndarray, missing: Any, dtype: Any) -> np.ndarray:
        out = np.full(len(vote_id), missing, dtype=dtype)
        out[found] = values[at[found]]
        return out

    order = np.argsort(signal_voter, kind="stable")
    voter_at, voter_found = _lookup(signal_voter[order], voter)
    voter_at = order[voter_at] if len(order) else voter_at
    block = np.zeros(len(vote_id), dtype=np.int64)
    block[voter_found] = phone_block[voter_at[voter_found]]
    seen = np.full(len(vote_id), np.nan)
    seen[voter_found] = first_seen[voter_at[voter_found]]
    return VoteFrame(
        vote_id=vote_id, sequence=vote_sequence, voter=voter, candidate=candidate, city=city_id, cast_at=cast_at,
        channel=channel, network=per_vote(network, 0, np.int64), user_agent=per_vote(user_agent, 0, np.int64),
        phone_block=block, code_to_verify=per_vote(code_to_verify, np.nan, np.float64),
        verify_to_vote=per_vote(verify_to_vote, np.nan, np.float64),
        telegram_bucket=per_vote(bucket, -1, np.int16), identity_age=cast_at - seen,
    )


# --- findings -------------------------------------------------------------------------------------------------


def finding_list(*, season: Season, city: City) -> QuerySet[Finding]:
    """The city's findings, most suspicious first, with their candidates (public fields) loaded."""
    return (
        Finding.objects.filter(season=season, city=city)
        .prefetch_related(Prefetch("candidates", queryset=Application.objects.only("id", "full_name", "city_id")
                                   .order_by("full_name", "id")))
        .order_by("-score", "id")
    )


def finding_vote_ids(*, finding: Finding) -> list[int]:
    """The ids of the votes a finding covers (for «select these votes for annulment»)."""
    return list(FindingVote.objects.filter(finding=finding).order_by("vote_id").values_list("vote_id", flat=True))


def finding_votes(*, finding: Finding) -> QuerySet[Vote]:
    """The votes a finding covers, in ledger order, with their candidate and ledger position (`position`)."""
    from django.db.models import OuterRef, Subquery

    position = LedgerEntry.objects.filter(vote=OuterRef("pk"), kind=ledger.KIND_VOTE).values("sequence")[:1]
    return (
        Vote.objects.filter(pk__in=FindingVote.objects.filter(finding=finding).values("vote_id"))
        .select_related("candidate")
        .only("id", "cast_at", "channel", "receipt", "voter_id", "candidate_id", "city_id", "candidate__full_name")
        .annotate(position=Subquery(position))
        .order_by("position")
    )


def finding_sequences(*, findings: list[Finding]) -> dict[int, list[int]]:
    """Finding id → the ledger sequence numbers of its votes, ascending (one query for all findings)."""
    result: dict[int, list[int]] = {finding.pk: [] for finding in findings}
    if not findings:
        return result
    rows = (
        FindingVote.objects.filter(finding__in=findings)
        .filter(vote__ledger_entries__kind=ledger.KIND_VOTE)
        .values_list("finding_id", "vote__ledger_entries__sequence")
        .order_by("finding_id", "vote__ledger_entries__sequence")
    )
    for finding_id, sequence in rows.iterator(chunk_size=20_000):
        result[finding_id].append(sequence)
    return result


@dataclass
class CityFindings:
    """One line of the organisers' season overview."""

    city: City
    findings: int = 0
    votes_flagged: int = 0  # distinct votes covered by any finding
    top_score: float = 0.0
    by_kind: dict[str, int] = field(default_factory=dict)
    computed_at: Any = None


def season_overview(*, season: Season) -> list[CityFindings]:
    """Per city of the season: how many findings, how many distinct votes they flag, the highest score, the
    findings per kind and when they were computed — the most suspicious city first."""
    cities = {city.pk: CityFindings(city=city) for city in season.cities.all()}
    kinds: dict[int, Counter[str]] = {pk: Counter() for pk in cities}
    for city_id, kind, score, computed_at in Finding.objects.filter(season=season).values_list(
        "city_id", "kind", "score", "computed_at"
    ):
        line = cities.get(city_id)
        if line is None:
            continue
        line.findings += 1
        line.top_score = max(line.top_score, score)
        line.computed_at = max(line.computed_at or computed_at, computed_at)
        kinds[city_id][kind] += 1
    flagged = (
        FindingVote.objects.filter(finding__season=season)
        .values_list("finding__city_id", "vote_id").distinct()
    )
    per_city: Counter[int] = Counter(city_id for city_id, _vote in flagged.iterator(chunk_size=20_000))
    for city_id, line in cities.items():
        line.votes_flagged = per_city.get(city_id, 0)
        line.by_kind = dict(sorted(kinds[city_id].items()))
    return sorted(cities.values(), key=lambda line: (-line.top_score, -line.findings, line.city.name_ru))

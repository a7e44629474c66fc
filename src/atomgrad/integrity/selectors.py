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

# (frame column, dtype, SQL expression over the aliases v = vote, l = its ledger entry, s = its signals,
#  p = the voter's signals); NULLs are read as the column's "not known" value.
_NAN = float("nan")


@functools.cache
def _frame_sql(vendor: str, *, with_city: bool) -> tuple[str, tuple[tuple[str, Any, Any], ...]]:
    def v(name: str) -> str:
        return column(Vote, name, alias="v")

    def s(name: str) -> str:
        return column(VoteSignal, name, alias="s")

    def p(name: str) -> str:
        return column(VoterSignal, name, alias="p")

    channel = " ".join(f"WHEN '{name}' THEN {code}" for name, code in CHANNEL_CODES.items())
    cast_at = epoch_seconds(v("cast_at"), vendor)
    first_seen = epoch_seconds(p("identity_first_seen_at"), vendor)
    spec: tuple[tuple[str, Any, Any], ...] = (
        ("vote_id", np.int64, v("id")),
        ("sequence", np.int64, column(LedgerEntry, "sequence", alias="l")),
        ("voter", np.int64, v("voter_id")),
        ("candidate", np.int64, v("candidate_id")),
        ("city", np.int64, v("city_id")),
        ("cast_at", np.float64, cast_at),
        ("channel", np.int8, f"CASE {v('channel')} {channel} ELSE -1 END"),
        ("network", np.int64, f"COALESCE({s('network')}, 0)"),
        ("user_agent", np.int64, f"COALESCE({s('user_agent')}, 0)"),
        ("phone_block", np.int64, f"COALESCE({p('phone_block')}, 0)"),
        ("code_to_verify", np.float64, s("code_to_verify")),
        ("verify_to_vote", np.float64, s("verify_to_vote")),
        ("telegram_bucket", np.int16, f"COALESCE({s('telegram_bucket')}, -1)"),
        ("identity_age", np.float64, f"({cast_at} - {first_seen})"),
    )
    quote = connection.ops.quote_name
    reversed_ = (f"SELECT 1 FROM {table(AnnulmentReversal)} {quote('r')} WHERE "  # noqa: S608 - from _meta
                 f"{column(AnnulmentReversal, 'annulment_id', alias='r')} = {column(VoteAnnulment, 'id', alias='a')}")
    annulled = (
        f"SELECT 1 FROM {table(VoteAnnulment)} {quote('a')} "  # noqa: S608 - identifiers from _meta
        f"WHERE {column(VoteAnnulment, 'vote_id', alias='a')} = {v('id')} AND NOT EXISTS ({reversed_})"
    )
    sql = (
        f"SELECT {', '.join(expression for _name, _dtype, expression in spec)} "  # noqa: S608 - from _meta
        f"FROM {table(Vote)} {quote('v')} "
        f"JOIN {table(LedgerEntry)} {quote('l')} ON {column(LedgerEntry, 'vote_id', alias='l')} = {v('id')} "
        f"AND {column(LedgerEntry, 'kind', alias='l')} = %s "
        f"LEFT JOIN {table(VoteSignal)} {quote('s')} ON {column(VoteSignal, 'vote_id', alias='s')} = {v('id')} "
        f"LEFT JOIN {table(VoterSignal)} {quote('p')} ON {column(VoterSignal, 'voter_id', alias='p')} = "
        f"{v('voter_id')} "
        f"WHERE {v('season_id')} = %s " + (f"AND {v('city_id')} = %s " if with_city else "")
        + f"AND NOT EXISTS ({annulled}) ORDER BY {column(LedgerEntry, 'sequence', alias='l')}"
    )
    return sql, spec


def vote_frame(*, season: Season, city: City | None = None) -> VoteFrame:
    """The season's (or one city's) votes that count at this moment, with their detection signals, as numpy
    columns in ledger order — what every detector reads.

    Annulled votes (an annulment not reversed) are left out: the committee has already decided about them, and
    leaving them in would let a settled attack keep flagging, and skew the city's baseline. A reversed
    annulment counts again, so its vote is in. Signals that were not recorded (or were purged) read as "not
    known" (0, -1 or NaN, as `integrity.frame` says).

    One SELECT, read in chunks straight into arrays (no model instances): a million votes load in seconds and
    take about 100 MB.
    """
    sql, spec = _frame_sql(connection.vendor, with_city=city is not None)
    params: list[Any] = [ledger.KIND_VOTE, season.pk] + ([city.pk] if city is not None else [])
    chunks: list[list[np.ndarray]] = []
    with cursor() as rows:
        rows.execute(sql, params)
        while batch := rows.fetchmany(FETCH_ROWS):
            by_column = list(zip(*batch, strict=True))
            chunks.append([
                np.array([_NAN if value is None else value for value in values], dtype=dtype)
                if dtype is np.float64 else np.array(values, dtype=dtype)
                for values, (_name, dtype, _sql) in zip(by_column, spec, strict=True)
            ])
    columns: dict[str, np.ndarray] = {}
    for index, (name, dtype, _sql) in enumerate(spec):
        parts = [chunk[index] for chunk in chunks]
        columns[name] = np.concatenate(parts) if parts else np.array([], dtype=dtype)
    return VoteFrame(**columns)


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

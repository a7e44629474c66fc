"""The count of a city's vote: valid votes per candidate (cast minus annulled), the ranking, the laureates.

A recount from the vote rows and the annulments in force (not the live counters), read under the season's
ledger-head lock when a protocol is made, so the numbers and the ledger head they are stated at agree.

Ranking: candidates not disqualified with at least one valid vote, most valid votes first; candidates without a
valid vote get no place and are listed together. Equal votes share a place (5, 5, 7 …) except where a tie
decides who is among the top three (it straddles third place): then every tied candidate is marked, no laureate
is named among them, and the committee must record a `TieDecision` (the rule it applied and the order it gave)
before the protocol can be signed; once it has, the decided order gives consecutive places. A laureate needs at
least the season's minimum of valid votes (`Season.laureate_min_valid_votes`, at least 1). A void city has no
places and no laureates.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Count

from atomgrad.award.models import Application, ApplicationStatus, Season
from atomgrad.cities.models import City
from atomgrad.results.models import CityDecision, DecisionKind, TieDecision, TieRule
from atomgrad.voting import ledger
from atomgrad.voting.models import LedgerHead, Vote, VoteAnnulment
from atomgrad.voting.services.annulment import ANNULMENT_REASONS
from atomgrad.voting.services.ballots import voting_closes_at

LAUREATE_PLACES = 3
DATA_FORMAT = "atomgrad-city-tally/1"


@dataclass
class CandidateLine:
    id: int
    full_name: str
    sphere: str
    sphere_slug: str
    workplace: str
    position: str
    cast: int = 0
    annulled: int = 0
    valid: int = 0
    annulled_by_reason: dict[str, int] = field(default_factory=dict)
    disqualified: bool = False
    disqualification_reason: str | None = None
    place: int | None = None
    tied: bool = False
    laureate: bool = False


@dataclass
class TieGroup:
    votes: int
    candidates: list[int]  # ids, in the order shown (the decided order once decided)


@dataclass
class CityTally:
    """What a city's vote came to. `as_data()` is the JSON the protocol stores and every surface shows."""

    season_year: int
    season_title: str
    city_slug: str
    city_name: str
    city_region: str
    voting_open_at: str
    voting_close_at: str
    voters_voted: int
    votes_cast: int
    votes_annulled: int
    votes_valid: int
    annulled_by_reason: dict[str, int]
    candidates: list[CandidateLine]
    void: bool
    void_reason: str | None
    tie_groups: list[TieGroup]
    tie_key: str
    tie_decision: dict[str, Any] | None
    min_valid_votes: int
    ledger_sequence: int
    ledger_head_hash: str

    @property
    def tie_unresolved(self) -> bool:
        return bool(self.tie_groups) and self.tie_decision is None

    @property
    def laureates(self) -> list[CandidateLine]:
        return [line for line in self.candidates if line.laureate]

    def as_data(self) -> dict[str, Any]:
        data = asdict(self)
        data["format"] = DATA_FORMAT
        data["tie_unresolved"] = self.tie_unresolved
        return data


def data_digest(data: dict[str, Any]) -> str:
    """SHA-256 of a tally's data without the ledger head: equal digests mean the same count and decisions."""
    body = {key: value for key, value in data.items() if key not in ("ledger_sequence", "ledger_head_hash")}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode())\
        .hexdigest()


def tie_key_of(groups: list[TieGroup]) -> str:
    """A canonical name of the ties: 'votes:id,id;votes:id,id', groups by votes descending, ids ascending."""
    return ";".join(f"{group.votes}:{','.join(str(i) for i in sorted(group.candidates))}" for group in groups)


def _rank(lines: list[CandidateLine], *, decision: TieDecision | None,
          min_valid: int = 1) -> tuple[list[TieGroup], str, bool]:
    """Give places to the ranked lines (mutates them). Returns (the ties that decide who is among the top
    three, their key, whether `decision` applies to them).

    A candidate without a valid vote gets no place (they are listed together, after the ranked ones). Equal
    votes share a place. Only a tie that straddles the last laureate place among candidates who reached the
    season's minimum (`min_valid`, at least 1) needs the committee's decision: there the decided order gives
    consecutive places; a tie wholly inside the top three makes them all laureates on the shared place, and a
    tie below the minimum names nobody."""
    min_valid = max(1, min_valid)
    ranked = sorted((line for line in lines if line.valid > 0), key=lambda line: (-line.valid, line.full_name,
                                                                                  line.id))
    for line in lines:
        if line.valid <= 0:
            line.place, line.tied, line.laureate = None, False, False
    groups: list[list[CandidateLine]] = []
    for line in ranked:
        if groups and groups[-1][0].valid == line.valid:
            groups[-1].append(line)
        else:
            groups.append([line])

    def decides_top(group: list[CandidateLine], start: int) -> bool:
        last = start + len(group) - 1
        return len(group) > 1 and start <= LAUREATE_PLACES < last and group[0].valid >= min_valid

    ties: list[TieGroup] = []
    start = 1
    for group in groups:
        if decides_top(group, start):
            ties.append(TieGroup(votes=group[0].valid, candidates=[line.id for line in group]))
        start += len(group)
    key = tie_key_of(ties)
    decided = decision is not None and decision.tie_key == key and bool(ties)
    orders: dict[int, list[int]] = {}
    if decided:
        assert decision is not None
        for item in decision.groups:
            orders[int(item["votes"])] = [int(i) for i in item["order"]]
    start = 1
    for group in groups:
        blocking = decides_top(group, start)
        if blocking and decided:
            by_id = {line.id: line for line in group}
            ordered = [by_id[i] for i in orders[group[0].valid]]
            for offset, line in enumerate(ordered):
                line.place = start + offset
                line.tied = True
                line.laureate = line.place <= LAUREATE_PLACES
            group[:] = ordered
        else:
            for line in group:
                line.place = start
                line.tied = blocking
                line.laureate = not blocking and start <= LAUREATE_PLACES and line.valid >= min_valid
        start += len(group)
    for tie in ties:
        if decided:
            tie.candidates = orders[tie.votes]
    return ties, key, decided


def city_tally(*, season: Season, city: City) -> CityTally:
    """Recount the city's vote now. Reads only; to state it at a fixed ledger head, call inside a transaction
    holding the season's `LedgerHead` row lock (`protocol_generate` does)."""
    candidates = list(
        Application.objects.filter(season=season, city=city)
        .filter(status=ApplicationStatus.ACCEPTED)
        .select_related("sphere")
        .only("id", "full_name", "workplace", "position", "sphere__slug", "sphere__name_ru")
    )
    known = {candidate.pk for candidate in candidates}
    cast_rows = Vote.objects.filter(season=season, city=city).values_list("candidate_id").annotate(n=Count("id"))
    cast = dict(cast_rows)
    missing = set(cast) - known
    if missing:  # votes for someone no longer published (withdrawn after the vote): still counted and shown
        candidates += list(
            Application.objects.filter(pk__in=missing).select_related("sphere")
            .only("id", "full_name", "workplace", "position", "sphere__slug", "sphere__name_ru")
        )
    lines = {
        candidate.pk: CandidateLine(
            id=candidate.pk, full_name=candidate.full_name, sphere=candidate.sphere.name_ru,
            sphere_slug=candidate.sphere.slug,
            workplace=candidate.workplace, position=candidate.position, cast=cast.get(candidate.pk, 0),
        )
        for candidate in candidates
    }
    annulled_rows = (
        VoteAnnulment.objects.filter(season=season, vote__city=city, reversal__isnull=True)
        .values_list("vote__candidate_id", "reason_code")
        .annotate(n=Count("id"))
    )
    by_reason: dict[str, int] = {}
    for candidate_id, reason_code, number in annulled_rows:
        line = lines[candidate_id]
        line.annulled += number
        line.annulled_by_reason[reason_code] = line.annulled_by_reason.get(reason_code, 0) + number
        by_reason[reason_code] = by_reason.get(reason_code, 0) + number
    for line in lines.values():
        line.valid = line.cast - line.annulled

    decisions = list(
        CityDecision.objects.filter(season=season, city=city, withdrawn_at__isnull=True).order_by("created_at", "id")
    )
    void = next((decision for decision in decisions if decision.kind == DecisionKind.VOID), None)
    for decision in decisions:
        if decision.kind == DecisionKind.DISQUALIFICATION and decision.candidate_id in lines:
            lines[decision.candidate_id].disqualified = True
            lines[decision.candidate_id].disqualification_reason = decision.reason

    eligible = [line for line in lines.values() if not line.disqualified]
    ties: list[TieGroup] = []
    key = ""
    tie_decision: dict[str, Any] | None = None
    if void is None:
        latest = TieDecision.objects.filter(season=season, city=city).order_by("-created_at", "-id").first()
        ties, key, decided = _rank(eligible, decision=latest, min_valid=season.laureate_min_valid_votes)
        if decided and latest is not None:
            tie_decision = {
                "rule": latest.rule, "rule_label": str(TieRule(latest.rule).label),
                "explanation": latest.explanation, "groups": latest.groups,
                "decided_at": ledger.timestamp_format(latest.created_at),
            }
    # Ranked lines by place; those without a place (no valid vote, or a void city) after them, alphabetically
    # when they have no votes at all — one group, not "30 people in 5th place".
    ordered = sorted(eligible, key=lambda line: (line.place is None, line.place or 0, -line.valid,
                                                 line.full_name, line.id))
    disqualified = [line for line in lines.values() if line.disqualified]
    ordered += sorted(disqualified, key=lambda line: (line.full_name, line.id))

    head = LedgerHead.objects.filter(season=season).values_list("last_sequence", "last_hash").first()
    sequence, head_hash = (int(head[0]), str(head[1])) if head else (0, ledger.GENESIS_HASH)
    votes_cast = sum(line.cast for line in lines.values())
    votes_annulled = sum(line.annulled for line in lines.values())
    return CityTally(
        season_year=season.year,
        season_title=season.title,
        city_slug=city.slug,
        city_name=city.name_ru,
        city_region=city.region_ru,
        voting_open_at=ledger.timestamp_format(season.voting_open_at),
        voting_close_at=ledger.timestamp_format(voting_closes_at(season=season, city_id=city.pk)),
        voters_voted=Vote.objects.filter(season=season, city=city).values("voter_id").distinct().count(),
        votes_cast=votes_cast,
        votes_annulled=votes_annulled,
        votes_valid=votes_cast - votes_annulled,
        annulled_by_reason=dict(sorted(by_reason.items())),
        candidates=ordered,
        void=void is not None,
        void_reason=void.reason if void else None,
        tie_groups=ties,
        tie_key=key,
        tie_decision=tie_decision,
        min_valid_votes=max(1, season.laureate_min_valid_votes),
        ledger_sequence=sequence,
        ledger_head_hash=head_hash,
    )


def reason_label(code: str) -> str:
    """The words for an annulment reason code (the code itself for one not in the list)."""
    label = ANNULMENT_REASONS.get(code)
    return str(label) if label is not None else code

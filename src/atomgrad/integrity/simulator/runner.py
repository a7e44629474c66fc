"""The runner: casts a scenario's planned votes through the real vote path, in simulated time.

Every planned voter is registered through the voting app's identity service for numbers verified elsewhere
(`voters_register_verified`: the same constraints as any sign-up, the consent recorded, no SMS sent; the
verification's times are the plan's), and every vote goes through `vote_cast` — the function the web, the API
and the bot call — with `now` = the planned moment and the planned request context. The rules decide as for
anyone: a vote over the limit or a repeated one is refused, counted, and the run goes on.

The ground truth (which vote was an attack's) never reaches the database: the runner writes it to its own
JSON Lines file, one line per accepted vote, keyed by the vote's ledger sequence number.

Deterministic for a plan (and a plan is deterministic for a seed): the same votes are accepted, in the same
order, at the same ledger positions, with the same labels. Receipts, and so the ledger's hashes, are random by
design (they are the voter's secret).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from atomgrad.award.models import Application, ApplicationStatus, Season
from atomgrad.cities.models import City
from atomgrad.core.errors import ApplicationError
from atomgrad.integrity.simulator.plan import PlannedVote
from atomgrad.voting.models import SeasonVoter
from atomgrad.voting.services.ballots import vote_cast
from atomgrad.voting.services.identity import VerifiedRegistration, voter_signal_reverify, voters_register_verified
from atomgrad.voting.signals import VoteContext

Progress = Callable[[int, int], None]


@dataclass
class RunResult:
    planned: int = 0
    cast: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    voters: int = 0
    register_seconds: float = 0.0
    cast_seconds: float = 0.0
    labels: Counter[str] = field(default_factory=Counter)  # accepted votes per ground-truth label

    @property
    def votes_per_second(self) -> float:
        return self.cast / self.cast_seconds if self.cast_seconds else 0.0

    def as_dict(self) -> dict[str, object]:
        return {"planned": self.planned, "cast": self.cast, "refused": dict(self.refused), "voters": self.voters,
                "register_seconds": round(self.register_seconds, 2), "cast_seconds": round(self.cast_seconds, 2),
                "votes_per_second": round(self.votes_per_second, 1), "labels": dict(self.labels)}


def season_candidates(*, season: Season) -> dict[str, list[Application]]:
    """City slug → the season's published candidates there, alphabetical (the order a plan's `candidate`
    indexes), each with `city` loaded as `vote_cast` wants it."""
    result: dict[str, list[Application]] = {}
    candidates = (Application.objects.filter(season=season, status=ApplicationStatus.ACCEPTED)
                  .select_related("city").order_by("full_name", "id"))
    for candidate in candidates:
        result.setdefault(candidate.city.slug, []).append(candidate)
    return result


def plan_check(*, season: Season, plan: list[PlannedVote]) -> None:
    """Refuse (ValueError) a plan that names a city without published candidates in the season, or a
    candidate index beyond a city's list, before anything is written."""
    candidates = season_candidates(season=season)
    for vote in plan:
        listed = candidates.get(vote.city)
        if not listed:
            raise ValueError(f"the season {season.year} has no published candidates in {vote.city!r}")
        if not 0 <= vote.candidate < len(listed):
            raise ValueError(f"{vote.city}: candidate index {vote.candidate} of {len(listed)}")


def run_plan(*, season: Season, plan: list[PlannedVote], labels_out: IO[str] | Path | None = None,
             progress: Progress | None = None) -> RunResult:
    """Register the plan's voters and cast its votes (in time order) through `vote_cast`. Returns the counts;
    writes `{"sequence", "index", "label", "scenario"}` per accepted vote to `labels_out` (a path or an open
    file; `index` is the vote's place in the plan sorted by time)."""
    plan = sorted(plan, key=lambda vote: vote.at)  # stable: equal times keep the plan's order
    plan_check(season=season, plan=plan)
    result = RunResult(planned=len(plan))
    candidates = season_candidates(season=season)
    cities = {city.slug: city for city in City.objects.filter(slug__in={vote.city for vote in plan})}

    started = time.perf_counter()
    first: dict[str, PlannedVote] = {}
    for vote in plan:
        first.setdefault(vote.phone, vote)
    phones = list(first)
    ids = voters_register_verified(season=season, registrations=[
        VerifiedRegistration(e164=phone, city_id=cities[first[phone].city].pk, channel=first[phone].channel,
                             code_requested_at=first[phone].code_requested_at, verified_at=first[phone].verified_at,
                             telegram_user_id=first[phone].telegram_user_id)
        for phone in phones
    ])
    voter_of = dict(zip(phones, ids, strict=True))
    voter_city = dict(SeasonVoter.objects.filter(pk__in=ids).values_list("pk", "city_id"))
    city_by_id = {city.pk: city for city in City.objects.filter(pk__in=set(voter_city.values()))}
    verified = {phone: (vote.code_requested_at, vote.verified_at) for phone, vote in first.items()}
    result.voters = len(phones)
    result.register_seconds = time.perf_counter() - started

    opened: IO[str] | None = None
    if isinstance(labels_out, Path):
        labels_out.parent.mkdir(parents=True, exist_ok=True)
        opened = labels_out = labels_out.open("w", encoding="utf-8")
    started = time.perf_counter()
    try:
        for index, vote in enumerate(plan):
            voter_id = voter_of[vote.phone]
            session = (vote.code_requested_at, vote.verified_at)
            if verified[vote.phone] != session:  # the person verified again for this vote
                voter_signal_reverify(voter_id=voter_id, code_requested_at=session[0], verified_at=session[1])
                verified[vote.phone] = session
            # A voter as `voting.auth` loads one (season and city attached); `vote_cast` reads nothing else.
            voter = SeasonVoter(pk=voter_id, season=season, city=city_by_id[voter_city[voter_id]])
            context = VoteContext(client_ip=vote.ip or None, user_agent=vote.user_agent or None,
                                  telegram_user_id=vote.telegram_user_id if vote.channel == "telegram" else None)
            try:
                cast = vote_cast(voter=voter, candidate=candidates[vote.city][vote.candidate], channel=vote.channel,
                                 context=context, now=vote.at)
            except ApplicationError as refusal:
                result.refused[refusal.code] += 1
            else:
                result.cast += 1
                result.labels[vote.label] += 1
                if labels_out is not None:
                    sequence = cast.ledger_entry.sequence  # type: ignore[attr-defined]
                    labels_out.write(json.dumps({"sequence": sequence, "index": index, "label": vote.label,
                                                 "scenario": vote.scenario}) + "\n")
            if progress is not None and (index + 1) % 10_000 == 0:
                progress(index + 1, len(plan))
    finally:
        if opened is not None:
            opened.close()
    result.cast_seconds = time.perf_counter() - started
    return result


def labels_read(path: Path) -> dict[int, tuple[str, str]]:
    """A runner's labels file: ledger sequence → (label, scenario)."""
    return {sequence: (label, scenario) for sequence, (_index, label, scenario) in labels_read_full(path).items()}


def labels_read_full(path: Path) -> dict[int, tuple[int, str, str]]:
    """A runner's labels file: ledger sequence → (index in the time-sorted plan, label, scenario)."""
    labels: dict[int, tuple[int, str, str]] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                item = json.loads(line)
                labels[int(item["sequence"])] = (int(item["index"]), item["label"], item["scenario"])
    return labels

"""The demo's votes: the last season carried through the whole award, the current one in its vote.

`manage.py demo` passes `demo_votes` to `award.services.demo.demo_load`, which calls it inside its transaction
once the seasons, accounts and applications exist:

- **The last season, complete.** Organic votes from the simulator in every city (a daily rhythm, news bursts,
  workplaces and families — `integrity.simulator.scenarios`), and in Новоуральск a replay of 2025: two
  candidates with about 90 % of their votes fake. All of them cast through `vote_cast` in simulated time by
  the runner, as the web, the API and the bot cast theirs. The detectors scan the season; Новоуральск's
  committee annuls the votes of each finding (the finding's kind as the reason code, its own reason as text),
  disqualifies the two candidates and declares the city's vote void, as the real committee did. Every city's
  committee makes and signs its protocol (a tie among the top three is settled by lot, recorded); the
  organisers publish the season (laureates recorded) and build the ceremony documents.
- **The current season, in its vote.** The days since the vote opened, simulated the same way, with a SIM-farm
  attack in Северск, scanned: the organisers' overview and the review's «Сигналы» have data today.

Size: `voters` organic voters in the last season (about 2 votes each; the current season gets a share in
proportion to the days its vote has run). Figures in docs/demo.md.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from atomgrad.award.models import Application, ApplicationStatus, Season
from atomgrad.cities.models import City
from atomgrad.core.errors import ApplicationError
from atomgrad.integrity.models import Finding, FindingKind
from atomgrad.integrity.services import integrity_scan
from atomgrad.integrity.simulator.plan import CityShape, PlannedVote
from atomgrad.integrity.simulator.runner import run_plan
from atomgrad.integrity.simulator.scenarios import scenario_columns, to_planned
from atomgrad.results.models import TieRule
from atomgrad.results.selectors import VoteSelection, season_cities
from atomgrad.results.services.annulment import votes_annul
from atomgrad.results.services.decisions import candidate_disqualify, city_declare_void, tie_decide
from atomgrad.results.services.documents import documents_store
from atomgrad.results.services.protocol import protocol_generate, protocol_sign
from atomgrad.results.services.publication import publication_publish_season
from atomgrad.results.services.tally import city_tally
from atomgrad.voting.models import VoteAnnulment

if TYPE_CHECKING:
    from atomgrad.award.services.demo import DemoResult

DEMO_VOTERS_DEFAULT = 4000
# The simulator's scale: organic voters are `voters` whatever it is (the shapes are divided by it); it shrinks
# the fixed extras of every city (news shares, workplaces, families), which at scale 1 are tens of thousands of
# votes over 31 cities — more than a first `make run` should wait for.
DEMO_SCALE = 0.1
CURRENT_SCALE = 0.05  # the current season's few days would otherwise hold a whole season's workplaces
ATTACKED_LAST_SEASON = "novouralsk"  # the replay of 2025: two candidates, about 90 % fake
ATTACKED_THIS_SEASON = "seversk"  # a SIM farm, found while the vote runs
ORGANISER_USERNAME = "organiser"  # award.services.demo.DEMO_ORGANISER_USERNAME
ANNUL_SCORE_MIN = 0.5  # the committee annuls the findings it confirmed; weaker ones it judged organic
MIN_VOTERS_PER_CITY = 25
ATTACK_MIN_CANDIDATES = 3

Say = Callable[[str], None]


def demo_votes(result: DemoResult, *, voters: int = DEMO_VOTERS_DEFAULT, seed: int = 1,
               say: Say | None = None) -> list[str]:
    """Cast, scan, review and publish as described above; returns the lines the command prints."""
    say = say or (lambda line: None)
    if voters <= 0 or result.complete_season is None:
        return []
    lines = _complete_season(result.complete_season, voters=voters, seed=seed, say=say)
    lines += _current_season(result.season, voters=voters, seed=seed, say=say)
    return lines


# --- the plan ----------------------------------------------------------------------------------------------


def _shapes(season: Season, voters: int, scale: float) -> list[CityShape]:
    """Each city with its published candidates and a share of the voters in proportion to them."""
    counts = dict(Application.objects.filter(season=season, status=ApplicationStatus.ACCEPTED)
                  .values_list("city__slug").annotate(n=Count("id")))
    total = sum(counts.values()) or 1
    return [CityShape(slug=slug, candidates=n,
                      voters=round(max(MIN_VOTERS_PER_CITY, voters * n / total) / scale))
            for slug, n in sorted(counts.items())]


def _plan(season: Season, *, voters: int, seed: int, attack: str, target: str, start: dt.datetime,
          end: dt.datetime, scale: float = DEMO_SCALE) -> tuple[list[PlannedVote], str | None]:
    """Organic voting in every city but the attacked one, and the scenario `attack` (its own organic voting
    too) there: `target`, or in a tiny demo where it has too few candidates for an attack on two of them, the
    city with the most. Returns the plan and the attacked city's slug (None: no city could be attacked). The
    two plans' phone numbers are drawn apart; a number both drew keeps only its first plan."""
    shapes = _shapes(season, voters, scale)
    able = [shape for shape in shapes if shape.candidates >= ATTACK_MIN_CANDIDATES]
    attacked = next((shape for shape in able if shape.slug == target), None) or \
        max(able, key=lambda shape: shape.candidates, default=None)
    others = [shape for shape in shapes if shape is not attacked]
    plan = to_planned(scenario_columns("organic", others, seed=seed, start=start, end=end, scale=scale)) \
        if others else []
    if attacked is not None:
        taken = {vote.phone for vote in plan}
        attack_plan = scenario_columns(attack, [attacked], seed=seed, start=start, end=end, scale=scale)
        plan += [vote for vote in to_planned(attack_plan) if vote.phone not in taken]
    return plan, attacked.slug if attacked is not None else None


# --- the last season ---------------------------------------------------------------------------------------


def _chair(city: City):  # type: ignore[no-untyped-def]
    """The demo's committee chair of the city (its account is the city's slug)."""
    return get_user_model().objects.get(username=city.slug)


def _complete_season(season: Season, *, voters: int, seed: int, say: Say) -> list[str]:
    organiser = get_user_model().objects.get(username=ORGANISER_USERNAME)
    plan, attacked = _plan(season, voters=voters, seed=seed, attack="novouralsk", target=ATTACKED_LAST_SEASON,
                           start=season.voting_open_at, end=season.voting_close_at - dt.timedelta(minutes=1))
    say(f"  {season.year}: casting {len(plan)} planned votes through the vote path…")
    run = run_plan(season=season, plan=plan)
    scan = integrity_scan(season=season)
    say(f"  {season.year}: {run.cast} votes cast in {run.register_seconds + run.cast_seconds:.0f} s, "
        f"{scan.findings} findings; review, protocols, publication…")
    started = time.monotonic()

    city = City.objects.get(slug=attacked or ATTACKED_LAST_SEASON)
    annulled = _review_attacked_city(season, city) if attacked else 0
    for each in season_cities(season=season):
        chair = _chair(each)
        tally = city_tally(season=season, city=each)
        if tally.tie_unresolved:
            tie_decide(actor=chair, season=season, city=each, rule=TieRule.LOT,
                       explanation="Жребий тянули на заседании оргкомитета в присутствии соискателей.",
                       orders={group.votes: list(group.candidates) for group in tally.tie_groups})
        protocol = protocol_generate(actor=chair, season=season, city=each)
        protocol_sign(actor=chair, protocol=protocol)
    publications = publication_publish_season(actor=organiser, season=season)
    say(f"  {season.year}: protocols signed and published in {time.monotonic() - started:.0f} s; "
        f"ceremony documents…")
    started = time.monotonic()
    documents = documents_store(season=season, actor=organiser)
    say(f"  {season.year}: documents in {time.monotonic() - started:.0f} s")
    return [
        f"Season {season.year}: {run.cast} votes of {run.voters} voters cast through the vote path "
        f"({run.votes_per_second:.0f} votes/s), {scan.findings} findings; in {city.name_en} {annulled} votes "
        f"annulled on the detectors' findings, two candidates disqualified, the vote declared void; "
        f"{len(publications)} cities' protocols signed and published; ceremony documents: "
        f"{documents.diplomas} diplomas, {documents.grants} grants.",
    ]


def _review_attacked_city(season: Season, city: City) -> int:
    """What Новоуральск's committee did in 2025: annul the confirmed findings' votes (the kind as the reason
    code), disqualify the two candidates those votes were for, declare the city's vote void."""
    chair = _chair(city)
    for finding in Finding.objects.filter(season=season, city=city, score__gte=ANNUL_SCORE_MIN).order_by("-score"):
        kind = FindingKind(finding.kind)
        try:
            votes_annul(
                actor=chair, season=season, city=city, selection=VoteSelection(finding_id=finding.pk),
                reason_code=finding.kind,
                reason=f"Оргкомитет проверил сигнал № {finding.pk} («{kind.label}»): голоса недостоверны — "
                       f"номера из одного сервиса активации SIM-карт, код вводился программой.",
            )
        except ApplicationError as error:
            if error.code != "selection_empty":  # its votes were all in an earlier finding
                raise
    by_candidate = (VoteAnnulment.objects.filter(season=season, vote__city=city, reversal__isnull=True)
                    .values_list("vote__candidate_id").annotate(n=Count("id")).order_by("-n"))
    targets = [candidate_id for candidate_id, _ in by_candidate[:2]]
    for candidate in Application.objects.filter(pk__in=targets).order_by("full_name"):
        candidate_disqualify(
            actor=chair, season=season, city=city, candidate=candidate,
            reason="Около 90 % голосов за соискателя признаны недостоверными по итогам проверки "
                   "организаторов (протоколы проверки переданы оргкомитету).",
        )
    city_declare_void(
        actor=chair, season=season, city=city,
        reason="Голоса двух соискателей в основном недостоверны; по правилам премии оргкомитет признаёт "
               "голосование в городе несостоявшимся: места не присуждаются.",
    )
    return VoteAnnulment.objects.filter(season=season, vote__city=city, reversal__isnull=True).count()


# --- the current season ------------------------------------------------------------------------------------


def _current_season(season: Season, *, voters: int, seed: int, say: Say) -> list[str]:
    now = timezone.now()
    end = min(now - dt.timedelta(minutes=5), season.voting_close_at)
    if end <= season.voting_open_at:
        return []
    share = (end - season.voting_open_at) / (season.voting_close_at - season.voting_open_at)
    plan, _ = _plan(season, voters=max(MIN_VOTERS_PER_CITY, round(voters * share)), seed=seed + 1,
                    attack="sim_farm", target=ATTACKED_THIS_SEASON, start=season.voting_open_at, end=end,
                    scale=CURRENT_SCALE)
    say(f"  {season.year}: casting {len(plan)} planned votes of the days since the vote opened…")
    run = run_plan(season=season, plan=plan)
    scan = integrity_scan(season=season)
    return [
        f"Season {season.year}: the vote is open; {run.cast} votes of {run.voters} voters so far, "
        f"{scan.findings} findings (a SIM farm in Seversk among them) for the organisers' overview.",
    ]

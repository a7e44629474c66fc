"""The vote's rules under a burst of parallel requests: real threads, each with its own database connection,
through the service and through real HTTP (pytest-django's live server). Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.core.servers.basehttp import WSGIServer

from atomgrad.core.errors import ApplicationError
from atomgrad.voting import ledger, signals
from atomgrad.voting.auth import token_issue
from atomgrad.voting.models import CandidateTally, LedgerEntry, SeasonVoter, Vote, VoteSignal
from atomgrad.voting.selectors import ledger_entries, ledger_head, ledger_verify
from atomgrad.voting.services.ballots import vote_annul, vote_cast
from atomgrad.voting.signals import VoteContext
from tests.concurrency import run_together
from tests.factories import make_organiser
from tests.voting.ballot_helpers import election

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

# Django's development/live server listens with a backlog of 10 connections; 50 clients connecting in the same
# instant would see resets before a request is even read. A production server (gunicorn) listens with 2048.
# The live server is started after collection, so raising the class default here reaches it.
WSGIServer.request_queue_size = max(WSGIServer.request_queue_size, 128)


def cast_task(voter_id: int, candidate, channel: str = "web",  # type: ignore[no-untyped-def]
              context: VoteContext | None = None) -> Callable[[], Any]:
    def task() -> Any:
        voter = SeasonVoter.objects.select_related("season", "city").get(pk=voter_id)
        return vote_cast(voter=voter, candidate=candidate, channel=channel, context=context)

    return task


def outcomes(results: list[Any]) -> Counter[str]:
    counter: Counter[str] = Counter()
    for result in results:
        if isinstance(result, ApplicationError):
            counter[result.code] += 1
        elif isinstance(result, Exception):
            counter[f"{type(result).__name__}: {result}"] += 1
        else:
            counter["accepted"] += 1
    return counter


def assert_consistent(season) -> None:  # type: ignore[no-untyped-def]
    """One unbroken chain, as long as the number of votes, agreeing with the tallies and the voters' counters."""
    entries = list(ledger_entries(season=season))
    assert ledger.chain_verify(entries, expected_head=ledger_head(season=season)) is None
    assert ledger_verify(season=season) is None
    votes = Vote.objects.filter(season=season).count()
    assert len([entry for entry in entries if entry["kind"] == "vote"]) == votes
    tallies = {
        candidate: count
        for candidate, count in CandidateTally.objects.filter(season=season).values_list("candidate_id", "votes")
        if count
    }
    assert {candidate: count for candidate, count in ledger.chain_tally(entries).items() if count} == tallies
    for voter in SeasonVoter.objects.filter(season=season):
        assert voter.votes_cast == Vote.objects.filter(voter=voter).count()
    # every accepted vote has its detection signals, and no refused one left any
    assert sorted(VoteSignal.objects.filter(season=season).values_list("vote_id", flat=True)) \
        == sorted(Vote.objects.filter(season=season).values_list("id", flat=True))


# --- through the service ------------------------------------------------------------------------------------


def test_50_parallel_votes_of_one_voter_for_one_candidate_record_exactly_one():
    race = election(k=3, candidates=1)
    voter = race.voter()
    results = run_together([cast_task(voter.pk, race.candidates[0]) for _ in range(50)])
    assert outcomes(results) == Counter({"accepted": 1, "already_voted": 49})
    assert Vote.objects.filter(voter=voter).count() == 1
    assert SeasonVoter.objects.get(pk=voter.pk).votes_cast == 1
    assert LedgerEntry.objects.filter(season=race.season).count() == 1
    assert CandidateTally.objects.get(candidate=race.candidates[0]).votes == 1
    assert_consistent(race.season)


def test_50_parallel_votes_of_one_voter_for_50_candidates_with_k3_record_exactly_3():
    race = election(k=3, candidates=50)
    voter = race.voter()
    results = run_together([cast_task(voter.pk, candidate) for candidate in race.candidates])
    assert outcomes(results) == Counter({"accepted": 3, "limit_reached": 47})
    assert Vote.objects.filter(voter=voter).count() == 3
    assert SeasonVoter.objects.get(pk=voter.pk).votes_cast == 3
    assert LedgerEntry.objects.filter(season=race.season).count() == 3
    assert_consistent(race.season)


def test_parallel_votes_of_many_voters_make_one_unbroken_chain():
    race = election(k=2, candidates=4)
    voters = [race.voter() for _ in range(40)]
    tasks = [cast_task(voter.pk, race.candidates[(index + offset) % 4], channel=("web", "api")[offset])
             for index, voter in enumerate(voters) for offset in (0, 1)]
    results = run_together(tasks)
    assert outcomes(results) == Counter({"accepted": 80})
    entries = list(ledger_entries(season=race.season))
    assert len(entries) == 80 == Vote.objects.filter(season=race.season).count()
    assert [entry["sequence"] for entry in entries] == list(range(1, 81))
    assert ledger.chain_verify(entries, expected_head=ledger_head(season=race.season)) is None
    assert sum(ledger.chain_tally(entries).values()) == 80
    assert_consistent(race.season)


def test_parallel_votes_keep_each_its_own_signals():
    race = election(k=2, candidates=2)
    voters = [race.voter() for _ in range(30)]
    address = {voter.pk: f"198.51.{index}.7" for index, voter in enumerate(voters)}
    tasks = [cast_task(voter.pk, candidate, channel="api",
                       context=VoteContext(client_ip=address[voter.pk], user_agent=f"client/{voter.pk}"))
             for voter in voters for candidate in race.candidates]
    assert outcomes(run_together(tasks)) == Counter({"accepted": 60})
    for vote_id, voter_id, network, user_agent in VoteSignal.objects.values_list(
            "vote_id", "vote__voter_id", "network", "user_agent"):
        assert network == signals.network_hash(address[voter_id]), vote_id
        assert user_agent == signals.user_agent_hash(f"client/{voter_id}")
    assert_consistent(race.season)


def test_parallel_votes_and_annulments_keep_the_chain_and_the_tallies_in_step():
    race = election(k=3, candidates=3)
    organiser = make_organiser()
    early_votes = [vote_cast(voter=race.voter(), candidate=race.candidates[index % 3], channel="web")
                   for index in range(10)]
    voters = [race.voter() for _ in range(20)]

    def annul_task(vote: Vote) -> Callable[[], Any]:
        return lambda: vote_annul(actor=organiser, vote=vote, reason="Проверка: подозрительная серия")

    tasks = [cast_task(voter.pk, race.candidates[index % 3]) for index, voter in enumerate(voters)]
    tasks += [annul_task(vote) for vote in early_votes]
    tasks += [annul_task(vote) for vote in early_votes[:5]]  # the same votes annulled twice at once
    results = run_together(tasks)
    counted = outcomes(results)
    assert counted["accepted"] == 20 + 10  # votes and first annulments
    assert counted["already_annulled"] == 5
    entries = list(ledger_entries(season=race.season))
    assert len(entries) == 10 + 20 + 10
    assert sum(ledger.chain_tally(entries).values()) == 20
    assert_consistent(race.season)


# --- through real HTTP --------------------------------------------------------------------------------------


def post_vote(base_url: str, token: str, candidate_id: int) -> Callable[[], tuple[int, dict[str, Any]]]:
    def task() -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(  # noqa: S310 - the test's own live server
            f"{base_url}/api/v1/votes", data=json.dumps({"candidate": candidate_id}).encode(), method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    return task


def warm_up(base_url: str) -> None:
    """One request before the burst: the first request imports the URLconf and builds the API's schemas, which
    50 waiting threads would otherwise sit through (a deployed server is warm)."""
    try:
        urllib.request.urlopen(f"{base_url}/api/v1/receipts/0000000000", timeout=120)  # noqa: S310
    except urllib.error.HTTPError as error:
        assert error.code == 404


def test_50_parallel_http_votes_of_one_voter_for_50_candidates_with_k3_record_exactly_3(live_server):
    race = election(k=3, candidates=50)
    voter = race.voter()
    token = token_issue(voter=voter)
    warm_up(live_server.url)
    results = run_together([post_vote(live_server.url, token, candidate.pk) for candidate in race.candidates])
    statuses = Counter((status, body.get("code", "created")) for status, body in results)
    assert statuses == Counter({(201, "created"): 3, (403, "limit_reached"): 47})
    receipts = {body["receipt"] for status, body in results if status == 201}
    assert len(receipts) == 3
    assert sorted(body["votes_left"] for status, body in results if status == 201) == [0, 1, 2]
    assert {body["details"]["limit"] for status, body in results if status == 403} == {3}
    assert Vote.objects.filter(voter=voter).count() == 3
    assert_consistent(race.season)


def test_50_parallel_http_votes_of_one_voter_for_one_candidate_record_exactly_one(live_server):
    race = election(k=3, candidates=1)
    voter = race.voter()
    token = token_issue(voter=voter)
    warm_up(live_server.url)
    results = run_together([post_vote(live_server.url, token, race.candidates[0].pk) for _ in range(50)])
    statuses = Counter((status, body.get("code", "created")) for status, body in results)
    assert statuses == Counter({(201, "created"): 1, (409, "already_voted"): 49})
    assert Vote.objects.filter(voter=voter).count() == 1
    assert_consistent(race.season)

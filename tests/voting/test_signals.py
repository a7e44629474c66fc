"""What the vote keeps for detection (docs/integrity.md): every channel records its signals, in the vote's own
transaction, as keyed hashes — never the address, the browser string or the number itself."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError
from django.test import Client
from django.utils import timezone

from atomgrad.core.errors import ApplicationError
from atomgrad.voting import signals
from atomgrad.voting.models import LedgerEntry, SeasonVoter, Vote, VoterSignal, VoteSignal
from atomgrad.voting.services.ballots import vote_cast
from atomgrad.voting.signals import Verification, VoteContext
from tests.voting.ballot_helpers import application, election
from tests.voting.otp_support import PHONE, last_code

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Chromium/120"


def test_web_log_in_and_vote_record_the_voter_and_the_vote_signals(sms_file, voting_season, clock,
                                                                      django_capture_on_commit_callbacks):
    candidate = application(season=voting_season, city=voting_season.cities.get(slug="sarov"), status="accepted")
    client = Client(REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT=BROWSER)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/vote/login/", {"phone": "8 985 765-43-21"})
    requested = clock.now
    clock.advance(seconds=42)
    client.post("/vote/login/code/", {"code": last_code(sms_file)})
    verified = clock.now
    clock.advance(seconds=5)
    client.post("/vote/login/city/", {"city": "sarov", "consent": "yes"})
    voter = SeasonVoter.objects.get(season=voting_season)
    kept = VoterSignal.objects.get(voter=voter)
    assert kept.phone_block == signals.phone_block_hash(PHONE) != 0
    assert (kept.code_requested_at, kept.verified_at) == (requested, verified)
    assert kept.identity_first_seen_at == voter.identity.created_at
    assert kept.telegram_bucket == -1 and kept.season_id == voting_season.pk
    assert "9857654321" not in repr(dict(client.session.items()))  # the session holds the hash, not the number

    clock.advance(seconds=100)
    response = client.post(f"/vote/candidates/{candidate.pk}/", {"confirm": "1"})
    assert response.status_code == 302, response.content
    vote = Vote.objects.get()
    signal = VoteSignal.objects.get(vote=vote)
    assert signal.network == signals.network_hash("203.0.113.1") == signals.network_hash("203.0.113.77")
    assert signal.user_agent == signals.user_agent_hash(BROWSER)
    assert signal.code_to_verify == pytest.approx(42, abs=0.01)
    assert signal.verify_to_vote == pytest.approx(105, abs=0.01)
    assert signal.telegram_bucket == -1 and vote.channel == "web"


def test_api_log_in_and_vote_record_the_signals(sms_file, voting_season, clock, django_capture_on_commit_callbacks):
    candidate = application(season=voting_season, city=voting_season.cities.get(slug="sarov"), status="accepted")
    client = Client(REMOTE_ADDR="2001:db8:7:1::5", HTTP_USER_AGENT="python-requests/2.32")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/api/v1/auth/code", {"phone": PHONE}, content_type="application/json").status_code == 202
    clock.advance(seconds=3)
    token = client.post("/api/v1/auth/verify", {"phone": PHONE, "code": last_code(sms_file), "city": "sarov",
                                                "consent": True}, content_type="application/json").json()["token"]
    clock.advance(seconds=2)
    response = client.post("/api/v1/votes", {"candidate": candidate.pk}, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.content
    signal = VoteSignal.objects.select_related("vote").get()
    assert signal.vote.channel == "api"
    assert signal.network == signals.network_hash("2001:db8:7:ffff::1")  # the same /48
    assert signal.network != signals.network_hash("2001:db8:8::1")
    assert signal.user_agent == signals.user_agent_hash("python-requests/2.32")
    assert (signal.code_to_verify, signal.verify_to_vote) == (pytest.approx(3, abs=0.01), pytest.approx(2, abs=0.01))
    assert VoterSignal.objects.get().phone_block == signals.phone_block_hash(PHONE)


def test_a_vote_without_context_or_voter_signals_still_has_its_row():
    race = election(k=2)
    vote = vote_cast(voter=race.voter(), candidate=race.candidates[0], channel="web")
    signal = VoteSignal.objects.get(vote=vote)
    assert (signal.network, signal.user_agent, signal.telegram_bucket) == (0, 0, -1)
    assert signal.code_to_verify is None and signal.verify_to_vote is None


def test_now_is_the_vote_time_the_window_time_and_the_ledger_time_never_going_backwards():
    race = election(k=3)
    voter = race.voter()
    at = race.season.voting_open_at + dt.timedelta(hours=5, seconds=7)
    vote = vote_cast(voter=voter, candidate=race.candidates[0], channel="api", now=at,
                     context=VoteContext(client_ip="198.51.100.9", user_agent="x"))
    assert Vote.objects.get(pk=vote.pk).cast_at == at
    assert LedgerEntry.objects.get(vote=vote).created_at == at
    # an earlier moment after a later one: the vote keeps its own time, the chain's time does not go back
    earlier = at - dt.timedelta(minutes=1)
    second = vote_cast(voter=voter, candidate=race.candidates[1], channel="api", now=earlier)
    assert Vote.objects.get(pk=second.pk).cast_at == earlier
    assert LedgerEntry.objects.get(vote=second).created_at == at
    with pytest.raises(ApplicationError) as refused:  # the window is checked against `now`
        vote_cast(voter=voter, candidate=race.candidates[2], channel="api",
                  now=race.season.voting_close_at + dt.timedelta(seconds=1))
    assert refused.value.code == "voting_closed"
    assert VoteSignal.objects.count() == 2


def test_a_refused_vote_leaves_no_signal():
    race = election(k=1)
    voter = race.voter()
    vote_cast(voter=voter, candidate=race.candidates[0], channel="web")
    for candidate in race.candidates[:2]:  # already voted; then the limit
        with pytest.raises(ApplicationError):
            vote_cast(voter=SeasonVoter.objects.select_related("season", "city").get(pk=voter.pk),
                      candidate=candidate, channel="web", context=VoteContext(client_ip="192.0.2.1"))
    assert VoteSignal.objects.count() == 1


def test_verify_to_vote_is_measured_from_the_voter_s_latest_verification():
    race = election(k=2)
    voter = race.voter()
    start = race.season.voting_open_at + dt.timedelta(hours=1)
    VoterSignal.objects.create(voter=voter, season=race.season, phone_block=7, code_requested_at=start,
                               verified_at=start + dt.timedelta(seconds=30))
    vote = vote_cast(voter=voter, candidate=race.candidates[0], channel="web", now=start + dt.timedelta(minutes=2))
    signal = VoteSignal.objects.get(vote=vote)
    assert signal.code_to_verify == pytest.approx(30, abs=0.01)
    assert signal.verify_to_vote == pytest.approx(90, abs=0.01)


def test_a_vote_has_one_signal_row():
    race = election(k=2)
    vote = vote_cast(voter=race.voter(), candidate=race.candidates[0], channel="web")
    with pytest.raises(IntegrityError):
        VoteSignal.objects.create(vote=vote, season=race.season)


def test_verification_survives_the_session_round_trip():
    moment = timezone.now()
    kept = Verification.of(e164=PHONE, code_requested_at=moment - dt.timedelta(seconds=9), verified_at=moment,
                           telegram_user_id=7_000_000_000)
    assert Verification.from_session(kept.as_session()) == kept
    assert kept.telegram_bucket == 7_000_000_000 >> 28
    assert Verification.from_session({"phone_block": "x"}) is None and Verification.from_session(None) is None

"""152-ФЗ for voters: after a one-time code (the web log-in) a voter gets a copy of what is held and can erase
it; erasure cuts the link to the person and keeps the ledger's pseudonymous entries unchanged."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from atomgrad.core.models import AuditLogEntry
from atomgrad.voting.auth import SESSION_KEY, token_authenticate, token_issue
from atomgrad.voting.models import OneTimeCode, PhoneLockout, SeasonVoter, Vote, VoterIdentity
from atomgrad.voting.phones import phone_hash
from atomgrad.voting.selectors import ledger_entries, ledger_head
from atomgrad.voting.services.ballots import vote_cast
from atomgrad.voting.services.identity import identity_for_verified_phone, otp_request
from tests.results.helpers import close_voting
from tests.voting.ballot_helpers import election
from tests.voting.otp_support import PHONE

pytestmark = pytest.mark.django_db


def private(response) -> bool:  # type: ignore[no-untyped-def]
    return {"private", "no-store"} <= {part.strip() for part in response.get("Cache-Control", "").split(",")}


def voter_with_a_vote(sms_file, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    race = election(k=3)
    with django_capture_on_commit_callbacks(execute=True):
        otp_request(phone_raw=PHONE, client_ip="203.0.113.7")
    identity = identity_for_verified_phone(phone_raw=PHONE)
    voter = race.voter(identity=identity)
    vote = vote_cast(voter=SeasonVoter.objects.select_related("season", "city").get(pk=voter.pk),
                     candidate=race.candidates[0], channel="web")
    token = token_issue(voter=voter)
    client = Client()
    session = client.session
    session[SESSION_KEY] = voter.pk
    session.save()
    return race, identity, voter, vote, token, client


def test_the_page_needs_a_verified_voter(client):
    response = client.get("/vote/my-data/")
    assert response.status_code == 302 and response["Location"].startswith("/vote/login/")


def test_a_voter_gets_a_copy_of_what_is_held(sms_file, django_capture_on_commit_callbacks):
    race, _identity, _voter, vote, _token, client = voter_with_a_vote(sms_file, django_capture_on_commit_callbacks)
    page = client.get("/vote/my-data/")
    assert page.status_code == 200 and private(page)
    assert race.candidates[0].full_name in page.content.decode()
    response = client.get("/vote/my-data/?format=json")
    assert private(response) and response["Content-Disposition"].startswith("attachment;")
    document = json.loads(response.content)
    [registration] = document["registrations"]
    assert registration["season"] == race.season.year and registration["city"] == race.city.slug
    assert [entry["candidate_id"] for entry in registration["votes"]] == [race.candidates[0].pk]
    assert len(registration["api_tokens"]) == 1 and len(document["one_time_codes"]) == 1
    assert "9857654321" not in response.content.decode()  # the number itself is not held, so not shown


def test_erasure_waits_for_the_end_of_a_vote_the_person_took_part_in(sms_file, django_capture_on_commit_callbacks):
    _race, identity, _voter, _vote, token, client = voter_with_a_vote(sms_file, django_capture_on_commit_callbacks)
    response = client.post("/vote/my-data/erase/", {"confirm": "1"}, follow=True)
    assert "голосование ещё идёт" in response.content.decode()
    identity.refresh_from_db()
    assert identity.phone_hash == phone_hash(PHONE) and token_authenticate(token) is not None


def test_erasure_cuts_the_link_and_keeps_the_ledger(sms_file, django_capture_on_commit_callbacks):
    race, identity, voter, vote, token, client = voter_with_a_vote(sms_file, django_capture_on_commit_callbacks)
    close_voting(race.season)
    ledger_before = list(ledger_entries(season=race.season))
    head_before = ledger_head(season=race.season)

    response = client.post("/vote/my-data/erase/", {"confirm": "1"}, follow=True)
    assert "Ваши персональные данные удалены" in response.content.decode()
    identity.refresh_from_db()
    assert identity.phone_hash.startswith("erased:") and identity.phone_hash != phone_hash(PHONE)
    assert token_authenticate(token) is None
    assert not OneTimeCode.objects.exists() and not PhoneLockout.objects.exists()
    # the vote, its receipt and the ledger stay exactly as they were
    assert Vote.objects.filter(pk=vote.pk, receipt=vote.receipt).exists()
    assert SeasonVoter.objects.filter(pk=voter.pk).exists()
    assert list(ledger_entries(season=race.season)) == ledger_before and ledger_head(season=race.season) == head_before
    # logged out, and the same number is now a new person
    assert client.get("/vote/my-data/").status_code == 302
    assert identity_for_verified_phone(phone_raw=PHONE).pk != identity.pk
    entry = AuditLogEntry.objects.get(action="voter.erased")
    assert entry.object_id == str(identity.pk)


def test_a_registration_without_votes_is_erased_at_once(client):
    race = election(k=3)
    identity = identity_for_verified_phone(phone_raw=PHONE)
    voter = race.voter(identity=identity)
    session = client.session
    session[SESSION_KEY] = voter.pk
    session.save()
    client.post("/vote/my-data/erase/", {"confirm": "1"})
    assert not SeasonVoter.objects.filter(pk=voter.pk).exists()
    assert VoterIdentity.objects.get(pk=identity.pk).phone_hash.startswith("erased:")

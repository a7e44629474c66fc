"""POST /api/v1/votes and GET /api/v1/votes through the real API: statuses, reason codes, no personal data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from atomgrad.voting.auth import token_issue
from atomgrad.voting.models import LedgerEntry, Vote, VoterToken
from atomgrad.voting.phones import phone_hash
from atomgrad.voting.receipts import receipt_normalise
from atomgrad.voting.services.ballots import vote_annul
from tests.factories import CityFactory, CommitteeMemberFactory, VoterIdentityFactory
from tests.voting.ballot_helpers import VOTER_PHONE, application, election

pytestmark = pytest.mark.django_db


def vote(client, token: str | None, candidate_id: object):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/api/v1/votes", {"candidate": candidate_id}, content_type="application/json",
                       headers=headers)


def assert_refusal(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["message"]["ru"] and body["message"]["en"]
    return body  # type: ignore[no-any-return]


def test_a_vote_is_created_with_a_receipt_its_ledger_position_and_the_votes_left(client):
    race = election(k=3)
    voter = race.voter()
    token = token_issue(voter=voter)

    response = vote(client, token, race.candidates[0].pk)

    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    body = response.json()
    assert set(body) == {"receipt", "ledger_position", "votes_left", "verify_url"}
    assert body["ledger_position"] == 1 and body["votes_left"] == 2
    code = receipt_normalise(body["receipt"])
    assert code and body["receipt"] == f"{code[:4]}-{code[4:8]}-{code[8:]}"
    assert body["verify_url"].endswith(f"/verify/{code}/")
    stored = Vote.objects.get(receipt=code)
    assert (stored.voter, stored.candidate, stored.channel) == (voter, race.candidates[0], "api")

    second = vote(client, token, race.candidates[1].pk).json()
    assert (second["ledger_position"], second["votes_left"]) == (2, 1)


def test_a_repeated_vote_is_409_already_voted(client):
    race = election(k=3)
    token = token_issue(voter=race.voter())
    assert vote(client, token, race.candidates[0].pk).status_code == 201
    body = assert_refusal(vote(client, token, race.candidates[0].pk), 409, "already_voted")
    assert body["details"] == {"candidate": race.candidates[0].pk}
    assert Vote.objects.count() == 1


def test_over_the_limit_is_403_limit_reached_with_the_limit(client):
    race = election(k=2)
    token = token_issue(voter=race.voter())
    for candidate in race.candidates[:2]:
        assert vote(client, token, candidate.pk).status_code == 201
    body = assert_refusal(vote(client, token, race.candidates[2].pk), 403, "limit_reached")
    assert body["details"] == {"limit": 2}
    assert "2" in body["message"]["ru"]


def test_another_city_is_403_wrong_city(client):
    race = election(k=3)
    token = token_issue(voter=race.voter(city=CityFactory()))
    assert_refusal(vote(client, token, race.candidates[0].pk), 403, "wrong_city")


@pytest.mark.parametrize(("phase", "code"), [("moderation", "voting_not_open"), ("verification", "voting_closed")])
def test_outside_the_window_is_403(client, phase, code):
    race = election(k=3, phase=phase)
    token = token_issue(voter=race.voter())
    assert_refusal(vote(client, token, race.candidates[0].pk), 403, code)


def test_an_unpublished_or_unknown_candidate_is_422(client):
    race = election(k=3)
    token = token_issue(voter=race.voter())
    submitted = application(season=race.season, city=race.city, status="submitted")
    assert_refusal(vote(client, token, submitted.pk), 422, "candidate_not_published")
    assert_refusal(vote(client, token, 987654), 422, "candidate_not_published")


@pytest.mark.parametrize("candidate_id", [0, -5, 2**63, 2**70])
def test_an_id_no_candidate_can_have_is_422_invalid_request(client, candidate_id):
    """Ids are 1 … 2^63 − 1 (the schema says so); beyond a 64-bit id SQLite cannot even take the number as a
    parameter: the schema's refusal, no 500."""
    race = election(k=3)
    token = token_issue(voter=race.voter())
    body = assert_refusal(vote(client, token, candidate_id), 422, "invalid_request")
    assert body["details"]["errors"][0]["loc"][-1] == "candidate"
    assert client.get(f"/vote/candidates/{2**70}/").status_code == 404


@pytest.mark.parametrize("as_json", [str, lambda pk: True, float, lambda pk: [pk], lambda pk: {"id": pk}],
                         ids=["string", "true", "float", "list", "object"])
def test_a_candidate_that_is_not_an_integer_casts_no_vote(client, as_json):
    """`{"candidate": "984"}` used to cast a vote for 984 and `{"candidate": true}` one for candidate 1: the
    body's types are strict."""
    race = election(k=3)
    token = token_issue(voter=race.voter())
    body = assert_refusal(vote(client, token, as_json(race.candidates[0].pk)), 422, "invalid_request")
    assert body["details"]["errors"][0]["loc"][-1] == "candidate"
    assert not Vote.objects.exists()


def test_an_unknown_field_casts_no_vote(client):
    race = election(k=3)
    token = token_issue(voter=race.voter())
    response = client.post("/api/v1/votes", {"candidate": race.candidates[0].pk, "channel": "web"},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert_refusal(response, 422, "invalid_request")
    assert not Vote.objects.exists()


def test_a_body_that_does_not_match_the_schema_is_422_in_the_one_error_shape_and_changes_nothing(client):
    race = election(k=3)
    token = token_issue(voter=race.voter())
    body = assert_refusal(vote(client, token, "not-a-number"), 422, "invalid_request")
    assert body["details"]["errors"][0]["loc"][-1] == "candidate"
    missing = client.post("/api/v1/votes", {}, content_type="application/json",
                          headers={"Authorization": f"Bearer {token}"})
    assert_refusal(missing, 422, "invalid_request")
    broken = client.post("/api/v1/votes", "{", content_type="application/json",
                         headers={"Authorization": f"Bearer {token}"})
    assert_refusal(broken, 400, "invalid_json")
    assert not Vote.objects.exists()


def test_without_a_valid_token_the_answer_is_401(client):
    race = election(k=3)
    voter = race.voter()
    assert vote(client, None, race.candidates[0].pk).status_code == 401
    assert vote(client, "forged-token", race.candidates[0].pk).status_code == 401
    expired = token_issue(voter=voter)
    VoterToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert vote(client, expired, race.candidates[0].pk).status_code == 401
    assert not Vote.objects.exists()


def test_my_votes_lists_receipts_statuses_and_the_votes_left(client):
    race = election(k=3)
    voter = race.voter()
    token = token_issue(voter=voter)
    first = vote(client, token, race.candidates[0].pk).json()
    vote(client, token, race.candidates[1].pk)
    vote_annul(actor=CommitteeMemberFactory(city=race.city).user,
               vote=Vote.objects.get(receipt=receipt_normalise(first["receipt"])), reason="Нарушение правил")

    response = client.get("/api/v1/votes", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    body = response.json()
    assert (body["season"], body["city"], body["votes_per_voter"], body["votes_left"]) == (
        race.season.year, race.city.slug, 3, 1)
    by_receipt = {item["receipt"]: item for item in body["votes"]}
    assert by_receipt[first["receipt"]]["status"] == "annulled"
    assert by_receipt[first["receipt"]]["candidate"] == race.candidates[0].pk
    assert sorted(item["status"] for item in body["votes"]) == ["annulled", "counted"]
    assert client.get("/api/v1/votes").status_code == 401


def test_no_vote_response_contains_the_voters_phone_or_its_hash_or_pseudonym(client):
    race = election(k=2)
    identity = VoterIdentityFactory(phone_hash=phone_hash(VOTER_PHONE))
    token = token_issue(voter=race.voter(identity=identity))
    responses = [
        vote(client, token, race.candidates[0].pk),
        vote(client, token, race.candidates[0].pk),
        vote(client, token, race.candidates[1].pk),
        vote(client, token, race.candidates[2].pk),
        client.get("/api/v1/votes", headers={"Authorization": f"Bearer {token}"}),
    ]
    pseudonym = LedgerEntry.objects.first().voter_pseudonym
    for response in responses:
        text = response.content.decode()
        for secret in (VOTER_PHONE, VOTER_PHONE[1:], VOTER_PHONE[2:], identity.phone_hash, pseudonym):
            assert secret not in text
        for candidate in race.candidates:  # nor the candidates' private contacts
            assert candidate.phone not in text and candidate.email not in text


def test_the_vote_paths_are_in_the_openapi_document(client):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    assert "post" in paths["/api/v1/votes"]
    assert "get" in paths["/api/v1/receipts/{receipt}"]
    assert "get" in paths["/api/v1/cities/{slug}/results"]
    responses = paths["/api/v1/votes"]["post"]["responses"]
    assert {"201", "401", "403", "409", "422"} <= set(responses)


def test_a_token_for_one_candidate_and_a_body_naming_another_type_is_refused_as_before(client):
    """The candidate is read with the token, from the body before validation; what the body is does not
    change the answer: a refused body casts nothing, a bad token is 401 whatever the body names."""
    race = election(k=3)
    token = token_issue(voter=race.voter())
    candidate = race.candidates[0]
    for body in ('{"candidate": true}', '[{"candidate": 1}]', f'{{"candidate": {candidate.pk}.0}}',
                 f'{{"candidate": {candidate.pk}, "extra": 1}}'):
        response = client.post("/api/v1/votes", body, content_type="application/json",
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code in (400, 422), (body, response.content)
    assert not Vote.objects.exists()
    assert vote(client, "forged-token", candidate.pk).status_code == 401
    # JSON nested deeper than the parser's recursion limit: the token's 401, or the body's 400, never a 500.
    nested = "[" * 100_000 + "]" * 100_000
    for bearer, status in (("forged-token", 401), (token, 400)):
        response = client.post("/api/v1/votes", nested, content_type="application/json",
                               headers={"Authorization": f"Bearer {bearer}"})
        assert response.status_code == status, response.content
    assert vote(client, token, candidate.pk).status_code == 201

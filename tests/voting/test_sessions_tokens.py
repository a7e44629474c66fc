"""Sessions and tokens: the API's log-out revokes a token, a new log-in retires the old ones, expired tokens are
purged; a web voter logs out from any page and the next person on the same phone sees nothing of theirs; every
answer that depends on the voter is `Cache-Control: private, no-store`."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import Counter

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from atomgrad.voting.auth import SESSION_KEY, token_authenticate, token_issue
from atomgrad.voting.models import VoterToken
from atomgrad.voting.services.ballots import vote_cast
from tests.concurrency import run_each
from tests.factories import SeasonVoterFactory
from tests.voting.ballot_helpers import election
from tests.voting.otp_support import PHONE, last_code

pytestmark = pytest.mark.django_db


def private(response) -> bool:  # type: ignore[no-untyped-def]
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


def api_post(client: Client, url: str, payload: object | None = None, **headers: str):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1{url}", data=json.dumps(payload or {}), content_type="application/json", **headers)


def log_in_over_the_api(client, sms_file, django_capture_on_commit_callbacks, clock) -> str:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        assert api_post(client, "/auth/code", {"phone": PHONE}).status_code == 202
    response = api_post(client, "/auth/verify", {"phone": PHONE, "code": last_code(sms_file), "city": "sarov",
                                                 "consent": True})
    assert response.status_code == 200, response.content
    assert private(response)  # a token is never cached
    clock.advance(seconds=61)  # past the resend interval
    return response.json()["token"]


def test_logout_revokes_the_token_and_a_new_log_in_retires_the_old(
    client, sms_file, voting_season, django_capture_on_commit_callbacks, clock,
):
    first = log_in_over_the_api(client, sms_file, django_capture_on_commit_callbacks, clock)
    second = log_in_over_the_api(client, sms_file, django_capture_on_commit_callbacks, clock)
    assert client.get("/api/v1/votes", HTTP_AUTHORIZATION=f"Bearer {first}").status_code == 401
    mine = client.get("/api/v1/votes", HTTP_AUTHORIZATION=f"Bearer {second}")
    assert mine.status_code == 200 and private(mine)
    assert VoterToken.objects.count() == 1

    response = api_post(client, "/auth/logout", HTTP_AUTHORIZATION=f"Bearer {second}")
    assert response.status_code == 200 and response.json() == {"status": "logged_out"}
    assert client.get("/api/v1/votes", HTTP_AUTHORIZATION=f"Bearer {second}").status_code == 401
    assert api_post(client, "/auth/logout", HTTP_AUTHORIZATION=f"Bearer {second}").status_code == 401
    assert not VoterToken.objects.exists()


def test_retention_purge_deletes_expired_tokens_only():
    voter = SeasonVoterFactory()
    live = token_issue(voter=voter)
    other = SeasonVoterFactory()
    token_issue(voter=other)
    VoterToken.objects.filter(voter=other).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    out = io.StringIO()
    call_command("retention_purge", stdout=out)
    assert "истёкших токенов 1" in out.getvalue()
    assert list(VoterToken.objects.values_list("voter_id", flat=True)) == [voter.pk]
    assert token_authenticate(live) is not None


def test_a_web_voter_logs_out_and_the_next_person_sees_nothing(client):
    race = election(k=3)
    voter = race.voter()
    session = client.session
    session[SESSION_KEY] = voter.pk
    session.save()
    vote = vote_cast(voter=voter, candidate=race.candidates[0], channel="web")
    city_page = f"/cities/{race.city.slug}/"
    receipt_page = f"/vote/receipt/{vote.receipt}/"

    for url in (city_page, receipt_page, "/vote/my/", "/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert private(response), url
        assert "Выйти из голосования" in response.content.decode(), url  # the button is on every page
    assert "Ваш голос учтён" in client.get(city_page).content.decode()

    response = client.post("/vote/logout/", {"next": city_page})
    assert response.status_code == 302 and response["Location"] == city_page
    page = client.get(city_page)
    assert "Ваш голос учтён" not in page.content.decode()
    assert "Выйти из голосования" not in page.content.decode()
    assert client.get(receipt_page).status_code == 404
    assert client.get("/vote/my/").status_code == 302  # to the log-in


def test_anonymous_public_pages_are_not_marked_private(client):
    race = election(k=3)
    response = client.get(f"/cities/{race.city.slug}/")
    assert response.status_code == 200 and not private(response)


def test_the_vote_api_answer_is_private(client):
    race = election(k=3)
    token = token_issue(voter=race.voter())
    response = api_post(client, "/votes", {"candidate": race.candidates[0].pk}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 201 and private(response)


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_parallel_log_ins_of_one_person_leave_one_working_token():
    voter = SeasonVoterFactory()
    tokens = run_each(12, lambda _index: token_issue(voter=voter))
    assert all(isinstance(token, str) for token in tokens), tokens
    working = Counter(token_authenticate(token) is not None for token in tokens)  # type: ignore[arg-type]
    assert working == {True: 1, False: 11}
    assert VoterToken.objects.count() == 1

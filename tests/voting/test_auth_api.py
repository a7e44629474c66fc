"""The auth API over real HTTP: POST /api/v1/auth/code and /api/v1/auth/verify, the bearer token, and the
refusals with their codes and messages in both languages. No answer ever contains the phone number."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import path
from django.utils import timezone
from ninja import NinjaAPI

from atomgrad.voting.api_auth import VoterBearer
from atomgrad.voting.auth import token_authenticate, token_issue
from atomgrad.voting.models import OneTimeCode, PhoneLockout, SeasonVoter, VoterToken
from tests.factories import CityFactory, SeasonVoterFactory
from tests.voting.otp_support import PHONE, assert_no_phone, last_code, sms_lines

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, payload: object, **headers: str):  # type: ignore[no-untyped-def]
    response = client.post(url, data=json.dumps(payload), content_type="application/json", **headers)
    assert_no_phone(response.content)
    return response


@pytest.fixture
def api(client, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """POST to the API with on-commit callbacks (the SMS) run, checking every answer for the phone number."""

    def call(url: str, payload: object, **headers: str):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return post(client, f"/api/v1{url}", payload, **headers)

    return call


def assert_refusal(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["message"]["ru"] and body["message"]["en"] and body["message"]["ru"] != body["message"]["en"]
    return body


def test_code_is_sent(api, sms_file, voting_season):
    response = api("/auth/code", {"phone": "8 (985) 765-43-21"})
    assert response.status_code == 202
    assert response.json() == {"status": "sent", "expires_in_seconds": 300, "resend_after_seconds": 60}
    [(phone, _text, _code)] = sms_lines(sms_file)
    assert phone == PHONE


def test_full_log_in_gives_a_working_token(api, sms_file, voting_season):
    api("/auth/code", {"phone": PHONE})
    response = api("/auth/verify", {"phone": "+7 985 765-43-21", "code": last_code(sms_file), "city": "sarov",
                                    "consent": True})
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"token", "token_type", "expires_at", "season", "city", "votes_cast", "votes_per_voter"}
    assert body["token_type"] == "Bearer" and body["city"] == "sarov" and body["season"] == voting_season.year
    assert body["votes_cast"] == 0 and body["votes_per_voter"] == voting_season.votes_per_voter
    assert body["expires_at"].endswith("+03:00")
    voter = token_authenticate(body["token"])
    assert voter == SeasonVoter.objects.get() and voter.registered_via == "api"


@pytest.mark.parametrize("phone", ["", "+7 985", "+380501234567"])
def test_code_refuses_bad_numbers(api, sms_file, voting_season, phone):
    assert_refusal(api("/auth/code", {"phone": phone}), 422, "invalid_phone")
    assert_refusal(api("/auth/code", {}), 422, "invalid_phone")
    assert sms_lines(sms_file) == []


@pytest.mark.parametrize("payload", [{"phone": "abc"}, {"phone": 79857654321}, {"phone": PHONE, "city": "sarov"}])
def test_code_refuses_what_the_schema_forbids(api, sms_file, voting_season, payload):
    """Letters (the documented pattern), a number instead of text (strict types) or an unknown field: 422
    invalid_request naming the field; nothing is sent."""
    body = assert_refusal(api("/auth/code", payload), 422, "invalid_request")
    assert body["details"]["errors"][0]["loc"][-1] in ("phone", "city")
    assert sms_lines(sms_file) == []


@pytest.mark.parametrize("change", [{"consent": "true"}, {"consent": 1}, {"code": 123456}, {"city": None}])
def test_verify_refuses_coerced_types(api, sms_file, voting_season, change):
    api("/auth/code", {"phone": PHONE})
    payload = {"phone": PHONE, "code": last_code(sms_file), "city": "sarov", "consent": True, **change}
    assert_refusal(api("/auth/verify", payload), 422, "invalid_request")
    assert not SeasonVoter.objects.exists()


def test_code_limits_answer_429(api, sms_file, voting_season, settings):
    assert api("/auth/code", {"phone": PHONE}).status_code == 202
    body = assert_refusal(api("/auth/code", {"phone": PHONE}), 429, "too_many_codes")
    assert body["details"]["reason"] == "resend_interval" and body["details"]["retry_after_seconds"] > 0
    settings.OTP_RESEND_INTERVAL_SECONDS = 0
    for _ in range(4):
        assert api("/auth/code", {"phone": PHONE}).status_code == 202
    body = assert_refusal(api("/auth/code", {"phone": PHONE}), 429, "too_many_codes")
    assert body["details"]["reason"] == "per_number"


def test_code_limit_per_client_address(api, sms_file, voting_season, settings):
    settings.OTP_CODES_PER_ADDRESS_HARD_PER_HOUR = 2
    assert api("/auth/code", {"phone": "+79850000001"}, REMOTE_ADDR="198.51.100.9").status_code == 202
    assert api("/auth/code", {"phone": "+79850000002"}, REMOTE_ADDR="198.51.100.9").status_code == 202
    body = assert_refusal(api("/auth/code", {"phone": PHONE}, REMOTE_ADDR="198.51.100.9"), 429, "too_many_codes")
    assert body["details"]["reason"] == "per_address"
    assert api("/auth/code", {"phone": PHONE}, REMOTE_ADDR="198.51.100.10").status_code == 202


def test_forwarded_address_is_believed_only_behind_a_proxy(api, sms_file, voting_season, settings):
    settings.OTP_CODES_PER_ADDRESS_HARD_PER_HOUR = 1
    settings.OTP_RESEND_INTERVAL_SECONDS = 0
    # not behind a proxy: the header is ignored, the socket address counts
    assert api("/auth/code", {"phone": "+79850000001"}, HTTP_X_FORWARDED_FOR="10.0.0.1").status_code == 202
    assert api("/auth/code", {"phone": "+79850000002"}, HTTP_X_FORWARDED_FOR="10.0.0.2").status_code == 429
    settings.TRUST_X_FORWARDED_FOR = True
    # behind a proxy: the last hop (the one our proxy added) counts, whatever the client put before it
    assert api("/auth/code", {"phone": "+79850000003"}, HTTP_X_FORWARDED_FOR="1.1.1.1, 10.0.0.3").status_code == 202
    assert api("/auth/code", {"phone": "+79850000004"}, HTTP_X_FORWARDED_FOR="2.2.2.2, 10.0.0.3").status_code == 429
    assert OneTimeCode.objects.filter(client_ip="10.0.0.3").count() == 1


def test_verify_refusals(api, sms_file, voting_season):
    api("/auth/code", {"phone": PHONE})
    code = last_code(sms_file)
    other = f"{(int(code) + 1) % 1_000_000:06d}"
    base = {"phone": PHONE, "code": code, "city": "sarov", "consent": True}
    assert_refusal(api("/auth/verify", {**base, "phone": "12"}), 422, "invalid_phone")
    assert_refusal(api("/auth/verify", {**base, "code": "12"}), 422, "invalid_code")
    CityFactory(slug="elsewhere")
    assert_refusal(api("/auth/verify", {**base, "city": "elsewhere"}), 422, "unknown_city")
    assert_refusal(api("/auth/verify", {**base, "consent": False}), 422, "consent_required")
    assert_refusal(api("/auth/verify", {"phone": PHONE, "code": code, "city": "sarov"}), 422, "consent_required")
    body = assert_refusal(api("/auth/verify", {**base, "code": other}), 422, "invalid_code")
    assert body["details"]["attempts_left"] == 4
    # none of the refusals above used the code up
    assert api("/auth/verify", base).status_code == 200
    assert_refusal(api("/auth/verify", base), 422, "code_expired")


def test_verify_lockout_after_five_wrong_codes(api, sms_file, voting_season):
    api("/auth/code", {"phone": PHONE})
    code = last_code(sms_file)
    base = {"phone": PHONE, "code": f"{(int(code) + 7) % 1_000_000:06d}", "city": "sarov", "consent": True}
    for _ in range(4):
        assert_refusal(api("/auth/verify", base), 422, "invalid_code")
    body = assert_refusal(api("/auth/verify", base), 429, "too_many_attempts")
    assert "МСК" in body["message"]["ru"] and "MSK" in body["message"]["en"]
    assert_refusal(api("/auth/verify", {**base, "code": code}), 429, "locked_out")
    assert_refusal(api("/auth/code", {"phone": PHONE}), 429, "locked_out")
    assert PhoneLockout.objects.get().lockouts == 1


def test_verify_refuses_another_city_after_voting(api, sms_file, voting_season, settings):
    settings.OTP_RESEND_INTERVAL_SECONDS = 0
    api("/auth/code", {"phone": PHONE})
    api("/auth/verify", {"phone": PHONE, "code": last_code(sms_file), "city": "sarov", "consent": True})
    SeasonVoter.objects.update(votes_cast=1)
    api("/auth/code", {"phone": PHONE})
    body = assert_refusal(api("/auth/verify", {"phone": PHONE, "code": last_code(sms_file), "city": "ozersk",
                                               "consent": True}), 409, "city_fixed")
    assert body["details"] == {"city": "sarov"}
    response = api("/auth/verify", {"phone": PHONE, "code": last_code(sms_file), "city": "sarov", "consent": True})
    assert response.status_code == 200 and response.json()["votes_cast"] == 1


def test_verify_without_a_season(api, sms_file, db):
    assert api("/auth/code", {"phone": PHONE}).status_code == 202  # codes do not depend on a season
    assert_refusal(api("/auth/verify", {"phone": PHONE, "code": last_code(sms_file), "city": "sarov",
                                        "consent": True}), 409, "voting_not_open")


def test_malformed_json_is_refused(client, voting_season):
    response = client.post("/api/v1/auth/code", data="{not json", content_type="application/json")
    assert response.status_code in (400, 422)


def test_endpoints_are_in_the_openapi_document(client, db):
    document = client.get("/api/openapi.json").json()
    assert "/api/v1/auth/code" in document["paths"] and "/api/v1/auth/verify" in document["paths"]
    assert "202" in document["paths"]["/api/v1/auth/code"]["post"]["responses"]


# --- VoterBearer --------------------------------------------------------------------------------------------

probe_api = NinjaAPI(urls_namespace="voter-bearer-probe")


@probe_api.get("/me", auth=VoterBearer())
def probe_me(request):  # type: ignore[no-untyped-def]
    return {"voter": request.auth.pk, "city": request.auth.city.slug}


urlpatterns = [path("probe/", probe_api.urls)]


@pytest.mark.urls(__name__)
def test_voter_bearer_resolves_the_token_to_the_season_voter(client, voting_season):
    voter = SeasonVoterFactory(season=voting_season, city=voting_season.cities.get(slug="ozersk"))
    token = token_issue(voter=voter)
    response = client.get("/probe/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and response.json() == {"voter": voter.pk, "city": "ozersk"}
    assert client.get("/probe/me").status_code == 401
    assert client.get("/probe/me", HTTP_AUTHORIZATION="Bearer not-a-token").status_code == 401
    assert client.get("/probe/me", HTTP_AUTHORIZATION=f"Basic {token}").status_code == 401
    VoterToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/probe/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_missing_or_bad_token_is_a_401_in_the_one_error_shape(client, voting_season):
    """On the real API (GET /api/v1/votes needs a voter): the refusal has a code and both languages."""
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer not-a-token"}):
        response = client.get("/api/v1/votes", **headers)
        body = assert_refusal(response, 401, "not_authenticated")
        assert "Bearer" in body["message"]["en"] and response["WWW-Authenticate"] == "Bearer"
    voter = SeasonVoterFactory(season=voting_season, city=voting_season.cities.get(slug="sarov"))
    response = client.get("/api/v1/votes", HTTP_AUTHORIZATION=f"Bearer {token_issue(voter=voter)}")
    assert response.status_code == 200

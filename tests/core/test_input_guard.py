"""Input no view expects, through the real HTTP stack on both databases: NUL anywhere (PostgreSQL refuses it in
any statement), numbers beyond 64 bits, and the one JSON error shape for every error under /api/ — an unknown
address, a wrong method, an unhandled exception."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import path

from atomgrad.award.models import ApplicationStatus
from atomgrad.urls import urlpatterns as real_urlpatterns
from atomgrad.voting.auth import token_issue
from tests.factories import ApplicationFactory, CityFactory, SeasonFactory
from tests.voting.ballot_helpers import election

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "details"} and body["code"] == code
    assert body["message"]["ru"] and body["message"]["en"]
    return body  # type: ignore[no-any-return]


@pytest.fixture
def published(db):  # type: ignore[no-untyped-def]
    city = CityFactory(slug="sarov")
    season = SeasonFactory(phase="voting", cities=[city])
    ApplicationFactory(season=season, city=city, status=ApplicationStatus.ACCEPTED)
    return season, city


@pytest.mark.parametrize("offset", [2**63 - 1, 2**63, 2**64, 10**30])
def test_a_huge_offset_is_a_422_not_a_500(client, published, offset):
    response = client.get(f"/api/v1/cities/sarov/candidates?offset={offset}")
    body = assert_error_shape(response, 422, "invalid_request")
    assert body["details"]["errors"][0]["loc"][-1] == "offset"
    assert client.get("/api/v1/cities/sarov/candidates?offset=1000000").json() == {"items": [], "count": 1}


@pytest.mark.parametrize("url", [
    "/api/v1/seasons/99999999999999999999", "/api/v1/candidates/9223372036854775808",
    "/api/v1/cities/sarov/candidates?season=9223372036854775808", "/api/v1/results/18446744073709551616",
    "/api/v1/cities/sarov/results?season=-1",
])
def test_numbers_beyond_their_bounds_are_422(client, published, url):
    assert_error_shape(client.get(url), 422, "invalid_request")


@pytest.mark.parametrize("url", [
    "/api/v1/cities/sarov/candidates?q=%00", "/api/v1/cities/sarov/candidates?sphere=a%00b",
    "/api/v1/cities/sa%00rov", "/api/v1/cities/sa%00rov/candidates", "/api/v1/receipts/K7Q2%009XMA",
    "/api/v1/cities/sarov/results?season=2026%00",
])
def test_nul_in_an_api_path_or_query_is_400_invalid_characters(client, published, url):
    assert_error_shape(client.get(url), 400, "invalid_characters")


@pytest.mark.parametrize("url", ["/cities/?q=%00", "/cities/sarov/?sphere=%00", "/cities/sarov/?q=a%00",
                                 "/verify/?code=%00", "/verify/K7Q2%009XMA/", "/cities/sa%00rov/"])
def test_nul_in_a_page_address_is_400_with_a_page(client, published, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "U+0000" in response.content.decode()


def test_nul_in_a_json_body_is_refused_before_any_lookup(client, published):
    """`auth/verify` with a NUL in the city (or the phone, or the code) used to reach PostgreSQL: a 500."""
    for field in ("city", "phone", "code"):
        payload = {"phone": "+7 985 765-43-21", "code": "123456", "city": "sarov", "consent": True}
        payload[field] = payload[field][:2] + "\x00" + payload[field][2:]
        response = client.post("/api/v1/auth/verify", json.dumps(payload), content_type="application/json")
        assert_error_shape(response, 400, "invalid_characters")
    # An escaped backslash followed by `u0000` is text, not NUL: it goes on to the schema (and its pattern).
    response = client.post("/api/v1/auth/verify", '{"city": "\\\\u0000"}', content_type="application/json")
    assert_error_shape(response, 422, "invalid_request")


def test_nul_in_a_form_field_or_a_cookie_is_refused(client, published):
    response = client.post("/vote/login/", {"phone": "+7 985\x00 765-43-21"})
    assert response.status_code == 400
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    assert client.get("/").status_code == 400


def test_a_vote_with_nul_in_the_body_casts_nothing(client):
    race = election(k=3)
    token = token_issue(voter=race.voter())
    response = client.post("/api/v1/votes", '{"candidate": 1, "x": "\\u0000"}', content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    assert_error_shape(response, 400, "invalid_characters")


def test_unknown_api_address_and_wrong_method_answer_the_error_shape(client, published):
    assert_error_shape(client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_error_shape(client.get("/api/nothing-here"), 404, "not_found")
    response = client.delete("/api/v1/seasons")
    assert_error_shape(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def _explode(request):  # type: ignore[no-untyped-def]
    raise RuntimeError("a bug")


urlpatterns = [path("api/v1/explode", _explode), *real_urlpatterns]


@pytest.mark.urls("tests.core.test_input_guard")
def test_an_unhandled_error_under_api_is_a_500_in_the_error_shape(published, caplog):
    client = Client(raise_request_exception=False)
    body = assert_error_shape(client.get("/api/v1/explode"), 500, "server_error")
    assert "a bug" not in json.dumps(body)
    assert any("a bug" in str(record.exc_info) for record in caplog.records if record.exc_info)


def test_an_unhandled_error_inside_an_api_operation_is_a_500_in_the_error_shape(published, monkeypatch, caplog):
    """A failure inside a django-ninja operation (here the selector, as if the database went away)."""
    from atomgrad.award import selectors

    def broken(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("database gone")

    monkeypatch.setattr(selectors, "season_list", broken)
    client = Client(raise_request_exception=False)
    assert_error_shape(client.get("/api/v1/seasons"), 500, "server_error")

"""The JSON API against its own OpenAPI document, with schemathesis (property-based): for every operation,
generated valid and invalid requests must never answer 5xx, a status the document does not list, or a body
that breaks the documented schema. Runs in-process against the WSGI application on the test database (both
SQLite and PostgreSQL in `make test`); the voter's operations get a valid bearer token.

Bounded for speed: a few dozen examples per operation (`MAX_EXAMPLES`)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from atomgrad.award.models import ApplicationStatus
from atomgrad.voting.auth import token_issue
from tests.factories import ApplicationFactory, CityFactory, SeasonFactory, SeasonVoterFactory

MAX_EXAMPLES = 30


@pytest.fixture
def api_data(db):  # type: ignore[no-untyped-def]
    """A season whose vote is open in two cities with published candidates, and a voter of one of them."""
    sarov, ozersk = CityFactory(slug="sarov"), CityFactory(slug="ozersk")
    season = SeasonFactory(phase="voting", cities=[sarov, ozersk])
    for city in (sarov, ozersk):
        for _ in range(3):
            ApplicationFactory(season=season, city=city, status=ApplicationStatus.ACCEPTED)
    voter = SeasonVoterFactory(season=season, city=sarov)
    return {"token": token_issue(voter=voter)}


@pytest.fixture
def wsgi_calls_keep_the_test_connection():  # type: ignore[no-untyped-def]
    """The WSGI handler closes "old" database connections around each request; inside a test's transaction that
    would close the test's own connection. Django's test client disconnects the same signal handlers."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Loaded once at collection: building the document needs no database. (schemathesis' `from_fixture` loader
# does not work with pytest 9.)
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_every_operation_answers_as_documented(case, api_data, wsgi_calls_keep_the_test_connection):  # type: ignore[no-untyped-def]
    headers = {}
    if case.operation.definition.raw.get("security"):
        headers["Authorization"] = f"Bearer {api_data['token']}"
    # Every check but one: `positive_data_acceptance` expects schema-valid data to be accepted, while this API
    # answers business refusals of well-formed requests (an unpublished candidate, a number that is no mobile
    # phone, an unknown city) with 422 and a reason code, as the README's contract says. Schema refusals are
    # 422 `invalid_request`; `negative_data_rejection` checks that every schema-invalid request is refused.
    case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])


def test_the_document_lists_every_refusal_and_the_constraints(client):
    document = client.get("/api/openapi.json").json()
    operations = {(method.upper(), path): operation for path, methods in document["paths"].items()
                  for method, operation in methods.items()}
    for (method, path), operation in operations.items():
        statuses = set(operation["responses"])
        assert "400" in statuses, (method, path)
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in statuses, (method, path)
        if operation.get("security"):
            assert "401" in statuses, (method, path)
        for status in statuses - {"200", "201", "202"}:
            assert operation["responses"][status]["content"]["application/json"]["schema"]["$ref"], (path, status)
    assert set(operations[("POST", "/api/v1/votes")]["responses"]) >= {"201", "400", "401", "403", "409", "422"}
    assert set(operations[("POST", "/api/v1/auth/code")]["responses"]) >= {"202", "400", "422", "429"}
    schemas = document["components"]["schemas"]
    assert set(schemas["Error"]["required"]) == {"code", "message", "details"}
    candidate = schemas["VoteIn"]["properties"]["candidate"]
    assert candidate["type"] == "integer" and candidate["minimum"] == 1 and candidate["maximum"] == 2**63 - 1
    assert schemas["VoteIn"]["additionalProperties"] is False
    assert schemas["CodeIn"]["properties"]["phone"]["pattern"]
    parameters = {parameter["name"]: parameter["schema"]
                  for parameter in operations[("GET", "/api/v1/cities/{slug}/candidates")]["parameters"]}
    assert parameters["limit"]["maximum"] == 100 and parameters["offset"]["maximum"] == 1_000_000
    detail = operations[("GET", "/api/v1/candidates/{candidate_id}")]["parameters"][0]["schema"]
    assert detail["minimum"] == 1

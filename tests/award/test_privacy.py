"""Private data of applicants never reaches a public page or the public API.

Applications carry distinctive private values (phone, e-mail, date of birth, nominator, petition, consent
record, edit link, committee comment); every public page and API response, in both languages, is searched
for them. Applications that are not accepted must not leak even their names.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.conf import settings
from django.core.files.base import ContentFile

from atomgrad.award.models import ApplicationStatus, ConsentKind, NominationKind
from tests.factories import (
    ApplicationFactory,
    CityFactory,
    ConsentDocumentFactory,
    SeasonFactory,
    SphereFactory,
)

pytestmark = pytest.mark.django_db

CITY_SLUG = "novouralsk"
SPHERE_SLUG = "volunteers"

# Private values and the ways they could be written out.
PRIVATE_STRINGS = [
    "+79995550123", "9995550123", "999 555", "555-01-23",
    "tainy.zhitel.4417", "example-secret.org",
    "1961-07-29", "29.07.1961", "29 июля 1961", "July 29, 1961", "1961",
    "Коллектив Секретного Цеха",
    "petition-secret-8841", "petitions/",
    "10.77.66.55", "Тайный текст согласия", "secret-consent-v9",
    "edit-token-secret", "Комментарий оргкомитета тайный",
]
# Everything about an application that was not accepted, including what would be public once accepted.
UNPUBLISHED_STRINGS = ["Неопубликованный", "Скрытое Место Работы", "скрытая должность", "Непринятая история"]
# Who nominated a candidate is private too; the rules page names the kinds of nominators in general.
NOMINATOR_KIND_STRINGS = ["labour_collective", "трудовой коллектив", "labour collective"]
GENERAL_PAGES = {"/", "/rules/"}

PRIVATE_FIELD_NAMES = {
    "phone", "email", "birth_date", "petition", "consent_document", "consent_given_at", "consent_ip",
    "nomination_kind", "nominator_name", "candidate_consent", "person_key", "edit_token", "status",
    "status_comment", "submitted_at", "decided_at",
}


def _private_application(season, city, sphere, *, status, number):
    consent = ConsentDocumentFactory(kind=ConsentKind.APPLICATION, version="secret-consent-v9",
                                     text="Тайный текст согласия на обработку данных.")
    published = status == ApplicationStatus.ACCEPTED
    return ApplicationFactory(
        season=season, city=city, sphere=sphere, status=status,
        full_name=f"Публичная Вера Петровна {number}" if published else f"Неопубликованный Иван {number}",
        workplace="Городская больница" if published else "Скрытое Место Работы",
        position="медсестра" if published else "скрытая должность",
        story="Помогает людям." if published else "Непринятая история о достижениях.",
        birth_date=dt.date(1961, 7, 29),
        phone="+79995550123",
        email=f"tainy.zhitel.4417.{number}@example-secret.org",
        nomination_kind=NominationKind.LABOUR_COLLECTIVE,
        nominator_name="Коллектив Секретного Цеха № 7",
        candidate_consent=True,
        petition=ContentFile(b"%PDF-1.4\n%secret\n", name="petition-secret-8841.pdf"),
        consent_document=consent,
        consent_ip="10.77.66.55",
        edit_token=f"edit-token-secret-{number:045d}",
        status_comment="" if published else "Комментарий оргкомитета тайный",
    )


@pytest.fixture
def applications():
    city = CityFactory(slug=CITY_SLUG, name_ru="Новоуральск")
    season = SeasonFactory(phase="voting", cities=[city])
    sphere = SphereFactory(slug=SPHERE_SLUG, name_ru="Добровольчество")
    accepted = [_private_application(season, city, sphere, status=ApplicationStatus.ACCEPTED, number=n)
                for n in range(2)]
    hidden = [_private_application(season, city, sphere, status=status, number=10 + n)
              for n, status in enumerate([ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED,
                                          ApplicationStatus.REJECTED])]
    return season, accepted, hidden


# Search queries are echoed back in the search box, so they are prefixes of the secrets, not the secrets.
def _public_pages(season, accepted, hidden) -> list[str]:
    city = f"/cities/{CITY_SLUG}/"
    return [
        "/", "/rules/", "/cities/", "/cities/?q=Новоуральск", city,
        f"{city}?sphere={SPHERE_SLUG}", f"{city}?q=Публичная&sphere={SPHERE_SLUG}&page=1", f"{city}?q=Неопублик",
        f"{city}?q=99955501", f"{city}?q=tainy.zhitel", f"{city}?page=2",
        *[f"/candidates/{application.pk}/" for application in accepted + hidden],
    ]


def _api_urls(season, accepted, hidden) -> list[str]:
    candidates = f"/api/v1/cities/{CITY_SLUG}/candidates"
    return [
        "/api/v1/seasons", f"/api/v1/seasons/{season.year}", "/api/v1/cities", f"/api/v1/cities/{CITY_SLUG}",
        "/api/v1/spheres", candidates, f"{candidates}?sphere={SPHERE_SLUG}", f"{candidates}?q=Неопублик",
        f"{candidates}?q=99955501", f"{candidates}?q=tainy", f"{candidates}?season={season.year}&limit=100",
        *[f"/api/v1/candidates/{application.pk}" for application in accepted + hidden],
    ]


def _assert_clean(url: str, text: str) -> None:
    lowered = text.lower()
    secrets = PRIVATE_STRINGS + UNPUBLISHED_STRINGS + ([] if url in GENERAL_PAGES else NOMINATOR_KIND_STRINGS)
    for secret in secrets:
        assert secret.lower() not in lowered, f"{secret!r} leaked on {url}"


@pytest.mark.parametrize("language", ["ru", "en"])
def test_no_private_data_on_any_public_page(client, applications, language):
    season, accepted, hidden = applications
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    for url in _public_pages(season, accepted, hidden):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        _assert_clean(url, response.content.decode())

    # The published candidates really are on the pages that were checked.
    city_page = client.get(f"/cities/{CITY_SLUG}/").content.decode()
    assert all(application.full_name in city_page for application in accepted)


def test_unaccepted_applications_have_no_public_page(client, applications):
    _season, _accepted, hidden = applications
    for application in hidden:
        assert client.get(f"/candidates/{application.pk}/").status_code == 404
        assert client.get(f"/api/v1/candidates/{application.pk}").status_code == 404


def test_search_cannot_be_used_to_probe_private_fields(client, applications):
    for query in ["9995550123", "+79995550123", "tainy.zhitel", "1961-07-29", "Секретного Цеха", "10.77.66.55"]:
        html = client.get(f"/cities/{CITY_SLUG}/", {"q": query}).content.decode()
        assert "Никого не нашлось" in html, query
        body = client.get(f"/api/v1/cities/{CITY_SLUG}/candidates", {"q": query}).json()
        assert body["count"] == 0, query


def test_no_private_data_in_any_api_response(client, applications):
    season, accepted, hidden = applications

    for url in _api_urls(season, accepted, hidden):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        _assert_clean(url, json.dumps(response.json(), ensure_ascii=False))


def _referenced_schemas(node, components, seen):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name not in seen:
                seen.add(name)
                _referenced_schemas(components[name], components, seen)
        for value in node.values():
            _referenced_schemas(value, components, seen)
    elif isinstance(node, list):
        for value in node:
            _referenced_schemas(value, components, seen)
    return seen


def _property_names(node, names):
    if isinstance(node, dict):
        names.update(node.get("properties", {}))
        for value in node.values():
            _property_names(value, names)
    elif isinstance(node, list):
        for value in node:
            _property_names(value, names)
    return names


def test_openapi_read_endpoints_declare_no_private_fields(client):
    document = client.get("/api/openapi.json").json()
    components = document.get("components", {}).get("schemas", {})
    read_operations = {path: item["get"] for path, item in document["paths"].items()
                       if "award" in item.get("get", {}).get("tags", [])}
    assert set(read_operations) == {
        "/api/v1/seasons", "/api/v1/seasons/{year}", "/api/v1/cities", "/api/v1/cities/{slug}", "/api/v1/spheres",
        "/api/v1/cities/{slug}/candidates", "/api/v1/candidates/{candidate_id}",
    }

    for path, operation in read_operations.items():
        schemas = _referenced_schemas(operation, components, set())
        names = _property_names([components[name] for name in schemas], set())
        names |= {parameter["name"] for parameter in operation.get("parameters", [])}
        assert not names & PRIVATE_FIELD_NAMES, (path, names & PRIVATE_FIELD_NAMES)

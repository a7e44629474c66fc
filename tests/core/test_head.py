"""Every page names its icon and describes itself; /favicon.ico exists (browsers ask for it on every visit, and a
404 on each one filled the logs)."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

from atomgrad.award.models import ApplicationStatus
from tests.factories import ApplicationFactory, CityFactory, SeasonFactory

pytestmark = pytest.mark.django_db


def test_favicon_ico_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert "max-age" in response["Cache-Control"]


def test_pages_link_an_svg_icon_and_carry_a_description(client):
    city = CityFactory(slug="sarov", name_ru="Саров")
    season = SeasonFactory(phase="voting", cities=[city])
    candidate = ApplicationFactory(season=season, city=city, status=ApplicationStatus.ACCEPTED,
                                   full_name="Атомова Анна Петровна")
    for url, expected in (("/", "премия"), ("/cities/sarov/", "Саров"), (f"/candidates/{candidate.pk}/", "Атомова")):
        html = client.get(url).content.decode()
        description = re.search(r'<meta name="description" content="([^"]+)">', html)
        assert description and expected.lower() in description.group(1).lower(), url
        icon = re.search(r'<link rel="icon" href="([^"]+\.svg)" type="image/svg\+xml">', html)
        assert icon, url
        assert finders.find(icon.group(1).removeprefix("/static/"))

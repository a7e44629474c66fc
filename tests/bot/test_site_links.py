"""The bot on the site: its link and QR code on the home and vote pages (the username from the setting, or from
getMe on the fake Bot API, cached), and the committees' A4 posters with QR codes to the city page and the bot."""

from __future__ import annotations

import io
import re

import pytest
import segno
from django.core.cache import cache
from django.urls import reverse
from tests.bot.fake_telegram import BOT_USERNAME
from tests.factories import CityFactory, CommitteeMemberFactory, SeasonFactory, UserFactory, make_organiser
from tests.results.helpers import pdf_text

from atomgrad.bot.links import bot_username, qr_svg

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():  # type: ignore[no-untyped-def]
    cache.clear()
    yield
    cache.clear()


def test_username_from_the_setting_needs_no_call(settings, telegram):
    settings.TELEGRAM_BOT_USERNAME = "@atomgrad_award_bot"
    assert bot_username() == "atomgrad_award_bot"
    assert telegram.calls_of("getMe") == []


def test_username_from_getme_is_asked_once_and_cached(settings, telegram):
    settings.TELEGRAM_BOT_USERNAME = ""
    assert bot_username() == BOT_USERNAME
    assert bot_username() == BOT_USERNAME
    assert len(telegram.calls_of("getMe")) == 1


def test_no_bot_no_link(client, settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    settings.TELEGRAM_BOT_USERNAME = ""
    SeasonFactory(phase="voting")
    html = client.get(reverse("core:home")).content.decode()
    assert "t.me/" not in html and "bot-link" not in html


def test_an_unreachable_api_gives_no_link_and_is_not_asked_on_every_page(settings):
    settings.TELEGRAM_BOT_USERNAME = ""
    settings.TELEGRAM_BOT_TOKEN = "123:abc"
    settings.TELEGRAM_API_BASE = "http://127.0.0.1:9"  # nothing listens on the discard port
    assert bot_username() == ""
    settings.TELEGRAM_API_BASE = "http://127.0.0.1:1"
    assert bot_username() == ""  # the failure is cached: no second attempt


@pytest.mark.parametrize("page", ["core:home", "voting:login"])
def test_home_and_vote_pages_link_the_bot_with_a_qr_code(client, settings, telegram, page):
    settings.TELEGRAM_BOT_USERNAME = ""
    SeasonFactory(phase="voting")
    html = client.get(reverse(page)).content.decode()
    url = f"https://t.me/{BOT_USERNAME}"
    assert f'href="{url}"' in html and f"@{BOT_USERNAME}" in html
    svg = re.search(r'<svg role="img"[^>]*class="qr".*?</svg>', html, re.S).group(0)
    assert f"<title>QR: {url}</title>" in svg and "style=" not in svg


def test_the_qr_code_encodes_the_address():
    svg = qr_svg("https://t.me/atomgrad_award_bot", title="QR")
    expected = segno.make("https://t.me/atomgrad_award_bot", error="m")
    # the same modules as segno's own code for that address, and not those of another address
    drawn = re.search(r'class="qr-line"[^>]* d="([^"]+)"', svg).group(1)
    assert f'd="{drawn}"' in expected.svg_inline(scale=1, border=2, omitsize=True)
    assert f'd="{drawn}"' not in segno.make("https://t.me/someone_else_bot", error="m").svg_inline(
        scale=1, border=2, omitsize=True)


def test_committees_download_their_city_poster_and_only_theirs(client, settings):
    settings.TELEGRAM_BOT_USERNAME = "atomgrad_award_bot"
    settings.SITE_URL = "https://atomgrad.example"
    sarov = CityFactory(slug="sarov", name_ru="Саров")
    other = CityFactory(slug="ozersk", name_ru="Озёрск")
    SeasonFactory(phase="voting", votes_per_voter=3, cities=[sarov, other])
    chair = UserFactory(username="sarov-chair")
    CommitteeMemberFactory(city=sarov, user=chair)
    client.force_login(chair)
    response = client.get(reverse("city_poster", args=["sarov"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)  # A4
    text = pdf_text(response.content)
    assert "Саров" in text and "@atomgrad_award_bot" in text
    assert "https://atomgrad.example/cities/sarov/" in text.replace(" ", "")  # the address may wrap
    assert "до 3 голосов" in text
    assert client.get(reverse("city_poster", args=["ozersk"])).status_code == 404
    client.force_login(make_organiser())
    assert client.get(reverse("city_poster", args=["ozersk"])).status_code == 200
    client.logout()
    assert client.get(reverse("city_poster", args=["sarov"])).status_code == 302

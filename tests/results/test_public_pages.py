"""The public results as an award: laureates first (photo, name, sphere, a link to their story, votes), an
accessible chart of the votes, decisions in plain words, the ceremony's date and place; the season page with
each city's laureates at a glance — and nothing of a city that is not published."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from atomgrad.award.models import Season
from atomgrad.results.services.decisions import city_declare_void
from tests.results.helpers import city_vote, close_voting, organiser, sign_and_publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():  # type: ignore[no-untyped-def]
    home = city_vote(names=["Петрова Полина", "Романов Роман", "Соколова Софья", "Титов Тимур", "Нулев Никита"])
    home.cast([6, 4, 2, 1, 0])
    away = city_vote(season=home.season, names=["Ульянова Ульяна", "Фёдоров Фёдор"])
    away.cast([3, 2])
    close_voting(home.season)
    Season.objects.filter(pk=home.season.pk).update(ceremony_place="Москва, Дом союзов")
    home.season.refresh_from_db()
    sign_and_publish(home, publisher=organiser())
    return home, away


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start:html.index("</section>", start)]


def test_city_page_leads_with_the_laureates_as_people(client, published):
    home, _ = published
    html = client.get(reverse("results:city", args=[home.season.year, home.city.slug])).content.decode()
    laureates = _section(html, "laureates-heading")
    assert html.index('id="laureates-heading"') < html.index("results-table")  # before the table of counts
    names = re.findall(r'class="laureate-name"><a href="([^"]+)">([^<]+)</a>', laureates)
    assert [name for _, name in names] == ["Петрова Полина", "Романов Роман", "Соколова Софья"]
    assert names[0][0] == reverse("award:candidate_detail", args=[home.candidates[0].pk])
    assert home.candidates[0].photo.url in laureates
    assert home.candidates[0].sphere.name_ru in laureates
    assert "<strong>6</strong> голосов" in laureates and "<strong>4</strong> голоса" in laureates
    assert "История соискателя" in laureates
    assert "Москва, Дом союзов" in html and "Церемония награждения" in html


def test_city_page_chart_is_accessible_and_matches_the_protocol(client, published):
    home, _ = published
    html = client.get(reverse("results:city", args=[home.season.year, home.city.slug])).content.decode()
    chart = _section(html, "chart-heading")
    svg = chart[chart.index("<svg"):chart.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    summary = re.search(r'<figcaption class="bar-chart-summary">([^<]+)</figcaption>', chart).group(1)
    assert "Призёры: 1 — Петрова Полина, 6 голосов; 2 — Романов Роман, 4 голоса; 3 — Соколова Софья, 2 голоса" \
        in summary
    # the bars are the candidates with valid votes, in order; the data table says the same numbers
    assert len(re.findall(r"<rect ", svg)) == 4
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td class="num">(\d+)</td></tr>', chart)
    assert rows == [("Петрова Полина", "6"), ("Романов Роман", "4"), ("Соколова Софья", "2"), ("Титов Тимур", "1")]
    assert "style=" not in chart


def test_decisions_are_in_plain_words(client, published):
    home, _ = published
    html = client.get(reverse("results:city", args=[home.season.year, home.city.slug])).content.decode()
    assert "Никого не снимали с голосования: итоги — прямой подсчёт действительных голосов." in html


def test_a_withdrawn_candidate_is_named_with_the_reason_in_plain_words(client):
    from atomgrad.results.services.decisions import candidate_disqualify

    cv = city_vote(names=["Соколова Софья Андреевна", "Титов Тимур Петрович", "Петрова Полина Ивановна"])
    cv.cast([5, 3, 1])
    close_voting(cv.season)
    candidate_disqualify(actor=cv.chair, season=cv.season, city=cv.city, candidate=cv.candidates[0],
                         reason="Заявка подана с чужими данными")
    sign_and_publish(cv, publisher=organiser())
    html = client.get(reverse("results:city", args=[cv.season.year, cv.city.slug])).content.decode()
    assert ("Соколова Софья Андреевна снята с голосования и места не получает. Причина: Заявка подана с чужими "
            "данными") in html
    laureates = _section(html, "laureates-heading")
    assert "Соколова" not in laureates and "Титов Тимур Петрович" in laureates


def test_a_void_city_has_no_laureates_and_says_why(client, published):
    _, away = published
    city_declare_void(actor=away.chair, season=away.season, city=away.city, reason="Массовый подкуп")
    sign_and_publish(away, publisher=organiser())
    html = client.get(reverse("results:city", args=[away.season.year, away.city.slug])).content.decode()
    assert "laureates-heading" not in html and "Массовый подкуп" in html
    assert "признал голосование в городе недействительным" in html
    season_html = client.get(reverse("results:season", args=[away.season.year])).content.decode()
    assert "Голосование признано недействительным, призёров нет." in season_html


def test_season_page_celebrates_every_city_without_revealing_the_unpublished(client, published):
    home, away = published
    html = client.get(reverse("results:season", args=[home.season.year])).content.decode()
    assert "Города и их призёры" in html and "Москва, Дом союзов" in html
    cards = html[html.index('class="city-results"'):]
    home_card = cards[cards.index(home.city.name_ru):cards.index("</li>\n", cards.index(home.city.name_ru) + 1)]
    for name in ("Петрова Полина", "Романов Роман", "Соколова Софья"):
        assert name in cards
    assert home.candidates[0].photo.url in cards
    assert "Титов Тимур" not in cards  # laureates only
    assert "Итоги ещё не опубликованы." in cards and "Ульянова Ульяна" not in html
    assert home_card


def test_unpublished_city_page_shows_no_count(client, published):
    _, away = published
    html = client.get(reverse("results:city", args=[away.season.year, away.city.slug])).content.decode()
    assert "<svg" not in html and "laureate-card" not in html and "Ульянова Ульяна" not in html

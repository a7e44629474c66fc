"""Every public page and the committee pages fit a 360-pixel phone without sideways scrolling
(document.scrollingElement.scrollWidth <= innerWidth), and the header stays short.

The data is made to stress the layout: long names, places of work and stories, published results with a chart,
a voter with receipts in «Мои голоса», a finished job, the committee's workspace.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse

from atomgrad.jobs.services import job_start
from atomgrad.results.jobs import CEREMONY_DOCUMENTS
from atomgrad.voting.auth import SESSION_KEY
from tests.jobs.helpers import run_worker
from tests.results.helpers import city_vote, close_voting, organiser, sign_and_publish

SCREENSHOTS = os.environ.get("ATOMGRAD_SCREENSHOTS")  # a folder: save each page there to look at the layout
WIDTH = 360
LONG = "Константинопольская Александра-Виктория Вячеславовна"



@pytest.fixture
def season_site(settings):  # type: ignore[no-untyped-def]
    settings.TELEGRAM_BOT_USERNAME = "atomgrad_award_bot"
    home = city_vote(names=[f"{LONG} {n}" for n in range(1, 7)])
    for application in home.candidates:
        application.workplace = "Филиал АО «Концерн Росэнергоатом» «Нововоронежская атомная электростанция»"
        application.position = "ведущий инженер по эксплуатации оборудования"
        application.story = "Длинныйрассказбезпробеловкоторыйнедолжен" * 5 + " ломать вёрстку на телефоне. " * 20
        application.save()
    home.cast([7, 5, 3, 2, 1, 0])
    voter = next(iter(home.votes.values()))[0].voter
    close_voting(home.season)
    boss = organiser()
    sign_and_publish(home, publisher=boss)
    job = job_start(kind=CEREMONY_DOCUMENTS, actor=boss, params={"season": home.season.year})
    run_worker()
    return home, voter, boss, job


def _session_cookie(live_server, key: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"name": django_settings.SESSION_COOKIE_NAME, "value": key, "url": live_server.url}


def _overflow(page) -> int:  # type: ignore[no-untyped-def]
    return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")


def _visit(page, live_server, url: str) -> int:  # type: ignore[no-untyped-def]
    response = page.goto(live_server.url + url)
    assert response is not None and response.status == 200, url
    if SCREENSHOTS:
        name = url.strip("/").replace("/", "_").replace("?", "_") or "home"
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)
    return _overflow(page)


@pytest.mark.django_db(transaction=True)
def test_public_pages_fit_360_px(live_server, chromium_browser, season_site):
    home, voter, _, _ = season_site
    year, slug = home.season.year, home.city.slug
    session = SessionStore()
    session[SESSION_KEY] = voter.pk
    session.create()
    receipt = voter.votes.first().receipt if hasattr(voter, "votes") else None
    context = chromium_browser.new_context(locale="ru-RU", viewport={"width": WIDTH, "height": 740})
    context.add_cookies([_session_cookie(live_server, session.session_key)])
    page = context.new_page()
    urls = [
        "/", "/rules/", "/cities/", f"/cities/{slug}/", f"/candidates/{home.candidates[0].pk}/", "/apply/",
        "/vote/login/", "/vote/my/", f"/vote/my/?season={year}", "/verify/", "/results/", f"/results/{year}/",
        f"/results/{year}/{slug}/", f"/results/cities/{slug}/", f"/cities/{slug}/?season={year}", "/stats/",
        "/stats/method/", "/accounts/login/",
    ]
    if receipt:
        urls.append(f"/verify/{receipt}/")
    try:
        wide = {url: overflow for url in urls if (overflow := _visit(page, live_server, url)) > 0}
        assert wide == {}, f"pages wider than {WIDTH}px (by px): {wide}"
        # «Мои голоса» really listed the voter's receipts (the page that overflowed at 390 px)
        page.goto(live_server.url + "/vote/my/")
        assert page.locator("#votes-left").count() == 1
        # the header takes at most an eighth of the phone's height (it took a fifth)
        page.goto(live_server.url + "/")
        header = page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height")
        assert header <= 740 / 8, f"the header is {header}px high"
    finally:
        context.close()


def _committee_context(chromium_browser, live_server, user):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    context = chromium_browser.new_context(locale="ru-RU", viewport={"width": WIDTH, "height": 740})
    context.add_cookies([_session_cookie(live_server, client.cookies[django_settings.SESSION_COOKIE_NAME].value)])
    return context


@pytest.mark.django_db(transaction=True)
def test_committee_pages_fit_360_px(live_server, chromium_browser, season_site):
    home, _, boss, job = season_site
    year, slug = home.season.year, home.city.slug
    urls = [
        "/committee/", f"/committee/?city={slug}", f"/committee/applications/{home.candidates[0].pk}/",
        "/committee/results/", f"/results/{year}/{slug}/", reverse("results:protocol", args=[year, slug]),
        reverse("jobs:detail", args=[job.pk]), "/stats/workspace/",
    ]
    context = _committee_context(chromium_browser, live_server, boss)
    page = context.new_page()
    try:
        wide = {url: overflow for url in urls if (overflow := _visit(page, live_server, url)) > 0}
        assert wide == {}, f"committee pages wider than {WIDTH}px (by px): {wide}"
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
def test_committee_review_fits_360_px(live_server, chromium_browser, season_site):
    home, _, _, _ = season_site
    context = _committee_context(chromium_browser, live_server, home.chair)
    page = context.new_page()
    try:
        overflow = _visit(page, live_server, reverse("results:review", args=[home.season.year, home.city.slug]))
        assert overflow <= 0, f"the review is wider than {WIDTH}px by {overflow}px"
    finally:
        context.close()

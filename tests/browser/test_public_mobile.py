"""The public pages in Chromium on a 375-pixel phone screen: nothing scrolls sideways, touch targets are
44 pixels high, and the keyboard focus is visible."""

from __future__ import annotations

import os

import pytest

from atomgrad.award.models import ApplicationStatus
from tests.browser.axe import sideways_overflow
from tests.factories import ApplicationFactory, CityFactory, SeasonFactory, SphereFactory

SCREENSHOTS = os.environ.get("ATOMGRAD_SCREENSHOTS")  # a folder: save each page there to look at the layout


@pytest.fixture
def public_site():
    city = CityFactory(slug="novovoronezh", name_ru="Нововоронеж", region_ru="Воронежская область", is_closed=False)
    season = SeasonFactory(phase="voting", cities=[city, CityFactory(name_ru="Железногорск", is_closed=True)])
    sphere = SphereFactory(name_ru="Рабочие профессии и производство")
    candidates = [
        ApplicationFactory(
            season=season, city=city, sphere=sphere, status=ApplicationStatus.ACCEPTED,
            full_name=f"Константинопольская Александра-Виктория Вячеславовна {number}",
            workplace="Филиал АО «Концерн Росэнергоатом» «Нововоронежская атомная электростанция»",
            position="ведущий инженер по эксплуатации оборудования",
            story="Длинныйрассказбезпробеловкоторыйнедолжен" * 5 + " ломать вёрстку на телефоне. " * 20,
        )
        for number in range(30)
    ]
    return city, candidates


@pytest.mark.django_db(transaction=True)
def test_public_pages_fit_a_phone_and_keep_touch_targets(live_server, chromium_browser, public_site):
    city, candidates = public_site
    context = chromium_browser.new_context(locale="ru-RU", viewport={"width": 375, "height": 812})
    page = context.new_page()
    urls = ["/", "/cities/", f"/cities/{city.slug}/", f"/cities/{city.slug}/?q=константинопольская&page=2",
            f"/candidates/{candidates[0].pk}/", "/rules/"]
    try:
        for url in urls:
            page.goto(live_server.url + url)
            if SCREENSHOTS:
                page.screenshot(path=f"{SCREENSHOTS}/{url.strip('/').replace('/', '_') or 'home'}.png", full_page=True)
            overflow = sideways_overflow(page)
            assert overflow <= 0, f"{url} scrolls sideways by {overflow}px"
            small = page.evaluate("""() => [...document.querySelectorAll(
                    'main a.button, main button, main .chips a, main .card-title a, main .breadcrumbs a, main select')]
                .filter(el => el.getBoundingClientRect().height < 44)
                .map(el => el.textContent.trim())""")
            assert small == [], f"{url}: touch targets under 44px: {small}"

        page.goto(live_server.url + f"/cities/{city.slug}/")
        page.get_by_label("Имя, место работы или должность").focus()
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"
        page.keyboard.type("александра")
        page.keyboard.press("Enter")
        page.wait_for_url("**q=**")
        assert "Найдено: 30 соискателей" in page.text_content("main")
    finally:
        context.close()

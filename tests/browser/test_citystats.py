"""«Атомграды в цифрах» in Chromium: the comparison and a city's dashboard at phone (360 px) and desktop sizes,
axe-core finding no WCAG 2.1 A/AA violation, nothing scrolling sideways, and every page readable without
JavaScript."""

from __future__ import annotations

import pytest

from atomgrad.citystats.services.demo import citystats_demo_load
from tests.browser.axe import assert_pages_accessible

PAGES = ["/stats/", "/stats/?year=2024&group=7&sort=-change_base", "/stats/lesnoy/", "/stats/lesnoy/?year=2019",
         "/stats/method/"]


@pytest.mark.django_db(transaction=True)
def test_indices_pages_are_accessible_and_fit_phone_and_desktop(live_server, chromium_browser):
    citystats_demo_load()
    assert_pages_accessible(chromium_browser, live_server.url, PAGES)


@pytest.mark.django_db(transaction=True)
def test_indices_pages_need_no_javascript(live_server, chromium_browser):
    citystats_demo_load()
    context = chromium_browser.new_context(locale="ru-RU", viewport={"width": 360, "height": 740},
                                           java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/stats/?year=2024")
        assert page.locator("table.cs-compare tbody tr").count() == 31
        page.get_by_role("link", name="Город", exact=True).first.click()  # sorting is a plain link
        page.wait_for_url("**sort=name**")
        assert page.locator("table.cs-compare tbody tr th").first.text_content().strip() == "Ангарск"
        page.get_by_role("link", name="Ангарск").click()
        page.wait_for_url("**/stats/angarsk/")
        assert page.locator("svg[role=img] title").count() >= 3
        page.get_by_text("Данные графика таблицей").first.click()  # <details> opens without JavaScript
        assert page.locator("figure table").first.is_visible()
    finally:
        context.close()

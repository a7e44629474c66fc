"""What the cities do, in Chromium: a city's page (plan, contest, events), its calendar and the Department's
summary at phone (360 px) and desktop sizes — axe-core finds no WCAG 2.1 A/AA violation, nothing scrolls
sideways — and a summary figure followed by click to the list of its rows."""

from __future__ import annotations

import pytest

from atomgrad.cities.services import cities_load_from_file
from atomgrad.citystats.services.development_demo import development_demo_load
from tests.browser.axe import assert_pages_accessible

PAGES = ["/stats/krasnokamensk/development/", "/stats/sarov/development/", "/stats/krasnokamensk/calendar/",
         "/stats/summary/", "/stats/projects/?late=1", "/stats/krasnokamensk/"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_city_page_and_summary_are_accessible_at_phone_and_desktop(live_server, chromium_browser):
    cities_load_from_file()
    assert development_demo_load().loaded
    # every «data as a table» opened, so axe checks those tables too
    assert_pages_accessible(chromium_browser, live_server.url, PAGES, open_details=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_summary_figure_leads_to_its_rows(live_server, chromium_browser):
    cities_load_from_file()
    development_demo_load()
    context = chromium_browser.new_context(locale="ru-RU", viewport={"width": 360, "height": 740},
                                           java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/stats/summary/")
        figure = page.locator("li[data-figure=contest_winners] .stat-number")
        value = int(figure.text_content().strip())
        assert value == 14
        figure.click()
        page.wait_for_url("**/stats/contest/**result=winner**")
        assert page.locator("tr[data-row]").count() == value
    finally:
        context.close()

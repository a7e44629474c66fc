import pytest

from tests.factories import CityFactory, SeasonFactory


@pytest.mark.django_db(transaction=True)
def test_home_page_renders_in_chromium_on_a_phone(live_server, page):
    SeasonFactory(phase="voting", cities=[CityFactory()])
    page.goto(live_server.url + "/")
    assert "премия народного признания" in page.title()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Перейти к содержанию"

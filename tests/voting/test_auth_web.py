"""«Войти и голосовать» on the web, end to end with the test client: phone → code (read from the file SMS
backend) → city and consent → logged in. Every page is checked for the phone number in any spelling."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client

from atomgrad.voting.auth import SESSION_KEY, session_voter
from atomgrad.voting.models import SeasonVoter
from atomgrad.voting.views_auth import FLOW_KEY
from tests.voting.otp_support import PHONE, assert_no_phone, last_code, sms_lines

pytestmark = pytest.mark.django_db

LOGIN, CODE, CITY, LOGOUT = "/vote/login/", "/vote/login/code/", "/vote/login/city/", "/vote/logout/"


class Browser:
    """The Django test client, running on-commit callbacks (the SMS) and checking every answer for the phone."""

    def __init__(self, capture, client: Client | None = None) -> None:  # type: ignore[no-untyped-def]
        self.client = client or Client()
        self.capture = capture

    def get(self, url: str, **kwargs):  # type: ignore[no-untyped-def]
        response = self.client.get(url, **kwargs)
        assert_no_phone(response.content)
        return response

    def post(self, url: str, data: dict[str, str] | None = None, **kwargs):  # type: ignore[no-untyped-def]
        with self.capture(execute=True):
            response = self.client.post(url, data or {}, **kwargs)
        assert_no_phone(response.content)
        return response

    def session_text(self) -> str:
        return repr(dict(self.client.session.items()))


@pytest.fixture
def browser(django_capture_on_commit_callbacks) -> Browser:  # type: ignore[no-untyped-def]
    return Browser(django_capture_on_commit_callbacks)


def log_in(browser: Browser, sms_file, *, city: str = "sarov", next_url: str = "") -> object:  # type: ignore[no-untyped-def]
    browser.post(LOGIN + (f"?next={next_url}" if next_url else ""), {"phone": "8 985 765-43-21"})
    browser.post(CODE, {"code": last_code(sms_file)})
    return browser.post(CITY, {"city": city, "consent": "yes"})


def test_the_whole_flow(browser, sms_file, voting_season):
    page = browser.get(LOGIN)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Шаг 1 из 3" in html and 'aria-current="step"' in html
    assert 'type="tel"' in html and 'inputmode="tel"' in html and "csrfmiddlewaretoken" in html

    response = browser.post(LOGIN, {"phone": "8 (985) 765-43-21"})
    assert response.status_code == 302 and response["Location"] == CODE
    assert len(sms_lines(sms_file)) == 1
    assert PHONE in browser.session_text()  # between steps the number lives only in the session

    page = browser.get(CODE)
    html = page.content.decode()
    assert "Шаг 2 из 3" in html and 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    assert "+7 *** ***-**-21" in html and "Код отправлен" in html

    code = last_code(sms_file)
    wrong = browser.post(CODE, {"code": f"{(int(code) + 1) % 1_000_000:06d}"})
    assert wrong.status_code == 422 and "Неверный код. Осталось попыток: 4." in wrong.content.decode()
    assert 'role="alert"' in wrong.content.decode()

    response = browser.post(CODE, {"code": code})
    assert response.status_code == 302 and response["Location"] == CITY
    assert PHONE not in browser.session_text() and "9857654321" not in browser.session_text()

    page = browser.get(CITY)
    html = page.content.decode()
    assert "Шаг 3 из 3" in html and "Саров" in html and "Озёрск" in html
    assert "Я согласен на обработку номера телефона и города." in html and 'name="consent"' in html
    assert "voter-test-1" in html

    refused = browser.post(CITY, {"city": "sarov"})
    assert refused.status_code == 422 and "нужно согласие" in refused.content.decode()
    refused = browser.post(CITY, {"city": "atlantis", "consent": "yes"})
    assert refused.status_code == 422 and "Выберите город" in refused.content.decode()

    response = browser.post(CITY, {"city": "sarov", "consent": "yes"})
    assert response.status_code == 302 and response["Location"] == "/cities/sarov/"
    voter = SeasonVoter.objects.get()
    assert voter.city.slug == "sarov" and voter.registered_via == "web"
    assert browser.client.session[SESSION_KEY] == voter.pk
    assert FLOW_KEY not in browser.client.session

    page = browser.get(LOGIN)
    assert "Вы уже вошли" in page.content.decode() and "Саров" in page.content.decode()


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [("/candidates/7/", "/candidates/7/"), ("https://evil.example/steal", "/cities/ozersk/"),
     ("//evil.example/", "/cities/ozersk/")],
)
def test_next_is_followed_only_when_local(browser, sms_file, voting_season, next_url, expected):
    response = log_in(browser, sms_file, city="ozersk", next_url=next_url)
    assert response.status_code == 302 and response["Location"] == expected


def test_steps_cannot_be_skipped(browser, sms_file, voting_season):
    response = browser.get(CODE)
    assert response.status_code == 302 and response["Location"] == LOGIN
    response = browser.get(CITY)
    assert response.status_code == 302 and response["Location"] == LOGIN
    browser.post(LOGIN, {"phone": PHONE})
    response = browser.post(CITY, {"city": "sarov", "consent": "yes"})  # the code was not verified yet
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert not SeasonVoter.objects.exists()


def test_the_number_in_the_session_expires(browser, sms_file, voting_season, clock):
    browser.post(LOGIN, {"phone": PHONE})
    clock.advance(minutes=16)
    response = browser.get(CODE)
    assert response.status_code == 302 and response["Location"] == LOGIN


def test_invalid_number_is_explained_and_nothing_is_sent(browser, sms_file, voting_season):
    response = browser.post(LOGIN, {"phone": "12-34"})
    html = response.content.decode()
    assert response.status_code == 422 and 'role="alert"' in html and "Введите номер мобильного телефона" in html
    assert 'value="12-34"' in html and 'aria-invalid="true"' in html  # a non-number may be shown back to fix it
    assert sms_lines(sms_file) == []


def test_a_refused_real_number_is_not_shown_back(browser, sms_file, voting_season):
    browser.post(LOGIN, {"phone": PHONE})
    response = Browser(browser.capture).post(LOGIN, {"phone": "+7 985 765-43-21"})  # another visitor, too soon
    assert response.status_code == 429 and "Новый код можно запросить через" in response.content.decode()


def test_send_again_respects_the_interval(browser, sms_file, voting_season, clock):
    browser.post(LOGIN, {"phone": PHONE})
    response = browser.post(CODE, {"resend": "1"})
    assert response.status_code == 429 and "Новый код можно запросить через" in response.content.decode()
    assert len(sms_lines(sms_file)) == 1
    clock.advance(seconds=61)
    response = browser.post(CODE, {"resend": "1"})
    assert response.status_code == 302 and response["Location"] == CODE
    assert len(sms_lines(sms_file)) == 2
    assert "Новый код отправлен" in browser.get(CODE).content.decode()
    assert browser.post(CODE, {"code": last_code(sms_file)})["Location"] == CITY


def test_lockout_is_shown_with_the_moscow_time(browser, sms_file, voting_season):
    browser.post(LOGIN, {"phone": PHONE})
    code = last_code(sms_file)
    for _ in range(5):
        response = browser.post(CODE, {"code": f"{(int(code) + 3) % 1_000_000:06d}"})
    assert response.status_code == 429
    assert "заблокирован до" in response.content.decode() and "(МСК)" in response.content.decode()


def test_messages_in_english(browser, sms_file, voting_season):
    browser.client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = browser.post(LOGIN, {"phone": "nonsense"})
    assert "Enter a full mobile phone number" in response.content.decode()


def test_a_logged_in_voter_changes_city_before_voting_but_not_after(browser, sms_file, voting_season):
    log_in(browser, sms_file, city="sarov")
    page = browser.get(CITY)
    assert page.status_code == 200 and 'value="sarov" selected' in page.content.decode()
    response = browser.post(CITY, {"city": "ozersk", "consent": "yes"})
    assert response.status_code == 302 and SeasonVoter.objects.get().city.slug == "ozersk"

    SeasonVoter.objects.update(votes_cast=1)
    page = browser.get(CITY)
    assert "закреплён за вами" in page.content.decode()
    response = browser.post(CITY, {"city": "sarov", "consent": "yes"})
    assert response.status_code == 409 and "Город нельзя сменить" in response.content.decode()
    assert SeasonVoter.objects.get().city.slug == "ozersk"


def test_logout(browser, sms_file, voting_season, rf):
    log_in(browser, sms_file)
    assert browser.get(LOGOUT).status_code == 405
    response = browser.post(LOGOUT)
    assert response.status_code == 302 and response["Location"] == "/"
    assert SESSION_KEY not in browser.client.session
    request = rf.get("/")
    request.session = browser.client.session
    assert session_voter(request) is None


def test_forms_need_the_csrf_token(sms_file, voting_season):
    client = Client(enforce_csrf_checks=True)
    assert client.post(LOGIN, {"phone": PHONE}).status_code == 403
    assert client.post(LOGOUT).status_code == 403
    assert sms_lines(sms_file) == []


def test_without_a_season(browser, db):
    page = browser.get(LOGIN)
    assert page.status_code == 200 and "Голосование пока не объявлено" in page.content.decode()
    assert "<form method=\"post\" action=\"/vote/login/\"" not in page.content.decode()


def test_a_returning_voter_sees_the_city_preselected(browser, sms_file, voting_season, clock):
    log_in(browser, sms_file, city="ozersk")
    other = Browser(browser.capture)
    clock.advance(minutes=2)
    other.post(LOGIN, {"phone": PHONE})
    other.post(CODE, {"code": last_code(sms_file)})
    page = other.get(CITY)
    assert 'value="ozersk" selected' in page.content.decode()

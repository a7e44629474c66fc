"""Issue 13's «Done when»: one season of the award walked through every role in Chromium, on the live server.

A resident applies through the web form; the city's committee returns the application, the resident fixes it
through the link in the e-mail, the committee accepts it and rejects another; the organisers open the vote
(the season's dates moved through `season_dates_change`, as the admin does); one resident votes on the site
(phone → SMS code → city and consent) and two in the Telegram bot (real Update JSON posted to the live server's
webhook, the bot answering through the fake Bot API of tests/bot/fake_telegram.py); the vote closes; the
committee reviews and annuls a vote with its reason, generates the protocol and marks it signed; the organisers
publish the city and build the ceremony documents in the task queue (the real worker) and download them; the
next season starts, and the last one stays reachable: the archive, the city page with ?season=, the hall of
fame, «Мои голоса» of the past season and the bot's /results.

Run it alone: `.venv/bin/python -m pytest tests/browser/test_season_journey.py`.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import urllib.error
import urllib.request
import zipfile
from types import SimpleNamespace
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from atomgrad.award.models import Application, ApplicationStatus, ConsentKind, Season
from atomgrad.award.services.seasons import season_dates_change
from atomgrad.award.services.staff import organiser_grant
from atomgrad.cities.models import CommitteeRole
from atomgrad.core.names import name_case
from atomgrad.voting.models import Vote, VoteAnnulment
from atomgrad.voting.receipts import receipt_display
from atomgrad.voting.selectors import receipt_status
from tests.bot.conftest import BotDriver, TgUser, fake_server, register, telegram  # noqa: F401 - fixtures
from tests.bot.fake_telegram import FakeTelegram
from tests.browser.axe import axe_available, axe_violations
from tests.factories import (
    ApplicationFactory,
    CityFactory,
    CommitteeMemberFactory,
    ConsentDocumentFactory,
    SeasonFactory,
    SphereFactory,
    UserFactory,
    image_bytes,
)
from tests.jobs.helpers import run_worker
from tests.voting.otp_support import last_code

PASSWORD = "secret-pass-123"  # UserFactory's
RESIDENT = "Изотопова Мария Петровна"  # applies through the form
OTHERS = ("Нейтронов Никита Ильич", "Протонова Полина Олеговна", "Электронов Эдуард Павлович")
REJECTED = "Случайнов Семён Семёнович"
WEB_PHONE_TYPED, WEB_PHONE = "8 (916) 123-45-67", "+79161234567"
ANNA, BORIS = TgUser(id=1301, first_name="Анна"), TgUser(id=1302, first_name="Борис")
ANNA_PHONE, BORIS_PHONE = "+79001301301", "+79001301302"


# --- the surfaces ---------------------------------------------------------------------------------------------


class LiveWebhookClient:
    """BotDriver's client, posting each Update over HTTP to the live server's webhook, as Telegram does."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def post(self, path: str, *, data: str, content_type: str, **headers: str) -> SimpleNamespace:
        request = urllib.request.Request(self.base_url + path, data=data.encode(), method="POST",  # noqa: S310
                                         headers={"Content-Type": content_type})
        if "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN" in headers:
            request.add_header("X-Telegram-Bot-Api-Secret-Token", headers["HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"])
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - the live server's http URL
                return SimpleNamespace(status_code=response.status)
        except urllib.error.HTTPError as error:
            return SimpleNamespace(status_code=error.code)


@pytest.fixture
def new_page(chromium_browser):  # type: ignore[no-untyped-def]
    """Another person's browser (cookies of its own) on a phone-sized screen, as the `page` fixture makes."""
    contexts = []

    def make() -> Any:
        context = chromium_browser.new_context(locale="ru-RU", viewport={"width": 390, "height": 844})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Логин").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("button", name="Войти")).to_have_count(0)


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {json.dumps(violations, ensure_ascii=False, indent=1)}"


def move_dates(season: Season, actor: Any, reason: str, **dates: dt.datetime) -> None:
    """The organisers change the season's dates (the admin's path: the service, with a reason, confirmed)."""
    season_dates_change(actor=actor, season=season, dates=dates, reason=reason, confirmed=True)
    season.refresh_from_db()


def create_season_in_admin(page: Any, base: str, *, year: int, city: str, opens: dt.datetime) -> None:
    """An organiser adds the next season in the admin: its year, title, city and dates (Moscow time, as typed)."""
    page.goto(base + "/admin/award/season/add/")
    page.locator("#id_year").fill(str(year))
    page.locator("#id_title").fill(f"Новые Созидатели — {year}")
    page.locator("#id_cities_from").select_option(label=city)  # the admin's two-list picker
    page.locator("#id_cities_add").click()
    dates = {"applications_open_at": opens, "applications_close_at": opens + dt.timedelta(days=30),
             "voting_open_at": opens + dt.timedelta(days=45), "voting_close_at": opens + dt.timedelta(days=60),
             "results_at": opens + dt.timedelta(days=75), "ceremony_at": opens + dt.timedelta(days=90)}
    for field, moment in dates.items():
        local = timezone.localtime(moment)
        page.locator(f"#id_{field}_0").fill(local.strftime("%d.%m.%Y"))
        page.locator(f"#id_{field}_1").fill(local.strftime("%H:%M:%S"))
    page.get_by_role("button", name="Сохранить", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("успешно")


def last_mail_to(address: str) -> str:
    bodies = [message.body for message in mail.outbox if address in message.to]
    assert bodies, f"no e-mail to {address}"
    return bodies[-1]


# --- the steps ------------------------------------------------------------------------------------------------


def fill_application(page: Any, base: str) -> None:
    page.goto(base + "/apply/")
    page.get_by_label("Самовыдвижение").check()
    page.get_by_label("Фамилия, имя, отчество соискателя").fill(RESIDENT)
    page.get_by_label("Дата рождения").fill("1979-03-08")
    page.get_by_label("Город постоянного проживания").select_option(label="Саров")
    page.get_by_label("Место работы").fill("Детская школа искусств")
    page.get_by_label("Должность").fill("преподаватель фортепиано")
    page.get_by_label("Сфера").select_option(label="Образование")
    page.get_by_label("Рассказ о достижениях").fill("Учит детей музыке.")
    page.get_by_label("Фотография соискателя").set_input_files(
        {"name": "portrait.jpg", "mimeType": "image/jpeg", "buffer": image_bytes((300, 400))})
    page.get_by_label("Телефон для связи").fill("+7 900 555-12-34")
    page.get_by_label("Электронная почта для связи").fill("maria@example.org")
    page.get_by_label(re.compile("даю согласие на обработку персональных данных")).check()


def decide(page: Any, base: str, name: str, decision: str, comment: str = "") -> None:
    """The committee opens the application from its queue and decides; accepting and rejecting are confirmed."""
    page.goto(base + "/committee/")
    page.get_by_role("link", name=re.compile(name)).first.click()
    if comment:
        page.get_by_label("Комментарий для заявителя").fill(comment)
    page.get_by_role("button", name=decision, exact=True).click()
    if decision != "Вернуть на доработку":
        expect(page.get_by_text("Отменить это решение нельзя")).to_be_visible()
        confirm = "Да, принять и опубликовать" if decision.startswith("Принять") else "Да, отклонить"
        page.get_by_role("button", name=confirm).click()
    outcome = {"Принять и опубликовать": "принята и опубликована", "Вернуть на доработку": "возвращена на доработку",
               "Отклонить": "отклонена"}[decision]
    expect(page.locator(".messages")).to_contain_text(f"Заявка {name_case(name, 'genitive')} {outcome}")


def web_vote(page: Any, base: str, candidate: Application) -> str:
    """Vote for `candidate` from its card on the city page (logged in: a button); the receipt shown."""
    page.goto(f"{base}/cities/sarov/")
    page.get_by_role("button", name=f"Голосовать за {name_case(candidate.full_name, 'accusative')}").click()
    expect(page.get_by_text(re.compile(f"Вы голосуете за\\s+{name_case(candidate.full_name, 'accusative')}"))
           ).to_be_visible()
    page.get_by_role("button", name="Подтвердить", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ваш голос принят")
    receipt = receipt_display(Vote.objects.get(candidate=candidate, channel="web").receipt)
    expect(page.locator(".receipt-code")).to_have_text(receipt)
    return receipt


def bot_vote(driver: BotDriver, user: TgUser, name: str) -> str:
    """«Соискатели» → page to the candidate's card → «Поддержать» → «Да, поддержать»; the bot's reply."""
    driver.press(user, "Соискатели")
    for _ in range(len(OTHERS) + 2):
        if driver.fake.last_photo(user.id)["caption"].startswith(f"<b>{name}</b>"):
            break
        driver.press(user, "▶")
    else:
        raise AssertionError(f"the bot shows no card of {name}")
    driver.press(user, "Поддержать")
    driver.press(user, "Да, поддержать")
    return driver.fake.texts(user.id)[-1]


def receipt_in(reply: str) -> str:
    (code,) = re.findall(r"<code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2})</code>", reply)
    return code


# --- the journey ----------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_whole_season_through_every_role(live_server, page, new_page, telegram: FakeTelegram,  # noqa: F811
                                           settings, tmp_path):
    axe_available()
    base = live_server.url
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms.log"
    ConsentDocumentFactory()  # the applicant's consent
    ConsentDocumentFactory(kind=ConsentKind.VOTER, version="voter-season-1", title="Согласие участника голосования",
                           text="Я согласен на обработку номера телефона и города.")
    sarov = CityFactory(slug="sarov", name_ru="Саров", name_en="Sarov")
    season = SeasonFactory(phase="applications", votes_per_voter=2, cities=[sarov])
    year = season.year
    SphereFactory(slug="education", name_ru="Образование", name_en="Education")
    science = SphereFactory(slug="science", name_ru="Наука", name_en="Science")
    chair = UserFactory(username="sarov-chair")
    CommitteeMemberFactory(city=sarov, user=chair, role=CommitteeRole.CHAIR, full_name="Председателева П. П.")
    organiser = organiser_grant(user=UserFactory(username="organiser"))  # the group, and the admin
    others = [ApplicationFactory(season=season, city=sarov, sphere=science, full_name=name, status="accepted",
                                 person_key=f"journey-{index}") for index, name in enumerate(OTHERS)]
    stray = ApplicationFactory(season=season, city=sarov, sphere=science, full_name=REJECTED, status="submitted",
                               person_key="journey-rejected")

    # 1. A resident applies; the committee returns the application, the resident fixes it from the e-mail's link.
    fill_application(page, base)
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Отправить")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Заявка отправлена")
    mine = Application.objects.get(full_name=RESIDENT)
    assert mine.status == ApplicationStatus.SUBMITTED

    committee = new_page()
    log_in(committee, base, "sarov-chair")
    decide(committee, base, RESIDENT, "Вернуть на доработку", "Расскажите подробнее об учениках и конкурсах.")
    letter = last_mail_to("maria@example.org")
    assert f"заявку {name_case(RESIDENT, 'genitive')}" in letter  # «рассмотрел заявку Изотоповой Марии Петровны»
    assert "Расскажите подробнее об учениках" in letter
    edit_path = re.search(r"https?://[^/\s]+(/apply/edit/[^\s]+/)", letter).group(1)  # type: ignore[union-attr]
    page.goto(base + edit_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Исправление заявки")
    page.get_by_label("Рассказ о достижениях").fill(
        "Тридцать лет учит детей музыке; её ученики — лауреаты областных конкурсов и играют в оркестре города.")
    page.get_by_label(re.compile("даю согласие на обработку персональных данных")).check()  # asked anew
    page.get_by_role("button", name="Отправить исправленную заявку").click()
    expect(page.get_by_text("Исправленная заявка отправлена оргкомитету.")).to_be_visible()
    mine.refresh_from_db()
    assert mine.status == ApplicationStatus.SUBMITTED and "лауреаты" in mine.story

    # ... then accepts it (published at once) and rejects the stray one with its reason.
    decide(committee, base, RESIDENT, "Принять и опубликовать")
    decide(committee, base, REJECTED, "Отклонить", "Соискатель живёт в другом городе.")
    mine.refresh_from_db()
    stray.refresh_from_db()
    assert (mine.status, stray.status) == (ApplicationStatus.ACCEPTED, ApplicationStatus.REJECTED)
    page.goto(f"{base}/cities/sarov/")
    expect(page.get_by_role("link", name=re.compile(RESIDENT)).first).to_be_visible()
    expect(page.get_by_text(REJECTED)).to_have_count(0)

    # 2. The organisers open the vote.
    now = timezone.now()
    move_dates(season, organiser, "Заявки рассмотрены, открываем голосование.",
               applications_close_at=now - dt.timedelta(minutes=2), voting_open_at=now - dt.timedelta(minutes=1))
    neutronov, protonova, _electronov = others

    # 3. A resident votes on the site: log in with the phone, then two votes, the receipts in «Мои голоса».
    voter = new_page()
    voter.goto(f"{base}/cities/sarov/")
    voter.get_by_role("link", name=f"Голосовать за {name_case(RESIDENT, 'accusative')}").click()
    expect(voter.get_by_role("heading", level=1)).to_have_text("Войти и голосовать")
    voter.get_by_label("Номер мобильного телефона").fill(WEB_PHONE_TYPED)
    voter.get_by_role("button", name="Получить код").click()
    expect(voter.get_by_label("Код из SMS")).to_be_visible()  # the SMS has gone out with the answer
    voter.get_by_label("Код из SMS").fill(last_code(settings.SMS_FILE_PATH, WEB_PHONE))
    voter.get_by_role("button", name="Подтвердить", exact=True).click()
    voter.get_by_label("Город проживания").select_option(label="Саров")
    voter.get_by_label(re.compile("Я даю согласие")).check()
    voter.get_by_role("button", name="Подтвердить и перейти к голосованию").click()
    expect(voter.get_by_text(re.compile(f"Вы голосуете за\\s+{name_case(RESIDENT, 'accusative')}"))).to_be_visible()
    voter.get_by_role("button", name="Подтвердить", exact=True).click()
    expect(voter.get_by_role("heading", level=1)).to_have_text("Ваш голос принят")
    web_receipts = [receipt_display(Vote.objects.get(candidate=mine).receipt), web_vote(voter, base, neutronov)]
    expect(voter.get_by_text("Осталось голосов: 0 из 2.")).to_be_visible()
    assert_accessible(voter)
    voter.goto(f"{base}/vote/my/")
    for receipt in web_receipts:
        expect(voter.get_by_role("link", name=receipt)).to_be_visible()
    expect(voter.locator("#votes-left")).to_have_text("0")

    # 4. Two residents vote in the Telegram bot; its receipts name the candidate in the accusative.
    driver = BotDriver(telegram, LiveWebhookClient(base))
    register(driver, ANNA, ANNA_PHONE)
    register(driver, BORIS, BORIS_PHONE)
    replies = [bot_vote(driver, ANNA, RESIDENT), bot_vote(driver, ANNA, protonova.full_name),
               bot_vote(driver, BORIS, RESIDENT), bot_vote(driver, BORIS, neutronov.full_name)]
    assert f"Ваш голос за <b>{name_case(RESIDENT, 'accusative')}</b> учтён" in replies[0]
    assert "Осталось голосов: 1 из 2" in replies[0] and "Осталось голосов: 0 из 2" in replies[1]
    bot_receipts = [receipt_in(reply) for reply in replies]
    assert all(receipt_status(code=code).counted for code in bot_receipts)  # type: ignore[union-attr]
    assert Vote.objects.filter(channel="telegram").count() == 4
    # a bot receipt checks out on the site's public verify page
    page.goto(f"{base}/verify/{bot_receipts[1].replace('-', '')}/")
    expect(page.locator("#receipt-verdict")).to_contain_text("учтён")

    # 5. The vote closes.
    move_dates(season, organiser, "Голосование окончено по графику.",
               voting_close_at=timezone.now() - dt.timedelta(seconds=1))
    voter.goto(f"{base}/cities/sarov/")
    expect(voter.get_by_role("link", name=re.compile("^Голосовать за"))).to_have_count(0)

    # 6. The committee reviews: Anna's vote for Protonova is annulled with the reason and the committee's words.
    committee.goto(f"{base}/committee/results/{year}/sarov/")
    expect(committee.get_by_role("heading", level=1)).to_have_text("Проверка голосов: Саров")
    filters = committee.get_by_role("search", name="Фильтры выборки")
    filters.get_by_label("Соискатель").select_option(label=protonova.full_name)
    filters.get_by_role("button", name="Показать").click()
    expect(committee.get_by_text("В выборке 1 голос", exact=True)).to_be_visible()
    row = committee.locator(".votes-table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(protonova.full_name)
    expect(row).to_contain_text("Telegram")
    row.get_by_label(re.compile(r"^Отметить голос № \d+$")).check()
    committee.get_by_label("Причина", exact=True).select_option(label="Голосовал не житель города")
    committee.get_by_label("Обоснование").fill("Жительница подтвердила, что живёт в Нижнем Новгороде.")
    committee.get_by_role("button", name="Аннулировать", exact=True).click()
    expect(committee.get_by_text("Аннулировано голосов: 1")).to_be_visible()
    assert_accessible(committee)
    assert VoteAnnulment.objects.get().reason_code == "not_resident"

    # 7. The protocol is generated and marked signed by the chair.
    committee.goto(f"{base}/committee/results/{year}/sarov/protocol/")
    committee.get_by_role("button", name="Сформировать проект протокола").click()
    expect(committee.get_by_role("heading", name=re.compile("Протокол № 1"))).to_be_visible()
    committee.get_by_label("Протокол распечатан и подписан членами оргкомитета").check()
    committee.get_by_role("button", name="Отметить протокол подписанным").click()
    expect(committee.get_by_text(re.compile("Отмечен подписанным"))).to_be_visible()
    assert_accessible(committee)

    # 8. The organisers publish the city; the public result leads with the laureates.
    organisers = new_page()
    log_in(organisers, base, "organiser")
    organisers.goto(f"{base}/committee/results/{year}/sarov/protocol/")
    organisers.get_by_role("button", name="Опубликовать итоги города").click()
    expect(organisers.get_by_text(re.compile("Итоги опубликованы"))).to_be_visible()
    page.goto(f"{base}/results/{year}/sarov/")
    laureates = page.locator(".laureate")
    expect(laureates.first).to_contain_text(RESIDENT)
    expect(laureates.nth(1)).to_contain_text(neutronov.full_name)
    decisions = page.get_by_role("region", name="Решения оргкомитета")
    expect(decisions).to_contain_text("Аннулированы голоса, поданные с нарушениями: Голосовал не житель города — 1")
    expect(page.get_by_text("Итоги утверждены протоколом № 1, подписанным оргкомитетом города.")).to_be_visible()
    protocol_pdf = page.request.get(f"{base}/results/{year}/sarov/protocol.pdf")
    assert protocol_pdf.ok and protocol_pdf.body().startswith(b"%PDF")
    assert_accessible(page)

    # the bot's /results shows the city's result as the page states it
    driver.text(ANNA, "/results")
    result = driver.fake.texts(ANNA.id)[-1]
    assert result.startswith("<b>Итоги народного голосования: Саров</b>")
    assert f"🥇 1 место — <b>{RESIDENT}</b> (Образование): 3 голоса" in result
    assert f"🥈 2 место — <b>{neutronov.full_name}</b> (Наука): 2 голоса" in result

    # 9. The ceremony documents: built by the task queue's worker, then downloaded.
    organisers.goto(f"{base}/committee/results/")
    organisers.get_by_role("button", name="Сформировать документы").click()
    expect(organisers.locator(".job-status")).to_contain_text("В очереди")
    run_worker()
    expect(organisers.locator(".job-status")).to_contain_text("Готово")  # the page reloads itself
    expect(organisers.get_by_text(re.compile("Дипломов: 4, почётных грамот: 2"))).to_be_visible()
    assert_accessible(organisers)
    with organisers.expect_download() as download:
        organisers.get_by_role("link", name=re.compile("Скачать")).click()
    archive = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))  # noqa: SIM115
    names = archive.namelist()
    assert f"{year}/призёры-{year}.xlsx" in names and f"{year}/призёры-{year}.pdf" in names
    grants = sorted(name for name in names if name.startswith(f"{year}/грамоты/sarov/"))
    assert len(grants) == 2 and grants[0].startswith(f"{year}/грамоты/sarov/1-Изотопова")
    assert len([name for name in names if name.startswith(f"{year}/дипломы/sarov/")]) == 4

    # 10. The next season starts; the last one stays reachable everywhere.
    now = timezone.now()
    move_dates(season, organiser, "Церемония прошла.", results_at=now - dt.timedelta(seconds=2),
               ceremony_at=now - dt.timedelta(seconds=1))
    create_season_in_admin(organisers, base, year=year + 1, city="Саров", opens=now - dt.timedelta(minutes=1))
    assert Season.objects.get(year=year + 1).phase_at(timezone.now()) == "applications"

    page.goto(f"{base}/results/")
    expect(page.get_by_role("link", name=str(year + 1), exact=True)).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(f"^{year}"))).to_contain_text("1 из 1 города")
    page.get_by_role("link", name=str(year), exact=True).click()
    expect(page).to_have_url(re.compile(f"/results/{year}/$"))
    expect(page.get_by_text(RESIDENT).first).to_be_visible()
    page.goto(f"{base}/cities/sarov/")
    expect(page.get_by_text(RESIDENT)).to_have_count(0)  # the new season has no candidates yet
    page.goto(f"{base}/cities/sarov/?season={year}")
    expect(page.get_by_role("link", name=re.compile(RESIDENT)).first).to_be_visible()
    page.goto(f"{base}/results/cities/sarov/")
    expect(page.get_by_text(RESIDENT).first).to_be_visible()
    assert_accessible(page)

    voter.goto(f"{base}/vote/my/?season={year}")
    expect(voter).to_have_title(re.compile("^Мои голоса — "))
    for receipt in web_receipts:
        expect(voter.get_by_role("link", name=receipt)).to_be_visible()
    assert_accessible(voter)

    driver.text(ANNA, "/results")
    assert f"🥇 1 место — <b>{RESIDENT}</b>" in driver.fake.texts(ANNA.id)[-1]

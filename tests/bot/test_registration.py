"""Registering in the bot: /start → consent → city → the person's own contact → the same identity as the web."""

from __future__ import annotations

import pytest
from tests.bot.conftest import BotDriver, TgUser, register

from atomgrad.bot.models import FSMRecord, TelegramAccount
from atomgrad.voting.models import SeasonVoter, VoterIdentity
from atomgrad.voting.phones import phone_hash

pytestmark = pytest.mark.django_db

ANNA = TgUser(id=501, first_name="Анна")


def test_start_shows_the_season_phase_dates_and_the_consent(driver: BotDriver, world) -> None:
    driver.text(ANNA, "/start")

    welcome, consent = driver.fake.texts(ANNA.id)[-2:]
    assert world.season.title in welcome
    assert "идёт народное голосование" in welcome
    assert "(МСК)" in welcome  # dates in Moscow time, the Russian way
    assert "Согласие жителя" in consent and "voter-1" in consent
    assert "https://atomgrad.example/rules/#personal-data" in consent
    assert driver.fake.buttons(driver.fake.last_message(ANNA.id)) == ["✅ Согласен", "Не сейчас"]
    assert TelegramAccount.objects.get(telegram_user_id=ANNA.id).chat_id == ANNA.id


def test_the_whole_registration_makes_the_web_identity_of_the_phone(driver: BotDriver, world) -> None:
    driver.text(ANNA, "/start")
    driver.press(ANNA, "Согласен")
    assert "Выберите город" in driver.fake.texts(ANNA.id)[-1]
    assert set(driver.fake.buttons(driver.fake.last_message(ANNA.id))) == {"Саров", "Заречный"}

    driver.press(ANNA, "Саров")
    ask = driver.fake.last_message(ANNA.id)
    assert "Саров" in ask["text"]
    send = driver.fake.calls_of("sendMessage", chat_id=ANNA.id)[-1]
    assert send.params["reply_markup"]["keyboard"][0][0]["request_contact"] is True

    driver.contact(ANNA, "79001234567")  # Telegram sends international numbers without "+"

    identity = VoterIdentity.objects.get(phone_hash=phone_hash("+79001234567"))
    assert identity.telegram_user_id == ANNA.id
    voter = SeasonVoter.objects.get(identity=identity, season=world.season)
    assert voter.city == world.city and voter.registered_via == "telegram"
    assert voter.consent_document.version == "voter-1"
    texts = driver.fake.texts(ANNA.id)
    assert any("номер подтверждён" in text and "Саров" in text for text in texts)
    assert "итоги" in texts[-2]  # the notice opt-in question
    assert not FSMRecord.objects.exists()  # registration finished: no state left behind


def test_a_contact_that_is_not_the_senders_is_refused(driver: BotDriver, world) -> None:
    driver.text(ANNA, "/start")
    driver.press(ANNA, "Согласен")
    driver.press(ANNA, "Саров")

    driver.contact(ANNA, "79161234567", contact_user_id=777)  # somebody else's contact
    assert "не ваш номер" in driver.fake.texts(ANNA.id)[-1]
    driver.contact(ANNA, "79161234567", contact_user_id=0)  # a contact typed in by hand: no user id at all
    assert "не ваш номер" in driver.fake.texts(ANNA.id)[-1]

    assert not VoterIdentity.objects.exists()
    assert not SeasonVoter.objects.exists()


def test_a_foreign_number_is_refused_like_on_the_web(driver: BotDriver, world) -> None:
    register(driver, ANNA, "12025550123")
    assert "российского мобильного" in driver.fake.texts(ANNA.id)[-1]
    assert not SeasonVoter.objects.exists()


def test_a_contact_out_of_turn_registers_nobody(driver: BotDriver, world) -> None:
    driver.contact(ANNA, "79001234567")
    assert "/start" in driver.fake.texts(ANNA.id)[-1]
    assert not VoterIdentity.objects.exists()


def test_typing_part_of_the_city_name(driver: BotDriver, world) -> None:
    driver.text(ANNA, "/start")
    driver.press(ANNA, "Согласен")

    driver.text(ANNA, "Москва")
    assert "нет «Москва»" in driver.fake.texts(ANNA.id)[-1]
    driver.text(ANNA, "сар")  # any case
    assert "Город: <b>Саров</b>" in driver.fake.texts(ANNA.id)[-1]


def test_a_forged_city_is_refused(driver: BotDriver, world) -> None:
    from tests.factories import CityFactory

    from atomgrad.bot.callbacks import CityPickCallback

    elsewhere = CityFactory(slug="moscow", name_ru="Москва")
    driver.text(ANNA, "/start")
    driver.press(ANNA, "Согласен")
    driver.press_data(ANNA, CityPickCallback(city_id=elsewhere.pk).pack())

    assert driver.answers(ANNA)[-1].startswith("Этого города нет")
    assert "Выберите город" in driver.fake.texts(ANNA.id)[-1]  # still choosing


def test_a_city_button_without_consent_is_refused(driver: BotDriver, world) -> None:
    from atomgrad.bot.callbacks import CityPickCallback

    driver.text(ANNA, "/start")
    driver.press_data(ANNA, CityPickCallback(city_id=world.city.pk).pack())
    assert "согласие" in driver.answers(ANNA)[-1]


def test_a_half_finished_registration_survives_a_restart(driver: BotDriver, world) -> None:
    """The state is in the database, not in the process: a new storage (a restarted bot) reads it back and the
    person continues where they were."""
    from aiogram.fsm.storage.base import StorageKey
    from asgiref.sync import async_to_sync

    from atomgrad.bot.fsm_storage import DjangoStorage

    driver.text(ANNA, "/start")
    driver.press(ANNA, "Согласен")
    driver.press(ANNA, "Саров")

    key = StorageKey(bot_id=123456789, chat_id=ANNA.id, user_id=ANNA.id)
    after_restart = DjangoStorage()
    assert async_to_sync(after_restart.get_state)(key) == "Registration:contact"
    assert async_to_sync(after_restart.get_data)(key)["city_id"] == world.city.pk

    driver.contact(ANNA, "79001234567")
    assert SeasonVoter.objects.filter(city=world.city).count() == 1


def test_cancel_works_in_any_state(driver: BotDriver, world) -> None:
    driver.text(ANNA, "/start")
    driver.press(ANNA, "Согласен")
    driver.text(ANNA, "/cancel")
    assert "Отменено" in driver.fake.texts(ANNA.id)[-1]
    assert not FSMRecord.objects.exists()
    driver.contact(ANNA, "79001234567")
    assert not SeasonVoter.objects.exists()


def test_english_clients_get_english(driver: BotDriver, world) -> None:
    john = TgUser(id=502, first_name="John", language_code="en")
    register(driver, john, "79031112233", city="Sarov")
    texts = driver.fake.texts(john.id)
    assert "the people's vote is open" in texts[0]
    assert "(MSK)" in texts[0]
    assert any("You vote in <b>Sarov</b>" in text for text in texts)


def test_start_again_when_registered_shows_the_menu(driver: BotDriver, world) -> None:
    register(driver, ANNA, "79001234567")
    driver.text(ANNA, "/start")
    assert "Вы уже зарегистрированы: город <b>Саров</b>, осталось голосов: 2 из 2" in driver.fake.texts(ANNA.id)[-1]
    assert "👥 Соискатели" in driver.fake.buttons(driver.fake.last_message(ANNA.id))
    assert SeasonVoter.objects.count() == 1

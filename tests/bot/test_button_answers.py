"""Every button press is answered once, and under a webhook the answer rides in the HTTP reply to Telegram
(one Bot API request fewer per press), made by Telegram, here by the fake server as Telegram would."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from aiogram.methods import SendMessage, SendPhoto
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from tests.bot.conftest import WEBHOOK_SECRET, WEBHOOK_URL, BotDriver, TgUser, register

from atomgrad.bot.dispatcher import build_bot
from atomgrad.bot.webhook import webhook_reply

pytestmark = pytest.mark.django_db

ANNA = TgUser(id=1501, first_name="Анна")


def answers_per_press(driver: BotDriver) -> Counter[str]:
    return Counter(str(call.params["callback_query_id"]) for call in driver.fake.calls_of("answerCallbackQuery"))


def test_a_card_page_is_answered_in_the_webhook_reply(driver: BotDriver, world, client) -> None:
    register(driver, ANNA, "79001501501")
    driver.press(ANNA, "Соискатели")
    message, button = driver.fake.find_button(ANNA.id, "▶")
    update = driver.callback_update(ANNA, button["callback_data"], message)
    press_id = update["callback_query"]["id"]

    response = client.post(WEBHOOK_URL, data=json.dumps(update), content_type="application/json",
                           HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=WEBHOOK_SECRET)

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"method": "answerCallbackQuery", "callback_query_id": press_id}
    assert press_id not in answers_per_press(driver)  # the bot did not call the Bot API for it
    assert "2 из 3" in driver.fake.last_photo(ANNA.id)["caption"]  # the page itself was turned by the bot


def test_a_message_is_answered_with_an_empty_200(driver: BotDriver, world, client) -> None:
    response = client.post(WEBHOOK_URL, data=json.dumps(driver.text_update(ANNA, "/help")),
                           content_type="application/json", HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=WEBHOOK_SECRET)
    assert response.status_code == 200 and response.content == b""
    assert "/myvotes" in driver.fake.texts(ANNA.id)[-1]


def test_every_press_of_a_season_is_answered_exactly_once(driver: BotDriver, world) -> None:
    driver.text(ANNA, "/start")
    driver.press(ANNA, "Согласен")
    driver.press(ANNA, "Саров")
    driver.contact(ANNA, "79001501501")
    # "2/3" is the card's position: a button that does nothing
    for label in ("Соискатели", "▶", "2/3", "Сфера: все", "Наука", "Поддержать", "Отмена", "Поддержать",
                  "Да, поддержать", "Вы поддержали"):
        driver.press(ANNA, label)
    driver.press_data(ANNA, "no-such-button:1")
    driver.text(ANNA, "/start")
    driver.press(ANNA, "Мои голоса")
    driver.press(ANNA, "Правила")

    pressed = set(driver.callback_owner)
    answers = answers_per_press(driver)
    assert len(pressed) == 15
    assert set(answers) == pressed and set(answers.values()) == {1}, answers
    texts = driver.answers(ANNA)
    assert any("поддержать" in text.lower() for text in texts)  # the confirmation's toast
    assert any("учтён" in text or "принят" in text for text in texts)  # the vote's toast


def test_a_failure_after_the_work_began_is_answered_by_the_error_pop_up_alone(driver: BotDriver, world,
                                                                              monkeypatch) -> None:
    from atomgrad.bot.handlers import browse

    register(driver, ANNA, "79001501501")
    driver.press(ANNA, "Соискатели")

    async def broken(*args, **kwargs):
        raise RuntimeError("the card could not be shown")

    monkeypatch.setattr(browse, "replace_card", broken)
    driver.press(ANNA, "▶")

    answers = answers_per_press(driver)
    assert set(answers) == set(driver.callback_owner) and set(answers.values()) == {1}  # answered, once…
    last = driver.fake.calls_of("answerCallbackQuery")[-1]
    assert last.params["text"] == "Что-то пошло не так. Попробуйте ещё раз чуть позже."  # …by the error handler
    assert last.params["show_alert"] == "true"


def test_the_reply_carries_the_bots_defaults_and_never_a_file(telegram) -> None:
    bot = build_bot()
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Да", callback_data="yes")]])
    reply = webhook_reply(bot, SendMessage(chat_id=5, text="<b>Привет</b>", reply_markup=markup))
    assert reply is not None
    assert json.loads(reply) == {
        "method": "sendMessage", "chat_id": 5, "text": "<b>Привет</b>", "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True}, "disable_web_page_preview": True,
        "reply_markup": {"inline_keyboard": [[{"text": "Да", "callback_data": "yes"}]]},
    }
    upload = SendPhoto(chat_id=5, photo=BufferedInputFile(b"\xff\xd8", filename="a.jpg"))
    assert webhook_reply(bot, upload) is None  # a file cannot ride in the reply: the bot sends it itself


def test_a_counted_vote_is_answered_as_counted_even_if_its_receipt_cannot_be_sent(driver: BotDriver, world) -> None:
    from atomgrad.voting.models import Vote

    register(driver, ANNA, "79001501501")
    driver.press(ANNA, "Соискатели")
    driver.press(ANNA, "Поддержать")
    driver.fake.forbid_chat(ANNA.id)  # every send to the chat now fails (403), as when Telegram refuses it
    driver.press(ANNA, "Да, поддержать")

    assert Vote.objects.count() == 1
    assert driver.answers(ANNA)[-1] == "Голос учтён"
    assert set(answers_per_press(driver).values()) == {1}

"""Every button press is answered once. Under `runbot --webhook` the answer rides in the HTTP reply to Telegram
(one Bot API request fewer per press), which Telegram carries out — here the fake server, as Telegram would;
through the Django endpoint, long polling or the dispatcher fed directly it is a Bot API call as usual."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery, SendMessage, SendPhoto
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from asgiref.sync import async_to_sync
from tests.bot.conftest import TOKEN, WEBHOOK_SECRET, WEBHOOK_URL, BotDriver, TgUser, register

from atomgrad.bot.dispatcher import build_bot, get_dispatcher
from atomgrad.bot.webhook import handle_update, webhook_payload, webhook_reply

pytestmark = pytest.mark.django_db

ANNA = TgUser(id=1501, first_name="Анна")


class ReplyingWebhookDriver(BotDriver):
    """Updates handled as `runbot --webhook` handles them (`handle_update(reply=True)`, the same function its
    aiohttp server calls); the call a reply names is then made on the fake Bot API, as Telegram makes it."""

    def __init__(self, fake: Any) -> None:
        super().__init__(fake)
        self.replies: list[dict[str, Any]] = []

    def post(self, update: dict[str, Any], *, secret: str | None = None) -> int:
        reply = async_to_sync(self._handle)(update)
        if reply is not None:
            self.replies.append(json.loads(reply))
            self.fake.make_webhook_reply(TOKEN, reply)
        return 200

    @staticmethod
    async def _handle(update: dict[str, Any]) -> bytes | None:
        bot = build_bot(request_scoped=True)
        try:
            return await handle_update(get_dispatcher(), bot, update, reply=True)
        finally:
            await bot.session.close()


@pytest.fixture(params=["django endpoint", "runbot webhook"])
def any_driver(request, telegram) -> BotDriver:
    return BotDriver(telegram) if request.param == "django endpoint" else ReplyingWebhookDriver(telegram)


def answers_per_press(driver: BotDriver) -> Counter[str]:
    return Counter(str(call.params["callback_query_id"]) for call in driver.fake.calls_of("answerCallbackQuery"))


def test_under_runbot_a_card_page_is_answered_in_the_webhook_reply(telegram, world) -> None:
    driver = ReplyingWebhookDriver(telegram)
    register(driver, ANNA, "79001501501")
    driver.press(ANNA, "Соискатели")
    calls_before = len(telegram.calls)
    message, button = telegram.find_button(ANNA.id, "▶")
    update = driver.callback_update(ANNA, button["callback_data"], message)

    reply = async_to_sync(driver._handle)(update)

    assert reply is not None
    assert json.loads(reply) == {"method": "answerCallbackQuery", "callback_query_id": update["callback_query"]["id"]}
    assert [call.method for call in telegram.calls[calls_before:]] == ["editMessageMedia"]  # the one API call
    assert "2 из 3" in telegram.last_photo(ANNA.id)["caption"]


def test_a_message_gets_no_reply_body(telegram, world) -> None:
    driver = ReplyingWebhookDriver(telegram)
    driver.text(ANNA, "/help")
    assert driver.replies == []
    assert "/myvotes" in telegram.texts(ANNA.id)[-1]


def test_the_django_endpoint_answers_through_the_bot_api(driver: BotDriver, world, client) -> None:
    register(driver, ANNA, "79001501501")
    driver.press(ANNA, "Соискатели")
    press = driver.callback_update(ANNA, "noop")
    response = client.post(WEBHOOK_URL, data=json.dumps(press), content_type="application/json",
                           HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=WEBHOOK_SECRET)
    assert response.status_code == 200 and response.content == b""
    assert answers_per_press(driver)[press["callback_query"]["id"]] == 1


def test_every_press_of_a_season_is_answered_exactly_once(any_driver: BotDriver, world) -> None:
    driver = any_driver
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
    assert "Голос учтён" in texts
    if isinstance(driver, ReplyingWebhookDriver):
        assert len(driver.replies) == 15  # every answer rode in a reply, none was a call of the bot's


def test_under_runbot_a_failure_after_the_answer_is_answered_by_the_error_pop_up_alone(telegram, world,
                                                                                        monkeypatch) -> None:
    from atomgrad.bot.handlers import browse

    driver = ReplyingWebhookDriver(telegram)
    register(driver, ANNA, "79001501501")
    driver.press(ANNA, "Соискатели")

    async def broken(*args, **kwargs):
        raise RuntimeError("the card could not be shown")

    monkeypatch.setattr(browse, "replace_card", broken)
    driver.press(ANNA, "▶")  # the handler answered, then failed

    answers = answers_per_press(driver)
    assert set(answers) == set(driver.callback_owner) and set(answers.values()) == {1}
    assert driver.replies[-1]["text"] == "Что-то пошло не так. Попробуйте ещё раз чуть позже."
    assert driver.replies[-1]["show_alert"] is True


def test_a_counted_vote_is_answered_as_counted_even_if_its_receipt_cannot_be_sent(any_driver: BotDriver,
                                                                                  world) -> None:
    from atomgrad.voting.models import Vote

    driver = any_driver
    register(driver, ANNA, "79001501501")
    driver.press(ANNA, "Соискатели")
    driver.press(ANNA, "Поддержать")
    driver.fake.forbid_chat(ANNA.id)  # every send to the chat now fails (403), as when Telegram refuses it
    driver.press(ANNA, "Да, поддержать")

    assert Vote.objects.count() == 1
    assert driver.answers(ANNA)[-1] == "Голос учтён"
    assert set(answers_per_press(driver).values()) == {1}


def test_outside_runbots_updates_an_answer_is_a_call(telegram) -> None:
    bot = build_bot()

    async def answer() -> object:
        try:
            return await bot(AnswerCallbackQuery(callback_query_id="cb-outside"))
        finally:
            await bot.session.close()

    assert async_to_sync(answer)() is True
    assert [call.params["callback_query_id"] for call in telegram.calls_of("answerCallbackQuery")] == ["cb-outside"]


def test_the_reply_carries_the_bots_defaults_and_never_a_file(telegram) -> None:
    bot = build_bot()
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Да", callback_data="yes")]])
    reply = webhook_reply(bot, SendMessage(chat_id=5, text="<b>Привет</b>", reply_markup=markup))
    assert json.loads(reply) == {
        "method": "sendMessage", "chat_id": 5, "text": "<b>Привет</b>", "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True}, "disable_web_page_preview": True,
        "reply_markup": {"inline_keyboard": [[{"text": "Да", "callback_data": "yes"}]]},
    }
    with pytest.raises(ValueError, match="uploads a file"):
        webhook_reply(bot, SendPhoto(chat_id=5, photo=BufferedInputFile(b"\xff\xd8", filename="a.jpg")))


def test_the_body_check_leaves_the_update_to_the_handling(telegram) -> None:
    """The secret and the JSON are checked first; whether it is an Update is told by `handle_update`, which
    reads it once, bound to the bot (400 before anything is done)."""
    from atomgrad.bot.webhook import WebhookRejected

    payload = webhook_payload(secret_header=WEBHOOK_SECRET, body=b'{"update_id": "x"}')
    bot = build_bot(request_scoped=True)
    with pytest.raises(WebhookRejected) as rejected:
        async_to_sync(handle_update)(get_dispatcher(), bot, payload, reply=True)
    assert rejected.value.status == 400
    assert not telegram.calls

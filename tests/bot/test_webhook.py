"""The webhook endpoint, the commands that run the bot, and robustness: nothing crashes, nothing leaks the token."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.apps import apps
from django.core.management import call_command
from tests.bot.conftest import TOKEN, WEBHOOK_SECRET, WEBHOOK_URL, BotDriver, TgUser, register
from tests.bot.fake_telegram import FakeTelegram

from atomgrad.bot.models import FSMRecord, TelegramAccount
from atomgrad.voting.models import SeasonVoter

pytestmark = pytest.mark.django_db

ANNA = TgUser(id=801, first_name="Анна")


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", WEBHOOK_SECRET + "x", WEBHOOK_SECRET.upper()])
def test_a_wrong_or_missing_secret_is_403_without_side_effects(driver: BotDriver, world, secret) -> None:
    before = row_counts()
    assert driver.post(driver.text_update(ANNA, "/start"), secret=secret) == 403
    assert row_counts() == before
    assert not driver.fake.calls


def test_without_a_configured_secret_every_request_is_refused(driver: BotDriver, world, settings) -> None:
    settings.TELEGRAM_WEBHOOK_SECRET = ""
    assert driver.post(driver.text_update(ANNA, "/start"), secret="") == 403
    assert not driver.fake.calls


@pytest.mark.parametrize("body", [
    b"", b"not json", b"\xff\xfe garbage", b"[]", b'"text"', b"42", b'{"foo": 1}', b'{"update_id": "x"}',
    b'{"update_id": 1, "message": {"text": "no chat, no date"}}',
    b'{"update_id": 1, "callback_query": {"id": 5}}',
])
def test_a_garbage_body_is_400_without_side_effects(driver: BotDriver, world, client, body) -> None:
    before = row_counts()
    response = client.post(WEBHOOK_URL, data=body, content_type="application/json",
                           HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=WEBHOOK_SECRET)
    assert response.status_code == 400
    assert row_counts() == before
    assert not driver.fake.calls


def test_only_post(client, telegram) -> None:
    assert client.get(WEBHOOK_URL, HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=WEBHOOK_SECRET).status_code == 405


@pytest.mark.filterwarnings("ignore:Detected unknown update type")
def test_an_update_of_a_kind_the_bot_ignores_is_accepted(driver: BotDriver, world) -> None:
    assert driver.post({"update_id": 77}) == 200
    assert driver.post({"update_id": 78, "edited_message": {
        "message_id": 1, "date": 0, "chat": {"id": ANNA.id, "type": "private"}, "text": "edited"}}) == 200
    assert not driver.fake.calls


def test_a_failing_handler_is_answered_and_the_update_acknowledged(driver: BotDriver, world, monkeypatch,
                                                                   caplog) -> None:
    from atomgrad.bot import services

    async def broken(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(services, "abot_status", broken)
    driver.text(ANNA, "/start")  # 200: Telegram must not retry it forever
    assert driver.fake.texts(ANNA.id)[-1] == "Что-то пошло не так. Попробуйте ещё раз чуть позже."
    assert "RuntimeError" in caplog.text


def test_a_stray_message_gets_help(driver: BotDriver, world) -> None:
    driver.text(ANNA, "привет")
    assert "/help" in driver.fake.texts(ANNA.id)[-1]
    driver.feed(driver._message(ANNA, sticker={"file_id": "s", "file_unique_id": "s", "type": "regular",
                                               "width": 1, "height": 1, "is_animated": False, "is_video": False}))
    assert "/help" in driver.fake.texts(ANNA.id)[-1]


def test_help_and_rules(driver: BotDriver, world) -> None:
    driver.text(ANNA, "/help")
    assert "/myvotes" in driver.fake.texts(ANNA.id)[-1]
    driver.text(ANNA, "/rules")
    rules = driver.fake.texts(ANNA.id)[-1]
    assert "У каждого 2 голоса" in rules and "своего города" in rules and "https://atomgrad.example/rules/" in rules


def test_the_token_never_reaches_the_logs(driver: BotDriver, world, caplog, settings) -> None:
    caplog.set_level(logging.DEBUG)
    register(driver, ANNA, "79001234567")
    driver.text(ANNA, "/candidates")
    settings.TELEGRAM_API_BASE = "http://127.0.0.1:9"  # the Bot API is unreachable: errors get logged
    driver.text(ANNA, "/help")
    driver.press_data(ANNA, "card:0:1")
    assert caplog.records, "nothing was logged at all"
    assert TOKEN not in caplog.text and TOKEN.split(":")[1] not in caplog.text
    assert WEBHOOK_SECRET not in caplog.text


def test_the_redaction_filter_scrubs_a_token_that_slipped_into_a_record(settings) -> None:
    from atomgrad.bot.logsafety import TokenRedactingFilter

    settings.TELEGRAM_BOT_TOKEN = TOKEN
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(TokenRedactingFilter())
    logger = logging.getLogger("atomgrad.tests.redaction")
    logger.addHandler(handler)
    try:
        logger.error("calling https://api.telegram.org/bot%s/getMe", TOKEN)
        try:
            raise ValueError(f"bad url https://api.telegram.org/bot{TOKEN}/sendMessage")
        except ValueError:
            logger.exception("request failed")
    finally:
        logger.removeHandler(handler)
    assert TOKEN not in stream.getvalue()
    assert stream.getvalue().count("<redacted>") == 2  # the message and the exception's text


# --- the commands ----------------------------------------------------------------------------------------------


def test_setwebhook_registers_the_endpoint_with_the_secret(telegram: FakeTelegram) -> None:
    out = io.StringIO()
    call_command("setwebhook", stdout=out)
    (call,) = telegram.calls_of("setWebhook")
    assert call.params["url"] == "https://atomgrad.example/telegram/webhook/"
    assert call.params["secret_token"] == WEBHOOK_SECRET
    assert set(call.params["allowed_updates"]) == {"message", "callback_query"}
    assert telegram.calls_of("setMyCommands")
    call_command("setwebhook", "--info", stdout=out)
    assert "url: https://atomgrad.example/telegram/webhook/" in out.getvalue()
    call_command("setwebhook", "--delete", stdout=out)
    assert telegram.calls_of("deleteWebhook")
    assert TOKEN not in out.getvalue()


def test_setwebhook_sets_how_many_updates_telegram_delivers_at_once(telegram: FakeTelegram) -> None:
    from django.core.management.base import CommandError

    call_command("setwebhook", stdout=io.StringIO())
    call_command("setwebhook", "--max-connections", "100", stdout=io.StringIO())
    first, second = telegram.calls_of("setWebhook")
    assert "max_connections" not in first.params  # Telegram's own default (40)
    assert second.params["max_connections"] == "100"
    for wrong in ("0", "101", "-5"):
        with pytest.raises(CommandError, match="between 1 and 100"):
            call_command("setwebhook", "--max-connections", wrong, stdout=io.StringIO())
    assert len(telegram.calls_of("setWebhook")) == 2


def test_setwebhook_refuses_without_a_secret(telegram: FakeTelegram, settings) -> None:
    from django.core.management.base import CommandError

    settings.TELEGRAM_WEBHOOK_SECRET = ""
    with pytest.raises(CommandError):
        call_command("setwebhook", stdout=io.StringIO())
    assert not telegram.calls_of("setWebhook")


def test_state_rows_do_not_pile_up(driver: BotDriver, world) -> None:
    register(driver, ANNA, "79001234567")
    driver.text(ANNA, "/start")
    driver.text(ANNA, "/cancel")
    assert FSMRecord.objects.count() == 0
    assert TelegramAccount.objects.count() == 1 and SeasonVoter.objects.count() == 1


def test_webhook_body_is_json_of_an_update(driver: BotDriver, world, client) -> None:
    """The same update, posted raw, is handled (no test-only path in between)."""
    update = driver.text_update(ANNA, "/help")
    response = client.post(WEBHOOK_URL, data=json.dumps(update).encode(), content_type="application/json",
                           HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=WEBHOOK_SECRET)
    assert response.status_code == 200
    assert "/myvotes" in driver.fake.texts(ANNA.id)[-1]


def test_state_storage_is_the_database_unless_redis_is_configured(settings, monkeypatch) -> None:
    import importlib.util

    from django.core.exceptions import ImproperlyConfigured

    from atomgrad.bot.fsm_storage import DjangoStorage, storage_from_settings

    monkeypatch.delenv("REDIS_URL", raising=False)
    settings.REDIS_URL = ""
    assert isinstance(storage_from_settings(), DjangoStorage)
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    if importlib.util.find_spec("redis") is None:  # the package is not a pinned dependency (docs/bot.md)
        with pytest.raises(ImproperlyConfigured, match="pip install redis"):
            storage_from_settings()
    else:
        assert type(storage_from_settings()).__name__ == "RedisStorage"

"""Checking a webhook request before anything happens: the secret header, then the body.

Shared by the Django view (`bot.views.webhook`) and the aiohttp server of `runbot --webhook`, so both answer
the same way: 403 for a missing or wrong `X-Telegram-Bot-Api-Secret-Token` (or when no secret is configured:
an open webhook would let anyone post updates as any user), 400 for a body that is not a Telegram Update.
Neither touches the database or the Bot API before the update is known to be one.

`handle_update` reads the Update (once, bound to the bot) and feeds it to the dispatcher; when the handler
returns a Bot API call instead of making it (the answer to a button press: `return query.answer()`), that
call becomes the body of the webhook's HTTP answer and Telegram makes it (its "reply to the webhook"): one
request to the Bot API fewer per press, and the button's spinner stops once the press has been handled.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from django.conf import settings
from pydantic import ValidationError

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret


class WebhookRejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def webhook_payload(*, secret_header: str | None, body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or WebhookRejected(403 | 400). Whether it is an Update, `handle_update`
    tells (it reads it once, bound to the bot)."""
    secret = settings.TELEGRAM_WEBHOOK_SECRET
    if not secret or not secret_header or not hmac.compare_digest(secret_header.encode(), secret.encode()):
        raise WebhookRejected(403, "wrong or missing secret token")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookRejected(400, "the body is not JSON") from exc
    if not isinstance(payload, dict):
        raise WebhookRejected(400, "the body is not a JSON object")
    return payload


async def handle_update(dispatcher: Dispatcher, bot: Bot, payload: dict[str, Any]) -> bytes | None:
    """Handle one update that passed `webhook_payload`; the JSON body of the webhook's answer when a handler
    returned a call for Telegram to make, else None (an empty 200). WebhookRejected(400), before anything
    is done, when the payload is not a Telegram Update."""
    try:
        update = Update.model_validate(payload, context={"bot": bot})
    except ValidationError as exc:
        raise WebhookRejected(400, "the body is not a Telegram Update") from exc
    result = await dispatcher.feed_update(bot, update)
    if not isinstance(result, TelegramMethod):
        return None
    reply = webhook_reply(bot, result)
    if reply is None:  # a call that uploads a file cannot ride in the answer: make it ourselves
        await bot(result)
    return reply


def webhook_reply(bot: Bot, method: TelegramMethod[Any]) -> bytes | None:
    """`method` as Telegram takes it in a webhook's answer (`{"method": …, parameters}` in JSON), with the
    bot's defaults filled in as the HTTP session would; None if it carries a file to upload."""
    files: dict[str, Any] = {}
    parameters = {}
    for name, value in method.model_dump(warnings=False).items():
        prepared = bot.session.prepare_value(value, bot=bot, files=files, _dumps_json=False)
        if prepared is not None:
            parameters[name] = prepared
    if files:
        return None
    return json.dumps({"method": method.__api_method__, **parameters}, ensure_ascii=False).encode()

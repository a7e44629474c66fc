"""Checking a webhook request before anything happens: the secret header, then the body.

Shared by the Django view (`bot.views.webhook`) and the aiohttp server of `runbot --webhook`, so both answer
the same way: 403 for a missing or wrong `X-Telegram-Bot-Api-Secret-Token` (or when no secret is configured:
an open webhook would let anyone post updates as any user), 400 for a body that is not a Telegram Update.
Neither touches the database or the Bot API before the update is known to be one.

`handle_update` reads the Update (once, bound to the bot) and feeds it to the dispatcher. With `reply=True`
(`runbot --webhook`) the answer to a button press does not go to the Bot API: `AnswerInWebhookReply`, a
middleware of the bot's HTTP session, keeps it until the update has been handled, and it becomes the body of
the webhook's HTTP answer, which Telegram carries out (its "reply to the webhook"). One request to the Bot API
fewer per press; the spinner stops once the press has been handled; if the handler fails after answering,
the error handler's pop-up takes the answer's place (only one answer can ride in the reply). Anywhere else
(long polling, the Django endpoint, a test feeding the dispatcher) nothing is kept and the call is made as
usual.
"""

from __future__ import annotations

import hmac
import json
from contextvars import ContextVar
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
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


# The answer kept for the reply of the update being handled; None where answers go out at once.
_kept_answer: ContextVar[list[AnswerCallbackQuery] | None] = ContextVar("kept_answer", default=None)


class AnswerInWebhookReply(BaseRequestMiddleware):
    """While `handle_update(reply=True)` handles an update, keep its button answer instead of sending it; the
    latest answer wins (the error handler's after the handler's). Elsewhere it passes every call through."""

    async def __call__(self, make_request: Any, bot: Bot, method: TelegramMethod[Any]) -> Any:
        kept = _kept_answer.get()
        if kept is None or not isinstance(method, AnswerCallbackQuery):
            return await make_request(bot, method)
        kept[:] = [method]
        return True  # what Telegram answers to answerCallbackQuery


async def handle_update(dispatcher: Dispatcher, bot: Bot, payload: dict[str, Any], *,
                        reply: bool = False) -> bytes | None:
    """Handle one update that passed `webhook_payload`. With `reply`, the JSON body of the webhook's answer
    when a button was answered (see above), else None (an empty 200). WebhookRejected(400), before anything
    is done, when the payload is not a Telegram Update."""
    try:
        update = Update.model_validate(payload, context={"bot": bot})
    except ValidationError as exc:
        raise WebhookRejected(400, "the body is not a Telegram Update") from exc
    kept: list[AnswerCallbackQuery] | None = [] if reply else None
    token = _kept_answer.set(kept)
    try:
        await dispatcher.feed_update(bot, update)
    finally:
        _kept_answer.reset(token)
    return webhook_reply(bot, kept[0]) if kept else None


def webhook_reply(bot: Bot, method: TelegramMethod[Any]) -> bytes:
    """`method` as Telegram takes it in a webhook's answer (`{"method": …, parameters}` in JSON), with the
    bot's defaults filled in as the HTTP session would. For calls without files (a button's answer)."""
    files: dict[str, Any] = {}
    parameters = {}
    for name, value in method.model_dump(warnings=False).items():
        prepared = bot.session.prepare_value(value, bot=bot, files=files, _dumps_json=False)
        if prepared is not None:
            parameters[name] = prepared
    if files:
        raise ValueError(f"{method.__api_method__} uploads a file: it cannot ride in a webhook's reply")
    return json.dumps({"method": method.__api_method__, **parameters}, ensure_ascii=False).encode()

"""Checking a webhook request before anything happens: the secret header, then the body.

Shared by the Django view (`bot.views.webhook`) and the aiohttp server of `runbot --webhook`, so both answer
the same way: 403 for a missing or wrong `X-Telegram-Bot-Api-Secret-Token` (or when no secret is configured:
an open webhook would let anyone post updates as any user), 400 for a body that is not a Telegram Update.
Neither touches the database or the Bot API.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

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
    """The update as a dict, or WebhookRejected(403 | 400)."""
    secret = settings.TELEGRAM_WEBHOOK_SECRET
    if not secret or not secret_header or not hmac.compare_digest(secret_header.encode(), secret.encode()):
        raise WebhookRejected(403, "wrong or missing secret token")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookRejected(400, "the body is not JSON") from exc
    if not isinstance(payload, dict):
        raise WebhookRejected(400, "the body is not a JSON object")
    try:
        Update.model_validate(payload)
    except ValidationError as exc:
        raise WebhookRejected(400, "the body is not a Telegram Update") from exc
    return payload

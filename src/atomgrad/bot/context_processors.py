from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from atomgrad.bot.links import BotLink


def telegram_bot(request: HttpRequest) -> dict[str, Any]:
    """`telegram_bot` in every template: the bot's link and QR code, looked up only by the pages that show it."""
    return {"telegram_bot": BotLink()}

"""The bot on the site: its t.me address and a QR code for it (and for any page), for the home and vote pages
and the committees' posters.

The username comes from TELEGRAM_BOT_USERNAME, or else from the Bot API's getMe with TELEGRAM_BOT_TOKEN,
asked once and cached for a day (a failure for five minutes, so an unreachable API never slows every page).
No token and no username: no link, and the pages say nothing about a bot that does not exist.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import cached_property

import segno
from django.conf import settings
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

logger = logging.getLogger(__name__)

CACHE_KEY = "bot:username"
CACHE_SECONDS = 24 * 3600
FAILURE_CACHE_SECONDS = 300
GETME_TIMEOUT_SECONDS = 2
# Telegram usernames: 5–32 letters, digits and underscores.
USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")


def _username_from_api() -> str:
    token = settings.TELEGRAM_BOT_TOKEN
    if not token:
        return ""
    url = f"{settings.TELEGRAM_API_BASE.rstrip('/')}/bot{token}/getMe"
    try:
        with urllib.request.urlopen(url, timeout=GETME_TIMEOUT_SECONDS) as response:  # noqa: S310 - our setting
            answer = json.load(response)
    except (OSError, ValueError):
        logger.warning("getMe failed: the bot's username is unknown for now")  # never log the URL: it has the token
        return ""
    username = str((answer.get("result") or {}).get("username") or "") if answer.get("ok") else ""
    return username if USERNAME_RE.match(username) else ""


def bot_username() -> str:
    """The bot's username without '@', or "" when there is no bot to link."""
    configured = settings.TELEGRAM_BOT_USERNAME.lstrip("@")
    if configured:
        return configured if USERNAME_RE.match(configured) else ""
    if not settings.TELEGRAM_BOT_TOKEN:
        return ""
    cached = cache.get(CACHE_KEY)
    if cached is not None:
        return str(cached)
    username = _username_from_api()
    cache.set(CACHE_KEY, username, CACHE_SECONDS if username else FAILURE_CACHE_SECONDS)
    return username


def qr_svg(data: str, *, title: str) -> SafeString:
    """A QR code as inline SVG (segno): scalable, black on white, named by `title` for screen readers.
    segno escapes the title; the rest is its own markup."""
    code = segno.make(data, error="m")
    svg = code.svg_inline(scale=1, border=2, omitsize=True, title=title, svgclass="qr", lineclass="qr-line",
                          light="#fff", dark="#000")
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308


@dataclass
class BotLink:
    """What a template needs to show the bot: `{% if telegram_bot.url %}`…; computed only when used."""

    @cached_property
    def username(self) -> str:
        return bot_username()

    @cached_property
    def url(self) -> str:
        return f"https://t.me/{self.username}" if self.username else ""

    @cached_property
    def qr(self) -> SafeString:
        return qr_svg(self.url, title=f"QR: {self.url}") if self.url else SafeString("")

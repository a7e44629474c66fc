"""python manage.py setwebhook [--url URL] | --delete | --info — register the bot's webhook with Telegram.

The URL defaults to SITE_URL + /telegram/webhook/ (the Django endpoint, or `runbot --webhook` behind the same
path on the proxy). Telegram will send TELEGRAM_WEBHOOK_SECRET in the X-Telegram-Bot-Api-Secret-Token header.
`--max-connections N` (1–100; Telegram's default is 40) is how many updates Telegram delivers at once: raise it
when several `runbot --webhook` processes stand behind the proxy (docs/scaling.md).
"""

from __future__ import annotations

import asyncio

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from atomgrad.bot.dispatcher import build_bot, set_commands

ALLOWED_UPDATES = ["message", "callback_query"]
MAX_CONNECTIONS = range(1, 101)  # what Telegram accepts for max_connections


class Command(BaseCommand):
    help = "Registers (or removes, or shows) the Telegram webhook of the bot."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", help="public HTTPS address of the webhook (default: SITE_URL + the endpoint)")
        parser.add_argument("--delete", action="store_true", help="remove the webhook (back to long polling)")
        parser.add_argument("--info", action="store_true", help="show what Telegram has registered")
        parser.add_argument("--drop-pending", action="store_true", help="discard updates waiting at Telegram")
        parser.add_argument("--max-connections", type=int, default=None,
                            help="updates Telegram delivers at once, 1-100 (Telegram's default: 40)")

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(asyncio.run(self._run(options)))

    async def _run(self, options: dict[str, object]) -> str:
        bot = build_bot()
        try:
            if options["info"]:
                info = await bot.get_webhook_info()
                return (f"url: {info.url or '-'}\npending updates: {info.pending_update_count}\n"
                        f"last error: {info.last_error_message or '-'}")
            if options["delete"]:
                await bot.delete_webhook(drop_pending_updates=bool(options["drop_pending"]))
                return "Webhook removed: use `manage.py runbot` (long polling)."
            secret = settings.TELEGRAM_WEBHOOK_SECRET
            if not secret:
                raise CommandError("TELEGRAM_WEBHOOK_SECRET is not set: the webhook would accept anyone's updates")
            url = str(options["url"] or f"{settings.SITE_URL}{reverse('bot:webhook')}")
            if not url.startswith("https://") and not settings.TELEGRAM_API_BASE.startswith("http://"):
                raise CommandError("Telegram delivers webhooks only to https:// addresses")
            connections = options["max_connections"]
            if connections is not None and connections not in MAX_CONNECTIONS:
                raise CommandError("--max-connections must be between 1 and 100")
            await bot.set_webhook(url=url, secret_token=secret, allowed_updates=ALLOWED_UPDATES,
                                  drop_pending_updates=bool(options["drop_pending"]),
                                  max_connections=connections)
            await set_commands(bot)
            return f"Webhook set: {url}"
        finally:
            await bot.session.close()

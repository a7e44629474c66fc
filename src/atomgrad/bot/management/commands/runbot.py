"""python manage.py runbot [--webhook] — the Telegram bot in its own process.

Long polling by default (development: no public address needed). With --webhook it serves Telegram's webhook
with aiohttp on --host/--port at --path (production, behind the HTTPS proxy; register the address once with
`manage.py setwebhook`). Either way the results broadcast runs in the background (--no-broadcast turns it off,
e.g. on extra replicas; the queue's lease keeps a single sender anyway).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from aiogram.fsm.storage.base import BaseEventIsolation
from aiogram.fsm.storage.memory import SimpleEventIsolation
from django.core.management.base import BaseCommand, CommandParser

from atomgrad.bot.broadcast import broadcast_worker
from atomgrad.bot.dispatcher import build_bot, get_dispatcher, set_commands
from atomgrad.bot.fsm_storage import storage_from_settings
from atomgrad.bot.logsafety import install_token_redaction
from atomgrad.bot.webhook import SECRET_HEADER, WebhookRejected, handle_update, webhook_payload

logger = logging.getLogger("atomgrad.bot")


class Command(BaseCommand):
    help = "Runs the Telegram bot: long polling by default, or the webhook server with --webhook."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--webhook", action="store_true", help="serve the webhook instead of long polling")
        parser.add_argument("--host", default="127.0.0.1", help="webhook server address (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8081, help="webhook server port (default 8081)")
        parser.add_argument("--path", default="/telegram/webhook/", help="webhook path (default /telegram/webhook/)")
        parser.add_argument("--no-broadcast", action="store_true", help="do not send the results notice queue")
        parser.add_argument("--concurrency", type=int, default=64,
                            help="updates handled at once in polling mode (default 64)")

    def handle(self, *args: object, **options: object) -> None:
        install_token_redaction()
        asyncio.run(self._main(options))

    async def _main(self, options: dict[str, object]) -> None:
        storage = storage_from_settings()
        isolation: BaseEventIsolation
        create_isolation = getattr(storage, "create_isolation", None)
        isolation = create_isolation() if create_isolation else SimpleEventIsolation()
        dispatcher = get_dispatcher(storage=storage, events_isolation=isolation, manage_db_connections=True)
        bot = build_bot()
        # The broadcast has its own Bot without the 429 retry: its queue reschedules deliveries itself, and
        # interactive replies must not wait behind its back-off.
        broadcast_bot = build_bot(retry_after=False)
        broadcaster: asyncio.Task[None] | None = None
        try:
            await set_commands(bot)
            if not options["no_broadcast"]:
                broadcaster = asyncio.create_task(broadcast_worker(broadcast_bot))
            if options["webhook"]:
                await self._serve_webhook(dispatcher, bot, str(options["host"]), int(options["port"]),  # type: ignore[call-overload]
                                          str(options["path"]))
            else:
                await bot.delete_webhook(drop_pending_updates=False)
                await dispatcher.start_polling(
                    bot, handle_as_tasks=True, tasks_concurrency_limit=int(options["concurrency"]),  # type: ignore[call-overload]
                    handle_signals=True, close_bot_session=False,
                )
        finally:
            if broadcaster is not None:
                broadcaster.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await broadcaster
            await broadcast_bot.session.close()
            await bot.session.close()

    async def _serve_webhook(self, dispatcher, bot, host: str, port: int, path: str) -> None:  # type: ignore[no-untyped-def]
        from aiohttp import web

        async def handle(request: web.Request) -> web.Response:
            body = await request.read()
            try:
                payload = webhook_payload(secret_header=request.headers.get(SECRET_HEADER), body=body)
                reply = await handle_update(dispatcher, bot, payload, reply=True)
            except WebhookRejected as rejected:
                logger.warning("webhook request rejected (%s): %s", rejected.status, rejected.reason)
                return web.Response(status=rejected.status)
            if reply is None:
                return web.Response(status=200)
            return web.Response(body=reply, content_type="application/json")

        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(path, handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self.stdout.write(f"Telegram webhook served on http://{host}:{port}{path}")
        self.stdout.flush()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, stop.set)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

"""Builds the bot's `Bot` (from settings) and its `Dispatcher` (routers, middlewares, the error handler).

    bot = build_bot()              # TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE
    dispatcher = get_dispatcher()  # one per process: the routers are module-level, as in aiogram's examples

The dispatcher holds no connection to anything: the same one serves long polling, the aiohttp webhook server
of `runbot --webhook` and the Django webhook view. A `Bot` holds an HTTP session bound to one event loop, so the
Django view makes one per request, and `runbot` one per process.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher, methods
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramRetryAfter
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.methods.base import Response
from aiogram.types import BotCommand, ErrorEvent, TelegramObject, Update
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from atomgrad.bot.fsm_storage import DjangoStorage
from atomgrad.bot.services import BotRefusal, adb_connections_refresh
from atomgrad.bot.texts import EN, RU, lang_of, t
from atomgrad.bot.webhook import AnswerInWebhookReply
from atomgrad.core.errors import ApplicationError

logger = logging.getLogger("atomgrad.bot")

# Seconds the HTTP client waits for the Bot API (long polling adds its own timeout on top).
REQUEST_TIMEOUT = 30


# aiogram checks every answer with `Response[method.__returning__]`, a parametrised pydantic model; pydantic
# caches such models only weakly, so without a reference each request builds one again (several ms of CPU).
# The methods the bot calls keep theirs here.
_USED_METHODS = (
    methods.AnswerCallbackQuery, methods.DeleteMessage, methods.DeleteWebhook, methods.EditMessageCaption,
    methods.EditMessageMedia, methods.EditMessageReplyMarkup, methods.EditMessageText, methods.GetMe,
    methods.GetUpdates, methods.GetWebhookInfo, methods.SendMessage, methods.SendPhoto, methods.SetMyCommands,
    methods.SetWebhook,
)
_RESPONSE_MODELS: list[type] = []


def _keep_response_models() -> None:
    if not _RESPONSE_MODELS:
        _RESPONSE_MODELS.extend(Response[method.__returning__] for method in _USED_METHODS)


class RequestScopedSession(AiohttpSession):
    """An HTTP session that lives for one webhook request: closing it does not wait the 250 ms aiogram waits
    for TLS connections to wind down gracefully (at worst the server sees an abrupt close)."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


class RetryAfterMiddleware(BaseRequestMiddleware):
    """Send a request again when Telegram answers 429 Too Many Requests, after the `retry_after` it names, so
    a voter does not miss a reply such as their receipt. At most `attempts` tries and `max_wait` seconds of
    waiting in all (a webhook update must be answered in time): beyond that the error goes to `on_error`."""

    def __init__(self, *, max_wait: float, attempts: int = 4) -> None:
        self.max_wait = max_wait
        self.attempts = attempts

    async def __call__(self, make_request: Any, bot: Bot, method: Any) -> Any:
        waited = 0.0
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                wait = float(error.retry_after)
                if attempt == self.attempts or waited + wait > self.max_wait:
                    raise
                logger.warning("%s answered 429: sending again in %s s (attempt %s)",
                               type(method).__name__, error.retry_after, attempt + 1)
                await asyncio.sleep(wait)
                waited += wait
        raise AssertionError("unreachable")  # the loop returns or raises


def build_bot(*, token: str | None = None, api_base: str | None = None, request_scoped: bool = False,
              retry_after: bool = True) -> Bot:
    """A Bot for TELEGRAM_BOT_TOKEN talking to TELEGRAM_API_BASE (the official server unless set).

    Messages are HTML; link previews are off (cards carry their own photo). `request_scoped` for a Bot made
    and closed within one request (the Django webhook view). `retry_after`: requests answered 429 are sent
    again after the wait Telegram names (`RetryAfterMiddleware`); the broadcast turns it off, its queue
    reschedules instead."""
    token = token or settings.TELEGRAM_BOT_TOKEN
    if not token:
        raise ImproperlyConfigured("TELEGRAM_BOT_TOKEN is not set")
    _keep_response_models()
    api = TelegramAPIServer.from_base(api_base or settings.TELEGRAM_API_BASE)
    session_class = RequestScopedSession if request_scoped else AiohttpSession
    session = session_class(api=api, timeout=REQUEST_TIMEOUT)
    session.middleware(AnswerInWebhookReply())  # inert outside `runbot --webhook`'s updates (bot.webhook)
    if retry_after:
        session.middleware(RetryAfterMiddleware(max_wait=settings.TELEGRAM_RETRY_MAX_WAIT))
    return Bot(
        token=token, session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


# --- middlewares -------------------------------------------------------------------------------------------


class LanguageMiddleware(BaseMiddleware):
    """`lang` for every handler: "en" for English-language Telegram clients, "ru" otherwise."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user = data.get("event_from_user")
        data["lang"] = lang_of(getattr(user, "language_code", None))
        return await handler(event, data)


class DatabaseConnectionsMiddleware(BaseMiddleware):
    """What Django does at the start of each request, at the start of each update: drop database connections
    that are broken or older than CONN_MAX_AGE. Only for the long-running bot process (a view's request
    already does it). Not again at the end, as Django also does: in a process that handles update after
    update the next one's check comes soon enough, and each check is a trip to the database thread (a few
    per cent of a card page's CPU, docs/PERFORMANCE.md)."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        await adb_connections_refresh()
        return await handler(event, data)


# --- errors ------------------------------------------------------------------------------------------------


def _update_language(update: Update) -> str:
    for event in (update.message, update.callback_query, update.edited_message):
        user = getattr(event, "from_user", None)
        if user is not None:
            return lang_of(user.language_code)
    return RU


async def on_error(event: ErrorEvent) -> bool:
    """Nothing a handler raises stops the bot: refusals are told in plain words, anything else is logged
    (with the update's id, never its content or the token) and answered "something went wrong" if possible."""
    exc, update = event.exception, event.update
    lang = _update_language(update)
    if isinstance(exc, ApplicationError):
        logger.info("update %s refused: %s", update.update_id, exc.code)
        text = exc.message(lang)
    elif isinstance(exc, BotRefusal):
        text = t(lang, exc.key)
    else:
        logger.error("update %s failed: %s", update.update_id, type(exc).__name__, exc_info=exc)
        text = t(lang, "error")
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text[:200], show_alert=True)
        elif update.message is not None:
            await update.message.answer(text)
    except Exception as answer_error:  # the API may be what failed; never let the error handler raise
        logger.warning("could not answer update %s after an error: %s", update.update_id,
                       type(answer_error).__name__)
    return True


# --- the dispatcher ----------------------------------------------------------------------------------------

_dispatcher: Dispatcher | None = None
_dispatcher_lock = threading.Lock()


def build_dispatcher(
    *,
    storage: BaseStorage | None = None,
    events_isolation: BaseEventIsolation | None = None,
    manage_db_connections: bool = False,
) -> Dispatcher:
    """Wire a Dispatcher: the FSM storage (the database unless given), the middlewares, the error handler
    and the feature routers in matching order. Routers attach once, so call this once per process (use
    `get_dispatcher`)."""
    from atomgrad.bot.handlers import ROUTERS

    dispatcher = Dispatcher(storage=storage or DjangoStorage(), events_isolation=events_isolation)
    if manage_db_connections:
        dispatcher.update.outer_middleware(DatabaseConnectionsMiddleware())
    dispatcher.update.outer_middleware(LanguageMiddleware())
    dispatcher.errors.register(on_error)
    dispatcher.include_routers(*ROUTERS)
    return dispatcher


def get_dispatcher(**options: Any) -> Dispatcher:
    """The process's dispatcher, built on first use with `options` (see `build_dispatcher`).

    `runbot` builds it first with its own options (Redis storage when configured, per-user event isolation,
    connection management); in the web process the Django webhook view builds it with the defaults."""
    global _dispatcher
    with _dispatcher_lock:
        if _dispatcher is None:
            _dispatcher = build_dispatcher(**options)
        elif options:
            raise RuntimeError("the bot's dispatcher is already built in this process")
        return _dispatcher


# --- the command menu --------------------------------------------------------------------------------------

COMMANDS = {
    RU: [("start", "Начать, регистрация"), ("candidates", "Соискатели моего города"),
         ("myvotes", "Мои голоса и квитанции"), ("rules", "Правила голосования"), ("results", "Итоги"),
         ("notify", "Уведомление об итогах"), ("help", "Помощь"), ("cancel", "Отменить")],
    EN: [("start", "Start, registration"), ("candidates", "Candidates of my city"),
         ("myvotes", "My votes and receipts"), ("rules", "Voting rules"), ("results", "Results"),
         ("notify", "Notice about the results"), ("help", "Help"), ("cancel", "Cancel")],
}


async def set_commands(bot: Bot) -> None:
    """The command menu in Telegram: Russian by default, English for English-language clients."""
    await bot.set_my_commands([BotCommand(command=c, description=d) for c, d in COMMANDS[RU]])
    await bot.set_my_commands([BotCommand(command=c, description=d) for c, d in COMMANDS[EN]], language_code="en")

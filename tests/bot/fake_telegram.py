"""A fake Telegram Bot API server on 127.0.0.1 for offline tests of the bot.

It answers the methods the bot calls the way the real server does (`{"ok": true, "result": …}` with valid
Message objects), records every call (method, parameters, arrival time), keeps what each chat shows (messages
with their text or photo and buttons, updated by edits and deletions) so a test can press a button by its
label, and can be told to answer 429 with `retry_after` or 403 (the user blocked the bot).

    fake = FakeTelegram(); fake.start()            # in a thread of its own, with its own event loop
    settings.TELEGRAM_API_BASE = fake.base_url     # aiogram: TelegramAPIServer.from_base(...)
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_USERNAME = "atomgrad_test_bot"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float  # time.monotonic() when the request arrived
    status: int = 200
    files: dict[str, int] = field(default_factory=dict)  # uploaded field name → size in bytes

    def upload_size(self, param: str) -> int:
        """Bytes uploaded for `param` (aiogram sends `photo=attach://<field>` and the file in <field>); 0 when
        the parameter names a file id or a URL instead."""
        value = self.params.get(param)
        if isinstance(value, dict):  # InputMedia
            value = value.get("media")
        if isinstance(value, str) and value.startswith("attach://"):
            return self.files.get(value.removeprefix("attach://"), 0)
        return 0

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None


def _decode(value: str) -> Any:
    """Form fields carry JSON for objects (reply_markup, media) and plain strings otherwise."""
    if value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class FakeTelegram:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._message_ids = itertools.count(1000)
        self._file_ids = itertools.count(1)
        self._retry_after: dict[str, list[int]] = {}
        self._forbidden_chats: set[int] = set()
        self._updates: list[dict[str, Any]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.bot_id = 0

    # --- control ---------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeTelegram:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self._serve())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())  # type: ignore[union-attr]
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-telegram", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake Telegram server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.messages.clear()
            self._retry_after.clear()
            self._forbidden_chats.clear()
            self._updates.clear()

    def make_webhook_reply(self, token: str, body: bytes) -> None:
        """Do what Telegram does with a webhook's answer that names a method: make that call (recorded like
        any other). Telegram does not tell the bot how it went, so neither does this."""
        if not body:
            return
        params = json.loads(body)
        method = params.pop("method")
        request = urllib.request.Request(  # noqa: S310 - this fake server's own http URL
            f"{self.base_url}/bot{token}/{method}", data=json.dumps(params).encode(),
            headers={"Content-Type": "application/json"},
        )
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=10).close()  # noqa: S310

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for a bot that long-polls (getUpdates)."""
        with self._lock:
            self._updates.append(update)

    def answer_429(self, method: str, *, times: int, retry_after: int = 1) -> None:
        """The next `times` calls of `method` are answered 429 Too Many Requests with `retry_after`."""
        with self._lock:
            self._retry_after.setdefault(method, []).extend([retry_after] * times)

    def forbid_chat(self, chat_id: int) -> None:
        """Messages to this chat are answered 403 (the user blocked the bot)."""
        with self._lock:
            self._forbidden_chats.add(chat_id)

    # --- reading what happened -------------------------------------------------------------------------

    def calls_of(self, *methods: str, chat_id: int | None = None, ok_only: bool = False) -> list[Call]:
        with self._lock:
            return [
                call for call in self.calls
                if (not methods or call.method in methods)
                and (chat_id is None or call.chat_id == chat_id)
                and (not ok_only or call.status == 200)
            ]

    def chat(self, chat_id: int) -> list[dict[str, Any]]:
        """The messages the bot's chat with `chat_id` shows now, oldest first."""
        with self._lock:
            return [message for (chat, _), message in sorted(self.messages.items()) if chat == chat_id]

    def last_message(self, chat_id: int) -> dict[str, Any]:
        messages = self.chat(chat_id)
        if not messages:
            raise AssertionError(f"the bot has not written to chat {chat_id}")
        return messages[-1]

    def last_photo(self, chat_id: int) -> dict[str, Any]:
        """The newest message with a photo (a candidate's card) in the chat."""
        for message in reversed(self.chat(chat_id)):
            if "photo" in message:
                return message
        raise AssertionError(f"no photo in chat {chat_id}")

    def texts(self, chat_id: int) -> list[str]:
        return [message.get("text") or message.get("caption") or "" for message in self.chat(chat_id)]

    def find_button(self, chat_id: int, label: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(message, button) of the newest message in the chat with an inline button whose text contains
        `label`."""
        for message in reversed(self.chat(chat_id)):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if label in button.get("text", ""):
                        return message, button
        raise AssertionError(f"no button {label!r} in chat {chat_id}: {self.texts(chat_id)[-3:]}")

    def buttons(self, message: dict[str, Any]) -> list[str]:
        return [
            button["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for button in row
        ]

    # --- the server ------------------------------------------------------------------------------------

    async def _serve(self) -> None:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/_control/calls", self._control_calls)
        app.router.add_post("/_control/message", self._control_message)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _control_calls(self, request: web.Request) -> web.Response:
        """For a fake server in another process (benchmarks): the number of calls so far, per method."""
        with self._lock:
            counts: dict[str, int] = {}
            for call in self.calls:
                counts[call.method] = counts.get(call.method, 0) + 1
        return web.json_response(counts)

    async def _control_message(self, request: web.Request) -> web.Response:
        """Put a message in a chat as if the bot had sent it (so that buttons under it can be edited)."""
        body = await request.json()
        self._store(int(body["chat_id"]), {"text": body.get("text", "")}, int(body["message_id"]))
        return web.json_response({"ok": True})

    async def _handle(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        token = request.match_info["token"]
        method = request.match_info["method"]
        self.bot_id = int(token.split(":", 1)[0])
        params: dict[str, Any] = {}
        files: dict[str, int] = {}
        if request.content_type == "application/json":
            params = await request.json()
        elif request.can_read_body:
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, str):
                    params[name] = _decode(value)
                else:  # an uploaded file
                    files[name] = len(value.file.read())
        call = Call(method=method, params=params, at=arrived, files=files)
        with self._lock:
            self.calls.append(call)
            retry = self._retry_after.get(method)
            retry_after = retry.pop(0) if retry else None
            forbidden = call.chat_id in self._forbidden_chats
        if retry_after is not None:
            call.status = 429
            return web.json_response(
                {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {retry_after}",
                 "parameters": {"retry_after": retry_after}},
                status=429,
            )
        if forbidden and method.startswith("send"):
            call.status = 403
            return web.json_response(
                {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}, status=403
            )
        if method == "getUpdates":
            return web.json_response({"ok": True, "result": await self._get_updates(params)})
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            call.status = 404
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        try:
            result = handler(params, files)
        except LookupError as exc:
            call.status = 400
            return web.json_response({"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"},
                                     status=400)
        return web.json_response({"ok": True, "result": result})

    # --- methods ---------------------------------------------------------------------------------------

    def _bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Новые Созидатели", "username": BOT_USERNAME}

    def _store(self, chat_id: int, content: dict[str, Any], message_id: int | None = None) -> dict[str, Any]:
        message_id = message_id or next(self._message_ids)
        message = {
            "message_id": message_id, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
            "from": self._bot_user(), **content,
        }
        with self._lock:
            self.messages[(chat_id, message_id)] = message
        return message

    def _existing(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        with self._lock:
            message = self.messages.get(key)
        if message is None:
            raise LookupError("message to edit not found")
        return message

    def _photo_sizes(self, photo: str) -> list[dict[str, Any]]:
        file_id = photo if not photo.startswith("attach://") else f"photo-file-{next(self._file_ids)}"
        return [{"file_id": file_id, "file_unique_id": f"u-{file_id}", "width": 320, "height": 400}]

    def _inline_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        markup = params.get("reply_markup")
        return {"reply_markup": markup} if isinstance(markup, dict) and "inline_keyboard" in markup else {}

    def _m_getme(self, params: dict[str, Any], files: dict[str, int]) -> dict[str, Any]:
        return {**self._bot_user(), "can_join_groups": False, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    def _m_sendmessage(self, params: dict[str, Any], files: dict[str, int]) -> dict[str, Any]:
        return self._store(int(params["chat_id"]), {"text": str(params["text"]), **self._inline_markup(params)})

    def _m_sendphoto(self, params: dict[str, Any], files: dict[str, int]) -> dict[str, Any]:
        content = {"photo": self._photo_sizes(str(params["photo"])), "caption": str(params.get("caption", "")),
                   **self._inline_markup(params)}
        return self._store(int(params["chat_id"]), content)

    def _m_editmessagetext(self, params: dict[str, Any], files: dict[str, int]) -> dict[str, Any]:
        message = self._existing(params)
        if "photo" in message:
            raise LookupError("there is no text in the message to edit")
        content = {"text": str(params["text"]), **self._inline_markup(params)}
        return self._store(message["chat"]["id"], content, message["message_id"])

    def _m_editmessagecaption(self, params: dict[str, Any], files: dict[str, int]) -> dict[str, Any]:
        message = self._existing(params)
        content = {**message, "caption": str(params.get("caption", "")), **self._inline_markup(params)}
        return self._store(message["chat"]["id"], content, message["message_id"])

    def _m_editmessagemedia(self, params: dict[str, Any], files: dict[str, int]) -> dict[str, Any]:
        message = self._existing(params)
        media = params["media"]
        content = {"photo": self._photo_sizes(str(media["media"])), "caption": str(media.get("caption", "")),
                   **self._inline_markup(params)}
        return self._store(message["chat"]["id"], content, message["message_id"])

    def _m_editmessagereplymarkup(self, params: dict[str, Any], files: dict[str, int]) -> dict[str, Any]:
        message = dict(self._existing(params))
        message.pop("reply_markup", None)
        message.update(self._inline_markup(params))
        with self._lock:
            self.messages[(message["chat"]["id"], message["message_id"])] = message
        return message

    def _m_deletemessage(self, params: dict[str, Any], files: dict[str, int]) -> bool:
        with self._lock:
            return self.messages.pop((int(params["chat_id"]), int(params["message_id"])), None) is not None

    def _m_answercallbackquery(self, params: dict[str, Any], files: dict[str, int]) -> bool:
        return True

    def _m_setwebhook(self, params: dict[str, Any], files: dict[str, int]) -> bool:
        return True

    def _m_deletewebhook(self, params: dict[str, Any], files: dict[str, int]) -> bool:
        return True

    def _m_getwebhookinfo(self, params: dict[str, Any], files: dict[str, int]) -> dict[str, Any]:
        url = next((call.params.get("url", "") for call in reversed(self.calls_of("setWebhook"))), "")
        return {"url": url, "has_custom_certificate": False, "pending_update_count": 0}

    def _m_setmycommands(self, params: dict[str, Any], files: dict[str, int]) -> bool:
        return True

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Long polling: updates from `offset` on (earlier ones are confirmed and dropped); waits up to
        `timeout` seconds (at most 0.2 here) when there are none."""
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 0.2)
        while True:
            with self._lock:
                self._updates = [update for update in self._updates if update["update_id"] >= offset]
                ready = list(self._updates)
            if ready or time.monotonic() >= deadline:
                return ready
            await asyncio.sleep(0.02)


if __name__ == "__main__":  # a fake server in a process of its own: prints its port, serves until killed
    server = FakeTelegram().start()
    print(server.port, flush=True)
    threading.Event().wait()

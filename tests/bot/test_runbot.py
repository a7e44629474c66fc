"""`manage.py runbot` as a process of its own: long polling, and the webhook server of --webhook."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from tests.bot.conftest import TOKEN, WEBHOOK_SECRET, BotDriver, TgUser
from tests.bot.fake_telegram import FakeTelegram

REPO = Path(__file__).resolve().parents[2]
ANNA = TgUser(id=901, first_name="Анна")

pytestmark = [pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    """The test database, for a process started by the test."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def start(fake: FakeTelegram, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE": fake.base_url,
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "SECRET_KEY": settings.SECRET_KEY,
        "PHONE_HASH_KEY": settings.PHONE_HASH_KEY,
        "LOG_LEVEL": "DEBUG",
    }
    return subprocess.Popen(
        [sys.executable, "src/manage.py", "runbot", *args], cwd=REPO, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def wait_for(condition, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    return output


def test_long_polling(telegram: FakeTelegram, world) -> None:
    driver = BotDriver(telegram)
    process = start(telegram)
    try:
        telegram.push_update(driver.text_update(ANNA, "/start"))
        wait_for(lambda: any("Согласие жителя" in text for text in telegram.texts(ANNA.id)))
        press = driver.callback_update(ANNA, "consent:yes", telegram.last_message(ANNA.id))
        telegram.push_update(press)
        wait_for(lambda: "Выберите город" in telegram.texts(ANNA.id)[-1])
        # polling answers a press through the Bot API (only runbot --webhook keeps it for its reply)
        wait_for(lambda: [call.params["callback_query_id"] for call in telegram.calls_of("answerCallbackQuery")]
                 == [press["callback_query"]["id"]])
    finally:
        output = stop(process)
    assert process.returncode == 0, output
    assert telegram.calls_of("deleteWebhook") and telegram.calls_of("setMyCommands")
    assert "Run polling" in output
    assert TOKEN not in output and TOKEN.split(":")[1] not in output


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def post(url: str, body: bytes, secret: str | None) -> int:
    return post_for_reply(url, body, secret)[0]


def post_for_reply(url: str, body: bytes, secret: str | None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310 - a local test server
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_the_webhook_server(telegram: FakeTelegram, world) -> None:
    driver = BotDriver(telegram)
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook/"
    process = start(telegram, "--webhook", "--port", str(port), "--no-broadcast")
    try:
        assert process.stdout is not None
        wait_for(lambda: "webhook served" in process.stdout.readline())
        update = json.dumps(driver.text_update(ANNA, "/help")).encode()
        assert post(url, update, "wrong") == 403
        assert post(url, update, None) == 403
        assert post(url, b"{not json", WEBHOOK_SECRET) == 400
        assert post(url, b'{"no": "update"}', WEBHOOK_SECRET) == 400
        assert not telegram.calls_of("sendMessage")
        assert post_for_reply(url, update, WEBHOOK_SECRET) == (200, b"")
        assert "/myvotes" in telegram.texts(ANNA.id)[-1]
        # a button press: its answer is the body of the reply, for Telegram to make
        press = driver.callback_update(ANNA, "noop", telegram.last_message(ANNA.id))
        status, reply = post_for_reply(url, json.dumps(press).encode(), WEBHOOK_SECRET)
        assert status == 200
        assert json.loads(reply) == {"method": "answerCallbackQuery",
                                     "callback_query_id": press["callback_query"]["id"]}
        assert not telegram.calls_of("answerCallbackQuery")
    finally:
        output = stop(process)
    assert process.returncode == 0, output
    assert TOKEN not in output

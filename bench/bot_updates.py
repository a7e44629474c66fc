#!/usr/bin/env python3
"""How many updates per second the bot process handles: vote callbacks (each one a real vote through
`vote_cast`, with its ledger entry, the receipt message and the card's buttons refreshed) and card paging,
against the fake Bot API server on 127.0.0.1.

    .venv/bin/python bench/bot_updates.py [--updates 600] [--concurrency 1 8 32]
    .venv/bin/python scripts/with_postgres.py --durable -- .venv/bin/python bench/bot_updates.py

It runs the bot the way `manage.py runbot` does (one process, one event loop, one HTTP session to the Bot
API, updates handled as concurrent tasks, the database reached through thread-sensitive `sync_to_async`) on
a throw-away test database (SQLite under var/, or PostgreSQL when DATABASE_URL is set). The fake Bot API
runs in a process of its own (as Telegram would), so it does not share the bot's interpreter. Not a timed
test: it prints figures for docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "src"), str(REPO)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atomgrad.settings")
os.environ.setdefault("TELEGRAM_BOT_TOKEN", "123456789:BENCH-token-0123456789abcdefghij")
os.environ.setdefault("TELEGRAM_WEBHOOK_SECRET", "bench-secret-0123456789")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from aiogram.fsm.storage.memory import SimpleEventIsolation  # noqa: E402
from aiogram.types import Update  # noqa: E402
from asgiref.sync import sync_to_async  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

CANDIDATES = 5
VOTES_PER_VOTER = 3


class FakeServerProcess:
    """tests/bot/fake_telegram.py in a subprocess, controlled over its /_control/ endpoints."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.bot.fake_telegram"], cwd=REPO, stdout=subprocess.PIPE, text=True
        )
        self.port = int(self.process.stdout.readline())  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{self.port}"

    def calls(self) -> int:
        with urllib.request.urlopen(f"{self.base_url}/_control/calls", timeout=10) as response:  # noqa: S310
            return sum(json.load(response).values())

    def put_message(self, chat_id: int, message_id: int) -> None:
        body = json.dumps({"chat_id": chat_id, "message_id": message_id, "text": "card"}).encode()
        request = urllib.request.Request(f"{self.base_url}/_control/message", data=body,  # noqa: S310
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10).close()  # noqa: S310

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def world(voters: int) -> tuple[list[int], list[int]]:
    """A season with voting open, one city, CANDIDATES published candidates, `voters` Telegram voters."""
    from tests.factories import ApplicationFactory, CityFactory, ConsentDocumentFactory, SeasonFactory

    from atomgrad.award.models import ConsentKind
    from atomgrad.award.selectors import candidate_list_published
    from atomgrad.bot.services import identity_from_verified_phone
    from atomgrad.voting.models import Channel
    from atomgrad.voting.services.identity import voter_register

    ConsentDocumentFactory(kind=ConsentKind.VOTER, version="bench-1")
    city = CityFactory(slug="sarov", name_ru="Саров", name_en="Sarov")
    season = SeasonFactory(phase="voting", votes_per_voter=VOTES_PER_VOTER, cities=[city])
    for _ in range(CANDIDATES):
        ApplicationFactory(season=season, city=city, status="accepted")
    # in the order the bot lists them, so that a card's index is the candidate's position
    candidates = list(candidate_list_published(season=season, city=city).values_list("id", flat=True))
    users = []
    for index in range(voters):
        user_id = 10_000_000 + index
        identity = identity_from_verified_phone(phone_e164=f"+7900{index:07d}", telegram_user_id=user_id)
        voter_register(season=season, identity=identity, city_slug="sarov", consent=True, channel=Channel.TELEGRAM)
        users.append(user_id)
    return users, candidates


_ids = itertools.count(1)


def card_buttons(candidate_id: int, index: int) -> dict:
    """The buttons a card shows after 🗳 was pressed (as Telegram sends them back with the button press)."""
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    from atomgrad.bot import keyboards
    from atomgrad.bot.callbacks import CardCallback, NoopCallback

    markup = InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text="◀", callback_data=CardCallback(index=index - 1).pack()),
         InlineKeyboardButton(text=f"{index + 1}/{CANDIDATES}", callback_data=NoopCallback().pack()),
         InlineKeyboardButton(text="▶", callback_data=CardCallback(index=index + 1).pack())],
        keyboards.confirm_row("ru", candidate_id=candidate_id, sphere_id=0, index=index),
        [InlineKeyboardButton(text="🌐", url=f"https://example.org/candidates/{candidate_id}/")],
    ])
    return markup.model_dump(exclude_none=True)


def callback(user_id: int, data: str, markup: dict | None = None) -> dict:
    message = {"message_id": 1, "date": 0, "chat": {"id": user_id, "type": "private"}, "text": "card"}
    if markup:
        message["reply_markup"] = markup
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": f"cb{next(_ids)}", "chat_instance": "bench", "data": data,
            "from": {"id": user_id, "is_bot": False, "first_name": "Житель", "language_code": "ru"},
            "message": message,
        },
    }


async def run(updates: list[dict], concurrency: int) -> tuple[float, list[float]]:
    """Feed `updates` with at most `concurrency` handled at once (as polling does with handle_as_tasks)."""
    from atomgrad.bot.dispatcher import build_bot, get_dispatcher

    dispatcher = get_dispatcher()
    bot = build_bot()
    slots = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def one(raw: dict) -> None:
        async with slots:
            started = time.perf_counter()
            await dispatcher.feed_update(bot, Update.model_validate(raw, context={"bot": bot}))
            latencies.append(time.perf_counter() - started)

    try:
        await bot.get_me()  # open the HTTP session outside the measurement
        started = time.perf_counter()
        await asyncio.gather(*(one(raw) for raw in updates))
        elapsed = time.perf_counter() - started
    finally:
        await bot.session.close()
    return elapsed, latencies


def say(text: str) -> None:
    print(text, flush=True)


def report(label: str, concurrency: int, count: int, elapsed: float, latencies: list[float]) -> None:
    latencies = sorted(latencies)
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    say(f"{label:<16} concurrency {concurrency:>3}: {count / elapsed:8.1f} updates/s   "
          f"p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   ({count} updates in {elapsed:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=600, help="vote callbacks per concurrency level")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    args = parser.parse_args()


    from atomgrad.bot.callbacks import CardCallback, VoteConfirmCallback
    from atomgrad.bot.dispatcher import get_dispatcher
    from atomgrad.bot.fsm_storage import DjangoStorage
    from atomgrad.bot.models import FSMRecord
    from atomgrad.voting.models import Vote

    fake = FakeServerProcess()
    settings.TELEGRAM_API_BASE = fake.base_url
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        get_dispatcher(storage=DjangoStorage(), events_isolation=SimpleEventIsolation(),
                       manage_db_connections=True)
        voters_needed = -(-args.updates // VOTES_PER_VOTER) * len(args.concurrency)
        users, candidates = world(voters_needed)
        vendor = connection.vendor
        say(f"bot updates — {vendor}, Python {platform.python_version()}, {os.cpu_count()} cores, "
              f"{time.strftime('%Y-%m-%d')}")
        for user in users:  # the card each button press belongs to
            fake.put_message(user, 1)
        user_iter = iter(users)
        for concurrency in args.concurrency:
            updates = []
            while len(updates) < args.updates:
                user = next(user_iter)
                updates += [callback(user, VoteConfirmCallback(candidate_id=candidate, index=index).pack(),
                                     card_buttons(candidate, index))
                            for index, candidate in enumerate(candidates[:VOTES_PER_VOTER])]
            updates = updates[:args.updates]
            before, calls_before = Vote.objects.count(), fake.calls()
            elapsed, latencies = asyncio.run(run(updates, concurrency))
            accepted = Vote.objects.count() - before
            assert accepted == len(updates), f"{accepted} of {len(updates)} votes accepted"
            report("vote callbacks", concurrency, len(updates), elapsed, latencies)
            calls = fake.calls() - calls_before
            say(f"{'':<16} ({calls / len(updates):.1f} Bot API calls per update)")
        for concurrency in args.concurrency:
            updates = [callback(users[index % len(users)], CardCallback(index=index).pack())
                       for index in range(args.updates)]
            elapsed, latencies = asyncio.run(run(updates, concurrency))
            report("card paging", concurrency, len(updates), elapsed, latencies)
        assert not FSMRecord.objects.exists()
    finally:
        fake.stop()
        # the database thread of sync_to_async holds its own connection: close it before dropping the database
        asyncio.run(sync_to_async(connections.close_all)())
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

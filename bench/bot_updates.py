#!/usr/bin/env python3
"""How many updates per second the bot process handles: vote callbacks (each one a real vote through
`vote_cast`, with its ledger entry, the receipt message and the card's buttons refreshed) and card paging,
against the fake Bot API server on 127.0.0.1.

    .venv/bin/python bench/bot_updates.py [--updates 600] [--concurrency 1 8 32]
    .venv/bin/python scripts/with_postgres.py --durable -- .venv/bin/python bench/bot_updates.py
    .venv/bin/python scripts/with_postgres.py --durable -- .venv/bin/python bench/bot_updates.py \
        --concurrency --processes 1 2 4 --web-api      # the webhook servers, and the web API in the same run

In-process (`--concurrency`, optional): the dispatcher fed directly, no HTTP in front.

Webhook (`--processes P …`): P `manage.py runbot --webhook` processes (the production mode), Update JSON
POSTed to them by a load generator in this process, one user's updates always to the same process (as a
sticky proxy does; the FSM isolation is per process without Redis). First closed loop at
`--webhook-concurrency` (the peak), then open loop at 80% of that peak (`--rate-share`), where the p99 counts:
latency from the moment an update was due to its answer (runbot answers after handling it). As Telegram, the
load generator keeps at most `--telegram-connections` requests in flight (its webhook `max_connections`, 40 by
default) on kept-alive connections; an update due while all are busy waits, and the wait counts.

Web API (`--web-api`, PostgreSQL): bench/vote_http.py on a second database of the same PostgreSQL server, right
after, gunicorn sync:4 at concurrency 8 and 32; the bot's vote callbacks are printed as a share of its best.

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
PAGERS = 64  # voters who only page cards


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


PHOTO = [{"file_id": "bench-photo", "file_unique_id": "bench-photo", "width": 320, "height": 400}]


def callback(user_id: int, data: str, markup: dict | None = None, *, photo: bool = False) -> dict:
    """A button press under message 1 of the user's chat: a text message, or (`photo`) a card with its photo, as
    a card that is paged is (so the bot edits the photo and caption in place)."""
    message = {"message_id": 1, "date": 0, "chat": {"id": user_id, "type": "private"}}
    message.update({"photo": PHOTO, "caption": "card"} if photo else {"text": "card"})
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


def _database_url() -> str:
    """The URL of the benchmark's test database, for the processes this benchmark starts."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    from urllib.parse import quote

    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    return f"postgres://{credentials}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


def say(text: str) -> None:
    print(text, flush=True)


def report(label: str, concurrency: int, count: int, elapsed: float, latencies: list[float]) -> None:
    latencies = sorted(latencies)
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    say(f"{label:<16} concurrency {concurrency:>3}: {count / elapsed:8.1f} updates/s   "
          f"p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   ({count} updates in {elapsed:.2f} s)")


# --- the webhook servers -----------------------------------------------------------------------------------


def load_average() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


class WebhookServers:
    """P `manage.py runbot --webhook` processes on the benchmark's database, each with a fake Bot API of its
    own (the fake is one Python process: shared, it would measure itself)."""

    def __init__(self, count: int, database_url: str) -> None:
        self.fakes = [FakeServerProcess() for _ in range(count)]
        self.ports: list[int] = []
        self.processes: list[subprocess.Popen[str]] = []
        env = dict(os.environ, DATABASE_URL=database_url, LOG_LEVEL="WARNING",
                   PYTHONPATH=os.pathsep.join([str(REPO / "src"), str(REPO)]))
        env.pop("DEBUG", None)
        for fake in self.fakes:
            port = _free_port()
            process = subprocess.Popen(
                [sys.executable, "manage.py", "runbot", "--webhook", "--no-broadcast", "--port", str(port)],
                cwd=REPO / "src", env=dict(env, TELEGRAM_API_BASE=fake.base_url), stdout=subprocess.PIPE, text=True,
            )
            self.processes.append(process)
            self.ports.append(port)
        for process in self.processes:
            line = process.stdout.readline()  # type: ignore[union-attr]
            if "webhook served" not in line:
                raise RuntimeError(f"runbot did not start: {line!r}")

    def port_of(self, user_id: int) -> int:
        return self.ports[user_id % len(self.ports)]

    def calls(self) -> int:
        return sum(fake.calls() for fake in self.fakes)

    def put_message(self, chat_id: int, message_id: int) -> None:
        self.fakes[self.ports.index(self.port_of(chat_id))].put_message(chat_id, message_id)

    def cpu_seconds(self) -> float:
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for process in self.processes:
            fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / ticks

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(15)
        for fake in self.fakes:
            fake.stop()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def post_updates(servers: WebhookServers, updates: list[dict], *, concurrency: int = 0,
                       rate: float = 0, connections: int = 40) -> tuple[float, list[float], int]:
    """POST the updates to their user's server: closed loop at `concurrency`, or open loop at `rate` a
    second (latency from the moment each was due, so time spent waiting for a connection counts). At most
    `connections` requests in flight, kept alive, as Telegram delivers a webhook's updates (its
    `max_connections`, 40 unless `setwebhook --max-connections` says otherwise). Every answer must be 200.
    Also returns how many answers
    carried a Bot API call for Telegram to make (a button's answer: Telegram's work, not the bot's, so the
    fake server is not asked to make it)."""
    import aiohttp

    secret = os.environ["TELEGRAM_WEBHOOK_SECRET"]
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"}
    latencies: list[float] = []
    replies = 0
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def one(raw: dict, due: float) -> None:
            user = (raw.get("callback_query") or raw.get("message"))["from"]["id"]
            url = f"http://127.0.0.1:{servers.port_of(user)}/telegram/webhook/"
            nonlocal replies
            async with session.post(url, data=json.dumps(raw), headers=headers) as response:
                body = await response.read()
                if response.status != 200:
                    raise RuntimeError(f"webhook answered {response.status}")
            if body:
                replies += json.loads(body)["method"] == "answerCallbackQuery"
            latencies.append(time.perf_counter() - due)

        started = time.perf_counter()
        if concurrency:
            queue = iter(updates)

            async def client() -> None:
                for raw in queue:
                    await one(raw, time.perf_counter())

            await asyncio.gather(*(client() for _ in range(concurrency)))
        else:
            tasks = []
            for number, raw in enumerate(updates):
                due = started + number / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one(raw, due)))
            await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    return elapsed, latencies, replies


def percentile_ms(latencies: list[float], share: float) -> float:
    ordered = sorted(latencies)
    return 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def web_api_votes_per_second(database_url: str, concurrency: list[int], requests: int) -> float | None:
    """bench/vote_http.py (gunicorn sync:4, `POST /api/v1/votes`) on a fresh database of the same PostgreSQL
    server as the bot's; its best closed-loop votes/s."""
    import tempfile

    import psycopg

    base, _slash, _name = database_url.rpartition("/")
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS bench_web_api")
        admin.execute("CREATE DATABASE bench_web_api")
    with tempfile.TemporaryDirectory(prefix="atomgrad-bot-webapi-") as tmp:
        result = Path(tmp) / "vote_http.json"
        command = [sys.executable, str(REPO / "bench" / "vote_http.py"), "--databases", "postgres",
                   "--database-url", f"{base}/bench_web_api", "--concurrency", ",".join(map(str, concurrency)),
                   "--requests", str(requests), "--level-seconds", "15", "--rate", "0", "--raw", "0",
                   "--pgbench", "0", "--layers", "0", "--no-floor", "--json", str(result)]
        say(f"web API: {' '.join(command[1:])}")
        completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=900, check=False)
        if completed.returncode != 0 or not result.exists():
            say(f"web API benchmark failed:\n{completed.stdout[-2000:]}{completed.stderr[-2000:]}")
            return None
        runs = json.loads(result.read_text())["runs"]
    for row in runs[0]["http"]:
        say(f"web API          concurrency {row['concurrency']:>3}: {row['per_second']:8.1f} votes/s     "
            f"p50 {row['p50_ms']:6.1f} ms   p99 {row['p99_ms']:6.1f} ms   (load before {row['load']})")
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS bench_web_api")
    return max(row["per_second"] for row in runs[0]["http"])


def webhook_phase(args: argparse.Namespace, database_url: str, users: list[int], candidates: list[int],
                  used_users: int) -> float:
    """Every `--processes` configuration: vote callbacks, then card paging, each closed loop then open loop
    at `--rate-share` of the closed loop's rate. Returns the best vote callbacks/s."""
    from atomgrad.bot.callbacks import CardCallback, VoteConfirmCallback
    from atomgrad.voting.models import Vote

    best = 0.0
    pagers, fresh = users[-PAGERS:], iter(users[used_users:-PAGERS])

    def vote_updates(count: int) -> list[dict]:
        updates: list[dict] = []
        while len(updates) < count:
            user = next(fresh)
            updates += [callback(user, VoteConfirmCallback(candidate_id=candidate, index=index).pack(),
                                 card_buttons(candidate, index))
                        for index, candidate in enumerate(candidates[:VOTES_PER_VOTER])]
        return updates[:count]

    def paging_updates(count: int) -> list[dict]:
        return [callback(pagers[index % len(pagers)], CardCallback(index=index).pack(), photo=True)
                for index in range(count)]

    for processes in args.processes:
        servers = WebhookServers(processes, database_url)
        try:
            for user in users:
                servers.put_message(user, 1)
            asyncio.run(post_updates(servers, paging_updates(20 * processes), concurrency=processes))  # warm up
            for what, make, count in (("vote callbacks", vote_updates, args.webhook_updates),
                                      ("card paging", paging_updates, args.webhook_updates * 2)):
                peak = 0.0
                for mode in ("closed", "open"):
                    updates = make(count if mode == "closed" else int(count * args.rate_share))
                    votes_before, calls_before = Vote.objects.count(), servers.calls()
                    cpu_before = servers.cpu_seconds()
                    load = load_average()
                    if mode == "closed":
                        elapsed, latencies, replies = asyncio.run(
                            post_updates(servers, updates, concurrency=args.webhook_concurrency,
                                         connections=args.telegram_connections))
                        peak = len(updates) / elapsed
                        label = f"c {args.webhook_concurrency}"
                    else:
                        rate = peak * args.rate_share
                        elapsed, latencies, replies = asyncio.run(
                            post_updates(servers, updates, rate=rate, connections=args.telegram_connections))
                        label = f"{rate:.0f}/s"
                    if what == "vote callbacks":
                        accepted = Vote.objects.count() - votes_before
                        assert accepted == len(updates), f"{accepted} of {len(updates)} votes accepted"
                        if mode == "closed":
                            best = max(best, peak)
                    cpu = servers.cpu_seconds() - cpu_before
                    calls = servers.calls() - calls_before
                    say(f"{what:<16} {processes} proc {mode:>6} {label:>8}: {len(updates) / elapsed:8.1f} updates/s   "
                        f"p50 {percentile_ms(latencies, 0.5):6.1f} ms   p99 {percentile_ms(latencies, 0.99):6.1f} ms   "
                        f"bot CPU {1000 * cpu / len(updates):5.1f} ms/update   "
                        f"{calls / len(updates):.1f} API calls/update (+{replies / len(updates):.1f} in the reply)   "
                        f"load {load}")
        finally:
            servers.stop()
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=600, help="vote callbacks per concurrency level")
    parser.add_argument("--concurrency", type=int, nargs="*", default=[1, 8, 32],
                        help="in-process levels (none: skip the in-process run)")
    parser.add_argument("--processes", type=int, nargs="*", default=[],
                        help="webhook configurations: this many runbot --webhook processes (e.g. 1 2 4)")
    parser.add_argument("--webhook-concurrency", type=int, default=32, help="updates in flight, closed loop")
    parser.add_argument("--webhook-updates", type=int, default=600,
                        help="vote callbacks per webhook measurement (card pages: twice as many)")
    parser.add_argument("--rate-share", type=float, default=0.8, help="the open loop's rate, share of the peak")
    parser.add_argument("--telegram-connections", type=int, default=40,
                        help="requests in flight at most, as Telegram's webhook max_connections (default 40)")
    parser.add_argument("--web-api", action="store_true",
                        help="PostgreSQL: also the web API's votes/s (bench/vote_http.py) on the same server")
    parser.add_argument("--web-api-concurrency", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--web-api-requests", type=int, default=1500, help="votes per web API level")
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
        in_process_voters = voters_needed
        voters_needed += -(-int(args.webhook_updates * (1 + args.rate_share)) // VOTES_PER_VOTER) * len(args.processes)
        users, candidates = world(voters_needed + PAGERS)
        pagers = users[-PAGERS:]  # who pages the cards (never votes)
        vendor = connection.vendor
        say(f"bot updates — {vendor}, Python {platform.python_version()}, {os.cpu_count()} cores, "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.processor() or platform.machine()}, "
            f"load average {load_average()}")
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
            updates = [callback(pagers[index % len(pagers)], CardCallback(index=index).pack(), photo=True)
                       for index in range(args.updates)]
            elapsed, latencies = asyncio.run(run(updates, concurrency))
            report("card paging", concurrency, len(updates), elapsed, latencies)
        assert not FSMRecord.objects.exists()
        best_callbacks = 0.0
        if args.processes:
            connection.close()
            database_url = _database_url()
            best_callbacks = webhook_phase(args, database_url, users, candidates, in_process_voters)
        if args.web_api:
            if vendor != "postgresql":
                say("web API: PostgreSQL only (run under scripts/with_postgres.py --durable)")
            else:
                web = web_api_votes_per_second(_database_url(), args.web_api_concurrency, args.web_api_requests)
                if web and best_callbacks:
                    say(f"vote callbacks (best webhook configuration) / web API votes/s: "
                        f"{best_callbacks:.1f} / {web:.1f} = {100 * best_callbacks / web:.0f}% (goal: at least 60%)")
    finally:
        fake.stop()
        # the database thread of sync_to_async holds its own connection: close it before dropping the database
        asyncio.run(sync_to_async(connections.close_all)())
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

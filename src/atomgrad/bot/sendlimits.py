"""Telegram's sending limits held in the database, so that they hold across every bot process.

Two limits matter for the results notice: the bot's overall rate (`TELEGRAM_BROADCAST_RATE`, 25 messages in any
second, spaced evenly) and one chat's (about one message a second). Each is a row (`bot.models.SendSlot`) that a
sender locks for the moment it takes its slot:

    start = send_slot_take(key="broadcast", interval=0.044)   # the slot: wait until `start`, then send

Slots taken from any number of processes are distinct and at least `interval` apart (tests/bot/
test_sendlimits.py fires parallel senders at one row on SQLite and PostgreSQL). A 429 answer pushes the row's
next slot past its `retry_after` for everybody (`send_slot_hold`).

Interactive replies (a receipt, a card) do not go through these rows: each answers the person's own button
press, one or two messages per press, and a 429 on them is waited for and sent again (`RetryAfterMiddleware`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from asgiref.sync import sync_to_async
from django.db import transaction

from atomgrad.bot.models import SendSlot

BROADCAST_KEY = "broadcast"
CHAT_INTERVAL = 1.1  # seconds between two notices to one chat (Telegram: about one message a second per chat)


def chat_key(chat_id: int) -> str:
    return f"chat:{chat_id}"


def _slot_locked(key: str) -> SendSlot:
    """The limit's row, created on first use, locked until the caller's transaction ends (SELECT … FOR UPDATE on
    PostgreSQL; SQLite's IMMEDIATE transaction holds the database's write lock)."""
    SendSlot.objects.get_or_create(key=key)
    return SendSlot.objects.select_for_update().get(key=key)


def send_slot_take(*, key: str, interval: float, now: float | None = None) -> float:
    """Take the next slot of the limit `key`: the later of `now` and the row's next start; the row's next start
    moves `interval` past it. Returns the slot (seconds since the epoch). One transaction, the row locked."""
    now = time.time() if now is None else now
    with transaction.atomic():
        slot = _slot_locked(key)
        start = max(now, slot.next_start)
        slot.next_start = start + interval
        slot.save(update_fields=["next_start"])
    return start


def send_slot_hold(*, key: str, until: float) -> None:
    """No slot of `key` before `until` (a 429's retry_after applies to every sender)."""
    with transaction.atomic():
        slot = _slot_locked(key)
        if slot.next_start < until:
            slot.next_start = until
            slot.save(update_fields=["next_start"])


_atake = sync_to_async(send_slot_take)
_ahold = sync_to_async(send_slot_hold)


class SharedSendLimiter:
    """The broadcast's limiter across processes: at most `rate` starts in any `per × (1 + margin)` seconds
    overall (starts an interval apart; the margin absorbs jitter between our clock and the moment a request
    reaches Telegram), and per chat one start every CHAT_INTERVAL seconds. `acquire()` waits for the overall
    slot (the chat's is taken with the delivery's claim, `broadcast.deliveries_claim`); `pause(seconds)` holds
    every process back (written into the row at the next acquire)."""

    def __init__(self, rate: int, per: float = 1.0, margin: float = 0.1, *,
                 clock: Callable[[], float] = time.time) -> None:
        if rate < 1:
            raise ValueError("rate must be at least 1")
        self.interval = per * (1 + margin) / rate
        self.clock = clock
        self.paused_until = 0.0

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, self.clock() + seconds)

    async def acquire(self) -> None:
        now = self.clock()
        if self.paused_until > now:
            await _ahold(key=BROADCAST_KEY, until=self.paused_until)
        start = await _atake(key=BROADCAST_KEY, interval=self.interval, now=now)
        if (wait := start - self.clock()) > 0:
            await asyncio.sleep(wait)

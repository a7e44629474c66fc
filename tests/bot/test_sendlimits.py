"""The sending limits held in the database (`bot.sendlimits`): senders in parallel — each with a database
connection of its own, as separate bot processes have — get distinct slots an interval apart, so the overall
rate and the per-chat limit hold across them; on SQLite and on PostgreSQL. No clock is read: every sender asks
at the same fixed moment, the worst case, and the test checks the schedule the database handed out."""

from __future__ import annotations

import pytest
from tests.concurrency import raised, run_each

from atomgrad.bot.broadcast import DEFAULT_RATE
from atomgrad.bot.models import SendSlot
from atomgrad.bot.sendlimits import (
    BROADCAST_KEY,
    CHAT_INTERVAL,
    SharedSendLimiter,
    chat_key,
    send_slot_hold,
    send_slot_take,
)

NOW = 1_000_000.0  # the moment every sender asks at (seconds since the epoch)


def parallel_takes(senders: int, each: int, key: str, interval: float) -> list[float]:
    """`senders` threads released together, each taking `each` slots in a row; all the slots, sorted."""
    outcomes = run_each(senders, lambda _: [send_slot_take(key=key, interval=interval, now=NOW) for _ in range(each)])
    assert not raised(outcomes), raised(outcomes)
    return sorted(slot for slots in outcomes for slot in slots)  # type: ignore[attr-defined]


@pytest.mark.django_db(transaction=True)
def test_parallel_senders_keep_the_overall_rate_together() -> None:
    interval = SharedSendLimiter(DEFAULT_RATE).interval
    slots = parallel_takes(8, 15, BROADCAST_KEY, interval)
    assert len(slots) == 120 and len(set(slots)) == 120  # nobody got a slot twice
    assert slots[0] == NOW
    gaps = [later - earlier for earlier, later in zip(slots, slots[1:], strict=False)]
    assert min(gaps) >= interval - 1e-9
    # at most DEFAULT_RATE starts in any second: the (rate+1)-th start after any start is a second or more later
    assert all(slots[i + DEFAULT_RATE] - slots[i] >= 1.0 for i in range(len(slots) - DEFAULT_RATE))
    assert SendSlot.objects.get(key=BROADCAST_KEY).next_start == pytest.approx(slots[-1] + interval)


@pytest.mark.django_db(transaction=True)
def test_parallel_senders_to_one_chat_are_a_chat_interval_apart() -> None:
    slots = parallel_takes(6, 3, chat_key(42), CHAT_INTERVAL)
    gaps = [later - earlier for earlier, later in zip(slots, slots[1:], strict=False)]
    assert len(slots) == 18 and min(gaps) >= CHAT_INTERVAL - 1e-9
    assert send_slot_take(key=chat_key(43), interval=CHAT_INTERVAL, now=NOW) == NOW  # another chat: no wait


@pytest.mark.django_db(transaction=True)
def test_a_429_holds_every_sender_back() -> None:
    send_slot_take(key=BROADCAST_KEY, interval=0.044, now=NOW)
    send_slot_hold(key=BROADCAST_KEY, until=NOW + 30)
    slots = parallel_takes(4, 2, BROADCAST_KEY, 0.044)
    assert slots[0] == NOW + 30

"""The results notice: exactly one message per opted-in voter, at most 25 a second, obeying 429 retry_after,
resumable after a restart without duplicates."""

from __future__ import annotations

import asyncio
import collections
import itertools

import pytest
from asgiref.sync import async_to_sync
from django.core.management import call_command
from django.utils import timezone
from tests.bot.fake_telegram import FakeTelegram
from tests.factories import SeasonVoterFactory, VoterIdentityFactory

from atomgrad.bot.broadcast import (
    broadcast_enqueue_published,
    broadcast_results_enqueue,
    broadcast_run,
    broadcast_run_pending,
    lease_take,
)
from atomgrad.bot.dispatcher import build_bot
from atomgrad.bot.models import BroadcastDelivery, DeliveryStatus, TelegramAccount
from atomgrad.bot.sendlimits import SharedSendLimiter, send_slot_hold, send_slot_take
from atomgrad.voting.models import SeasonVoter

pytestmark = pytest.mark.django_db

LIMIT = 25  # messages in any one second
_ids = itertools.count(9000)


def voters(world, count: int, *, opted_in: bool = True, language: str = "ru") -> list[int]:
    """`count` Telegram voters of the season; returns their chat ids."""
    chats = []
    for _ in range(count):
        user_id = next(_ids)
        identity = VoterIdentityFactory(telegram_user_id=user_id)
        SeasonVoterFactory(season=world.season, identity=identity, city=world.city, registered_via="telegram")
        TelegramAccount.objects.create(telegram_user_id=user_id, chat_id=user_id, language_code=language,
                                       notify_results=opted_in)
        chats.append(user_id)
    return chats


async def _run(job_id: int) -> bool:
    bot = build_bot(retry_after=False)
    try:
        return await broadcast_run(bot, job_id=job_id)
    finally:
        await bot.session.close()


def run(job_id: int) -> bool:
    return async_to_sync(_run)(job_id)


def max_in_any_second(times: list[float]) -> int:
    times = sorted(times)
    return max((sum(1 for other in times[i:] if other - start < 1.0) for i, start in enumerate(times)), default=0)


def ok_sends_per_chat(fake: FakeTelegram) -> collections.Counter[int]:
    return collections.Counter(call.chat_id for call in fake.calls_of("sendMessage", ok_only=True))


def test_every_opted_in_voter_gets_exactly_one_notice_within_the_flood_limits(telegram: FakeTelegram, world) -> None:
    chats = voters(world, 60)
    english = voters(world, 2, language="en")
    silent = voters(world, 5, opted_in=False)
    stranger = next(_ids)  # opted in, but never registered as a voter
    TelegramAccount.objects.create(telegram_user_id=stranger, chat_id=stranger, notify_results=True)
    telegram.answer_429("sendMessage", times=3, retry_after=1)

    job, added = broadcast_results_enqueue(season=world.season)
    assert added == 62
    assert run(job.pk) is True

    sent = ok_sends_per_chat(telegram)
    assert set(sent) == set(chats + english) and set(sent.values()) == {1}
    assert not set(silent) & set(sent) and stranger not in sent
    calls = telegram.calls_of("sendMessage")
    assert sum(1 for call in calls if call.status == 429) == 3
    assert max_in_any_second([call.at for call in calls]) <= LIMIT
    # after each 429 the whole queue waited retry_after (only requests already on their way may arrive)
    for refused in (call for call in calls if call.status == 429):
        during_pause = [call for call in calls if refused.at + 0.2 < call.at < refused.at + 0.95]
        assert not during_pause
    texts = {call.chat_id: call.params["text"] for call in telegram.calls_of("sendMessage", ok_only=True)}
    assert "Итоги народной премии" in texts[chats[0]] and "results" in texts[english[0]]
    assert set(BroadcastDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    job.refresh_from_db()
    assert job.finished_at is not None


def test_a_restart_resumes_without_sending_anyone_twice(telegram: FakeTelegram, world) -> None:
    chats = voters(world, 40)
    job, _ = broadcast_results_enqueue(season=world.season)

    async def interrupted() -> None:
        bot = build_bot(retry_after=False)
        task = asyncio.create_task(broadcast_run(bot, job_id=job.pk))
        while len(telegram.calls_of("sendMessage", ok_only=True)) < 10:
            await asyncio.sleep(0.02)
        task.cancel()  # the process is stopped mid-way
        with pytest.raises(asyncio.CancelledError):
            await task
        await bot.session.close()

    async_to_sync(interrupted)()
    first_round = len(telegram.calls_of("sendMessage", ok_only=True))
    assert 10 <= first_round < len(chats)
    assert BroadcastDelivery.objects.filter(status=DeliveryStatus.PENDING).exists()

    assert run(job.pk) is True  # the restarted worker finishes the job
    sent = ok_sends_per_chat(telegram)
    assert set(sent) == set(chats) and set(sent.values()) == {1}


def test_a_delivery_a_dead_worker_had_claimed_is_not_sent_again(telegram: FakeTelegram, world) -> None:
    """The worker was killed after claiming (and maybe sending): the notice may have been delivered, so the
    next worker leaves it "uncertain" rather than risk a duplicate."""
    chats = voters(world, 5)
    job, _ = broadcast_results_enqueue(season=world.season)
    claimed = BroadcastDelivery.objects.get(chat_id=chats[0])
    claimed.status = DeliveryStatus.SENDING
    claimed.save()
    job.lease_owner, job.lease_until = "dead-worker", timezone.now() - timezone.timedelta(seconds=1)
    job.save()

    assert run(job.pk) is True
    claimed.refresh_from_db()
    assert claimed.status == DeliveryStatus.UNCERTAIN
    assert chats[0] not in ok_sends_per_chat(telegram)
    assert set(ok_sends_per_chat(telegram)) == set(chats[1:])

    call_command("broadcast_results", "--retry-uncertain", "--send", stdout=_Sink())  # an operator's choice
    assert ok_sends_per_chat(telegram)[chats[0]] == 1


def test_a_live_lease_keeps_a_second_worker_out(telegram: FakeTelegram, world) -> None:
    voters(world, 3)
    job, _ = broadcast_results_enqueue(season=world.season)
    assert lease_take(job_id=job.pk, owner="the-other-worker")
    assert run(job.pk) is False
    assert not telegram.calls_of("sendMessage")


def test_people_who_blocked_the_bot_are_marked_and_not_retried(telegram: FakeTelegram, world) -> None:
    chats = voters(world, 3)
    telegram.forbid_chat(chats[1])
    job, _ = broadcast_results_enqueue(season=world.season)
    assert run(job.pk) is True

    assert BroadcastDelivery.objects.get(chat_id=chats[1]).status == DeliveryStatus.BLOCKED
    assert TelegramAccount.objects.get(chat_id=chats[1]).blocked_at is not None
    assert len(telegram.calls_of("sendMessage", chat_id=chats[1])) == 1
    job2, added = broadcast_results_enqueue(season=world.season)
    assert job2 == job and added == 0  # blocked people are not queued again


def test_enqueueing_again_adds_only_new_opt_ins(telegram: FakeTelegram, world) -> None:
    first = voters(world, 3)
    job, _ = broadcast_results_enqueue(season=world.season)
    assert run(job.pk) is True
    later = voters(world, 2)

    job2, added = broadcast_results_enqueue(season=world.season)
    assert job2 == job and added == 2

    async def pending() -> int:
        bot = build_bot(retry_after=False)
        try:
            return await broadcast_run_pending(bot)
        finally:
            await bot.session.close()

    assert async_to_sync(pending)() == 1
    sent = ok_sends_per_chat(telegram)
    assert set(sent) == set(first + later) and set(sent.values()) == {1}


def test_opting_in_from_the_bot_puts_the_voter_in_the_queue(driver, world) -> None:
    from tests.bot.conftest import TgUser, register

    anna, boris = TgUser(id=8101), TgUser(id=8102)
    register(driver, anna, "79001234567")
    driver.press(anna, "Да, сообщить")
    register(driver, boris, "79161234567")
    driver.press(boris, "Нет, спасибо")
    assert "Уведомлений об итогах не будет" in driver.fake.texts(boris.id)[-2]

    job, added = broadcast_results_enqueue(season=world.season)
    assert added == 1 and job.deliveries.get().chat_id == anna.id
    driver.text(anna, "/notify")  # toggles off
    assert not TelegramAccount.objects.get(telegram_user_id=anna.id).notify_results


def simulate(key: str, now: list[float], count: int, *, idle_every: int = 0,
             pauses: tuple[int, ...] = ()) -> list[float]:
    """Start `count` sends as soon as the shared limiter's row `key` lets them (what `SharedSendLimiter.acquire`
    asks of it), on a simulated clock; return the start times."""
    interval = SharedSendLimiter(LIMIT).interval
    starts = []
    for index in range(count):
        if index in pauses:
            send_slot_hold(key=key, until=now[0] + 1.5)
        now[0] = send_slot_take(key=key, interval=interval, now=now[0])
        starts.append(now[0])
        now[0] += 0.3 if idle_every and index % idle_every == 0 else 0.001
    return starts


def publish(world, city) -> None:  # type: ignore[no-untyped-def]
    """The organisers publish the city's signed result (rows as the results app writes them)."""
    from tests.factories import make_organiser

    from atomgrad.results.models import CityProtocol, ProtocolStatus, Publication

    organiser = make_organiser()
    now = timezone.now()
    protocol = CityProtocol.objects.create(
        season=world.season, city=city, version=1, status=ProtocolStatus.SIGNED, created_at=now,
        created_by=organiser, pdf="protocols/p.pdf", pdf_sha256="0" * 64, ledger_sequence=0,
        ledger_head_hash="0" * 64, data={}, data_digest="0" * 64, signed_at=now, signed_by=organiser,
    )
    Publication.objects.create(season=world.season, city=city, protocol=protocol, published_at=now,
                               published_by=organiser)


def test_publishing_a_citys_results_notifies_that_citys_voters(telegram: FakeTelegram, world) -> None:
    """The worker of `runbot` notices the publication by itself and tells the voters of that city only."""
    from atomgrad.bot.broadcast import broadcast_worker

    in_sarov = voters(world, 3)
    in_zarechny = []
    for chat in voters(world, 2):
        SeasonVoter.objects.filter(identity__telegram_user_id=chat).update(city=world.other_city)
        in_zarechny.append(chat)

    async def worker_running(until_sent: int) -> None:
        bot = build_bot(retry_after=False)
        stop = asyncio.Event()
        worker = asyncio.create_task(broadcast_worker(bot, interval=0.1, stop=stop))
        await asyncio.sleep(0.5)
        while len(telegram.calls_of("sendMessage", ok_only=True)) < until_sent:
            await asyncio.sleep(0.05)
        stop.set()
        await worker
        await bot.session.close()

    async_to_sync(worker_running)(0)
    assert not telegram.calls_of("sendMessage")  # nothing is published yet
    publish(world, world.city)
    async_to_sync(worker_running)(len(in_sarov))

    sent = ok_sends_per_chat(telegram)
    assert set(sent) == set(in_sarov) and set(sent.values()) == {1}
    text = telegram.calls_of("sendMessage", ok_only=True)[0].params["text"]
    assert "в городе Саров опубликованы" in text
    assert f"https://atomgrad.example/results/{world.season.year}/sarov/" in text
    assert broadcast_enqueue_published() == []  # once per city


def test_the_limiter_schedule_never_exceeds_the_rate() -> None:
    """As a property of the schedule (a simulated clock): bursts, pauses and idle gaps alike."""
    now = [0.0]
    starts = simulate("test:bursts", now, 500, idle_every=7, pauses=(40, 41, 300))
    assert max_in_any_second(starts) <= LIMIT

    now = [0.0]
    steady = simulate("test:steady", now, 500)
    assert max_in_any_second(steady) <= LIMIT
    assert len(steady) / steady[-1] > 0.85 * LIMIT  # and under steady load it sends close to the limit


class _Sink:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass

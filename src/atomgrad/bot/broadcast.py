"""The results notice: one message to every voter who asked for it, through a queue that keeps Telegram's
flood limits and survives restarts without sending anyone the notice twice.

- When organisers publish a city's results (`results.Publication`), `broadcast_enqueue_published()` (run by
  the worker every round) creates that city's job, once, with one `BroadcastDelivery` row per opted-in
  Telegram voter of the city (unique per job and account, so a second call only adds people who opted in
  since). `broadcast_results_enqueue(season=…, city=None)` does the same for the whole season by hand.
- `broadcast_run(bot, job_id=…)` sends a job's pending deliveries; `broadcast_run_pending(bot)` every
  unfinished job. `runbot` does the latter in the background; `manage.py broadcast_results --send` in the
  foreground.

Flood limits: at most `TELEGRAM_BROADCAST_RATE` (25) messages in any second, spaced evenly, and one notice a
second per chat, across every process (`bot.sendlimits.SharedSendLimiter`: a row per limit in the database);
a 429 answer pauses the whole queue, in every process, for its `retry_after` and the message goes back to the
queue (Telegram did not deliver it). Only one worker sends a job at a time: the holder of the job's lease.

At most once: a delivery is claimed (pending → sending) by an atomic update before the request goes out and
marked sent after Telegram's answer. A worker that dies in between leaves it "sending"; the next lease holder
marks such rows "uncertain" and does not send them again (the message may have been delivered). The same
for a network error or a server error, whose outcome is unknown. `broadcast_results --retry-uncertain`
puts them back in the queue when an operator prefers a possible duplicate to a possible miss.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from asgiref.sync import sync_to_async
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from atomgrad.award.models import Season
from atomgrad.bot.models import BroadcastDelivery, BroadcastJob, BroadcastKind, DeliveryStatus, TelegramAccount
from atomgrad.bot.sendlimits import CHAT_INTERVAL, SharedSendLimiter, chat_key, send_slot_take
from atomgrad.bot.services import adb_connections_refresh, city_results_url, results_url
from atomgrad.bot.texts import EN, RU, t
from atomgrad.cities.models import City
from atomgrad.voting.models import VoterIdentity

logger = logging.getLogger("atomgrad.bot.broadcast")

DEFAULT_RATE = 25  # messages per second, overall (Telegram's limit for bulk notices is about 30)
MAX_ATTEMPTS = 5  # 429 answers for one delivery before it is given up as failed
MAX_IN_FLIGHT = 8  # requests waiting for Telegram's answer at once (keeps the rate with a slow network)
LEASE_SECONDS = 60


def broadcast_rate() -> int:
    return int(getattr(settings, "TELEGRAM_BROADCAST_RATE", None) or os.environ.get("TELEGRAM_BROADCAST_RATE")
               or DEFAULT_RATE)


def limiter_shared() -> SharedSendLimiter:
    """The broadcast's limiter: in the database, so the rate and the per-chat limit hold across processes."""
    return SharedSendLimiter(broadcast_rate())


# --- the queue in the database -----------------------------------------------------------------------------


def _results_texts(season: Season, city: City | None) -> tuple[str, str]:
    if city is None:
        url = results_url(season.year)
        return (t(RU, "broadcast_results", title=season.title, url=url),
                t(EN, "broadcast_results", title=season.title, url=url))
    url = city_results_url(season.year, city.slug)
    return (t(RU, "broadcast_city_results", title=season.title, city=city.name_ru, url=url),
            t(EN, "broadcast_city_results", title=season.title, city=city.name_en, url=url))


def broadcast_results_enqueue(*, season: Season, city: City | None = None) -> tuple[BroadcastJob, int]:
    """The results notice and its recipients: Telegram accounts that opted in, are not blocked and belong to
    a voter registered in the season (in `city`, when given). Idempotent: a second call adds only people who
    opted in since. Returns (job, deliveries added)."""
    with transaction.atomic():
        text_ru, text_en = _results_texts(season, city)
        job, _created = BroadcastJob.objects.get_or_create(
            season=season, kind=BroadcastKind.RESULTS, city=city, defaults={"text_ru": text_ru, "text_en": text_en}
        )
        registrations = {"season_registrations__season": season}
        if city is not None:
            registrations["season_registrations__city"] = city
        voters = VoterIdentity.objects.filter(telegram_user_id__isnull=False, **registrations).values(
            "telegram_user_id"
        )
        recipients = TelegramAccount.objects.filter(
            notify_results=True, blocked_at__isnull=True, telegram_user_id__in=voters
        ).exclude(deliveries__job=job)
        rows = [
            BroadcastDelivery(
                job=job, account=account, chat_id=account.chat_id,
                language=EN if (account.language_code or "").startswith("en") else RU,
            )
            for account in recipients
        ]
        BroadcastDelivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        if rows and job.finished_at is not None:
            BroadcastJob.objects.filter(pk=job.pk).update(finished_at=None)
            job.finished_at = None
    logger.info("results notice of season %s%s: %d recipients added", season.year,
                f" ({city.slug})" if city else "", len(rows))
    return job, len(rows)


def broadcast_enqueue_published(*, season: Season | None = None) -> list[tuple[BroadcastJob, int]]:
    """A results notice for every city whose results the organisers have published (`results.Publication`)
    and that has no notice yet. The bot's worker calls this every round, so publishing the results is all it
    takes; nothing in the results app needs to know about the bot."""
    if not apps.is_installed("atomgrad.results"):
        return []
    from atomgrad.results.models import Publication

    publications = Publication.objects.select_related("season", "city").order_by("published_at", "id")
    if season is not None:
        publications = publications.filter(season=season)
    noticed = BroadcastJob.objects.filter(kind=BroadcastKind.RESULTS, city__isnull=False).values_list(
        "season_id", "city_id"
    )
    done = set(noticed)
    return [
        broadcast_results_enqueue(season=publication.season, city=publication.city)
        for publication in publications
        if (publication.season_id, publication.city_id) not in done
    ]


def lease_take(*, job_id: int, owner: str) -> bool:
    """Take (or renew) the job's lease. Taking it over from a dead worker turns the deliveries that worker
    had claimed into "uncertain" (they may have been sent). Returns False if another worker holds it."""
    now = timezone.now()
    with transaction.atomic():
        job = BroadcastJob.objects.select_for_update().filter(pk=job_id, finished_at__isnull=True).first()
        if job is None:
            return False
        if job.lease_owner and job.lease_owner != owner and job.lease_until and job.lease_until > now:
            return False
        if job.lease_owner != owner:
            orphaned = BroadcastDelivery.objects.filter(job=job, status=DeliveryStatus.SENDING).update(
                status=DeliveryStatus.UNCERTAIN, error="the sending worker stopped before Telegram answered"
            )
            if orphaned:
                logger.warning("broadcast %s: %d deliveries left uncertain by a stopped worker", job_id, orphaned)
        job.lease_owner = owner
        job.lease_until = now + dt.timedelta(seconds=LEASE_SECONDS)
        job.save(update_fields=["lease_owner", "lease_until"])
    return True


def lease_release(*, job_id: int, owner: str) -> None:
    BroadcastJob.objects.filter(pk=job_id, lease_owner=owner).update(lease_owner="", lease_until=None)


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    chat_id: int
    text: str
    not_before: float = 0.0  # the chat's own slot (seconds since the epoch)


def deliveries_claim(*, job_id: int, limit: int) -> list[Claimed]:
    """Claim up to `limit` pending deliveries (pending → sending, one atomic update each), each with its chat's
    sending slot (`bot.sendlimits`) taken in the same call, so that no extra wait for the database falls between
    a claim and its request (a worker stopped there leaves the delivery uncertain)."""
    job = BroadcastJob.objects.get(pk=job_id)
    pending = list(
        BroadcastDelivery.objects.filter(job_id=job_id, status=DeliveryStatus.PENDING)
        .order_by("id").values_list("id", "chat_id", "language")[:limit]
    )
    claimed = []
    now = timezone.now()
    for delivery_id, chat_id, language in pending:
        taken = BroadcastDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        if taken:
            not_before = send_slot_take(key=chat_key(chat_id), interval=CHAT_INTERVAL)
            claimed.append(Claimed(delivery_id, chat_id, job.text_en if language == EN else job.text_ru, not_before))
    return claimed


def delivery_sent(*, delivery_id: int, message_id: int | None) -> None:
    BroadcastDelivery.objects.filter(pk=delivery_id).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), message_id=message_id, error=""
    )


def delivery_requeue(*, delivery_id: int, error: str) -> None:
    """Back to the queue (Telegram refused with 429, so nothing was delivered), or failed after MAX_ATTEMPTS."""
    BroadcastDelivery.objects.filter(pk=delivery_id, attempts__lt=MAX_ATTEMPTS).update(
        status=DeliveryStatus.PENDING, error=error[:255]
    )
    BroadcastDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.FAILED, error=f"gave up after {MAX_ATTEMPTS} attempts: {error}"[:255]
    )


def delivery_end(*, delivery_id: int, status: str, error: str) -> None:
    with transaction.atomic():
        BroadcastDelivery.objects.filter(pk=delivery_id).update(status=status, error=error[:255])
        if status == DeliveryStatus.BLOCKED:
            TelegramAccount.objects.filter(deliveries__pk=delivery_id).update(blocked_at=timezone.now())


def job_finish_if_done(*, job_id: int, owner: str) -> bool:
    open_rows = BroadcastDelivery.objects.filter(
        job_id=job_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]
    )
    if open_rows.exists():
        return False
    BroadcastJob.objects.filter(pk=job_id, lease_owner=owner).update(
        finished_at=timezone.now(), lease_owner="", lease_until=None
    )
    return True


def jobs_unfinished() -> list[int]:
    return list(BroadcastJob.objects.filter(finished_at__isnull=True).order_by("id").values_list("id", flat=True))


def deliveries_retry_uncertain(*, job_id: int) -> int:
    """An operator's choice: send the uncertain ones again (some may get the notice twice)."""
    with transaction.atomic():
        count = BroadcastDelivery.objects.filter(job_id=job_id, status=DeliveryStatus.UNCERTAIN).update(
            status=DeliveryStatus.PENDING
        )
        if count:
            BroadcastJob.objects.filter(pk=job_id).update(finished_at=None)
    return count


def job_counts(*, job_id: int) -> dict[str, int]:
    counts = {status: 0 for status in DeliveryStatus.values}
    rows = BroadcastDelivery.objects.filter(job_id=job_id).values("status").order_by().annotate(n=Count("id"))
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts


_alease_take = sync_to_async(lease_take)
_alease_release = sync_to_async(lease_release)
_aclaim = sync_to_async(deliveries_claim)
_asent = sync_to_async(delivery_sent)
_arequeue = sync_to_async(delivery_requeue)
_aend = sync_to_async(delivery_end)
_afinish = sync_to_async(job_finish_if_done)
_ajobs = sync_to_async(jobs_unfinished)
_aenqueue_published = sync_to_async(broadcast_enqueue_published)


# --- the sender --------------------------------------------------------------------------------------------


def worker_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def _send_one(bot: Bot, item: Claimed, limiter: SharedSendLimiter, backoff: list[float]) -> None:
    try:
        if (wait := item.not_before - time.time()) > 0:  # this chat had a notice less than a second ago
            await asyncio.sleep(wait)
        sent = await bot.send_message(item.chat_id, item.text, parse_mode=None)
    except TelegramRetryAfter as exc:
        limiter.pause(exc.retry_after)
        logger.info("broadcast: 429, pausing %s s", exc.retry_after)
        await _arequeue(delivery_id=item.delivery_id, error=f"429 retry_after={exc.retry_after}")
    except TelegramForbiddenError as exc:
        await _aend(delivery_id=item.delivery_id, status=DeliveryStatus.BLOCKED, error=str(exc.message))
    except TelegramBadRequest as exc:
        await _aend(delivery_id=item.delivery_id, status=DeliveryStatus.FAILED, error=str(exc.message))
    except (TelegramNetworkError, TelegramServerError) as exc:
        backoff[0] = min(60.0, max(1.0, backoff[0] * 2))
        limiter.pause(backoff[0])
        logger.warning("broadcast: %s, pausing %.0f s", type(exc).__name__, backoff[0])
        await _aend(delivery_id=item.delivery_id, status=DeliveryStatus.UNCERTAIN, error=type(exc).__name__)
    except Exception as exc:  # unknown outcome: never retried automatically
        logger.exception("broadcast: unexpected error")
        await _aend(delivery_id=item.delivery_id, status=DeliveryStatus.UNCERTAIN, error=type(exc).__name__)
    else:
        backoff[0] = 0.5
        await _asent(delivery_id=item.delivery_id, message_id=sent.message_id)


async def broadcast_run(
    bot: Bot, *, job_id: int, limiter: SharedSendLimiter | None = None, owner: str | None = None,
    max_in_flight: int = MAX_IN_FLIGHT,
) -> bool:
    """Send the job's pending deliveries. Returns True when the job is finished, False if another worker
    holds its lease. Each delivery is claimed only when the limiter lets it go out, so a worker stopped at any
    moment leaves at most the requests in flight undecided. Cancelling the task stops it."""
    limiter = limiter or limiter_shared()
    owner = owner or worker_name()
    if not await _alease_take(job_id=job_id, owner=owner):
        return False
    lease_renewed = time.monotonic()
    in_flight: set[asyncio.Task[None]] = set()
    slots = asyncio.Semaphore(max_in_flight)
    backoff = [0.5]

    async def send(item: Claimed) -> None:
        try:
            await _send_one(bot, item, limiter, backoff)
        finally:
            slots.release()

    try:
        while True:
            if time.monotonic() - lease_renewed > LEASE_SECONDS / 3:
                if not await _alease_take(job_id=job_id, owner=owner):
                    logger.warning("broadcast %s: lease lost, stopping", job_id)
                    return False
                lease_renewed = time.monotonic()
            await slots.acquire()
            try:
                await limiter.acquire()
                claimed = await _aclaim(job_id=job_id, limit=1)
            except BaseException:
                slots.release()
                raise
            if not claimed:
                slots.release()
                if in_flight:
                    await asyncio.wait(in_flight)
                    continue  # a 429 may have put a delivery back in the queue
                if await _afinish(job_id=job_id, owner=owner):
                    logger.info("broadcast %s finished", job_id)
                    return True
                await asyncio.sleep(0.2)
                continue
            task = asyncio.create_task(send(claimed[0]))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
    finally:
        if in_flight:
            await asyncio.gather(*in_flight, return_exceptions=True)
        await _alease_release(job_id=job_id, owner=owner)


async def broadcast_run_pending(bot: Bot, *, limiter: SharedSendLimiter | None = None) -> int:
    """Send every unfinished job (one after another, one limiter for all). Returns the jobs finished."""
    limiter = limiter or limiter_shared()
    finished = 0
    for job_id in await _ajobs():
        if await broadcast_run(bot, job_id=job_id, limiter=limiter):
            finished += 1
    return finished


async def broadcast_worker(bot: Bot, *, interval: float = 15.0, stop: asyncio.Event | None = None) -> None:
    """The background loop of `runbot`: every `interval` seconds, queue the notices of newly published
    results and send whatever is unfinished."""
    limiter = limiter_shared()
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            await adb_connections_refresh()  # as around a request: drop broken or expired connections
            await _aenqueue_published()
            await broadcast_run_pending(bot, limiter=limiter)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("broadcast worker: a round failed, trying again later")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


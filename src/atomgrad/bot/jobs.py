"""The results notice as a long job of the task queue (`atomgrad.jobs`): organisers send it from
`/committee/results/` and watch it go out, without a `runbot` process. The sending itself is the bot's
broadcast queue (`bot.broadcast`: the flood limits, nobody twice, the lease); this job queues the notices of the
season's published cities, sends every unfinished one, reports progress and leaves a CSV report."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any, BinaryIO

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from atomgrad.award.models import Season
from atomgrad.bot.models import BroadcastJob, DeliveryStatus
from atomgrad.cities.permissions import user_is_organiser
from atomgrad.core.errors import ApplicationError
from atomgrad.jobs.registry import JobKind, JobResult, Progress, User, register

RESULTS_BROADCAST = "results_broadcast"
DONE_STATUSES = (DeliveryStatus.SENT, DeliveryStatus.BLOCKED, DeliveryStatus.FAILED, DeliveryStatus.UNCERTAIN)
PROGRESS_EVERY_SECONDS = 1.0


def _season(params: dict[str, Any]) -> Season:
    season = Season.objects.filter(year=params.get("season")).first()
    if season is None:
        raise ApplicationError("season_not_found", "Такого сезона нет.", "There is no such season.", status=404)
    return season


def _check(params: dict[str, Any]) -> None:
    from atomgrad.results.models import Publication

    if not settings.TELEGRAM_BOT_TOKEN:
        raise ApplicationError("bot_not_configured", "Бот не настроен (нет TELEGRAM_BOT_TOKEN): отправлять некому.",
                               "The bot is not configured (no TELEGRAM_BOT_TOKEN).", status=409)
    if not Publication.objects.filter(season=_season(params)).exists():
        raise ApplicationError("nothing_published", "Итоги сезона ещё не опубликованы: сообщать пока не о чем.",
                               "No result of the season is published yet.", status=409)


def _counts(job_ids: list[int]) -> tuple[int, int, dict[str, int]]:
    from django.db.models import Count

    from atomgrad.bot.models import BroadcastDelivery

    by_status = {status: 0 for status in DeliveryStatus.values}
    for row in (BroadcastDelivery.objects.filter(job_id__in=job_ids).values("status").order_by()
                .annotate(n=Count("id"))):
        by_status[row["status"]] = row["n"]
    total = sum(by_status.values())
    return sum(by_status[status] for status in DONE_STATUSES), total, by_status


async def _send(job_ids: list[int], progress: Progress) -> None:
    from atomgrad.bot.broadcast import broadcast_run_pending
    from atomgrad.bot.dispatcher import build_bot

    report = sync_to_async(lambda: progress(*_counts(job_ids)[:2], _("отправка уведомлений")))
    bot = build_bot(retry_after=False)  # the queue reschedules a 429 itself
    sending = asyncio.create_task(broadcast_run_pending(bot))
    try:
        while not sending.done():
            await report()
            await asyncio.wait({sending}, timeout=PROGRESS_EVERY_SECONDS)
        await sending
        await report()
    finally:
        await bot.session.close()


def _run(*, params: dict[str, Any], output: BinaryIO, progress: Progress,
         actor: AbstractBaseUser | None) -> JobResult:
    from atomgrad.bot.broadcast import broadcast_enqueue_published

    _check(params)
    season = _season(params)
    broadcast_enqueue_published(season=season)
    jobs = list(BroadcastJob.objects.filter(season=season).select_related("city").order_by("id"))
    job_ids = [job.pk for job in jobs]
    async_to_sync(_send)(job_ids, progress)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["notice", *DeliveryStatus.values])
    for job in jobs:
        by_status = _counts([job.pk])[2]
        writer.writerow([job.city.slug if job.city else "season", *(by_status[s] for s in DeliveryStatus.values)])
    output.write(("\ufeff" + text.getvalue()).encode("utf-8"))
    by_status = _counts(job_ids)[2]
    return JobResult(
        filename=f"results-notice-{season.year}.csv",
        summary=(f"Доставлено: {by_status[DeliveryStatus.SENT]}; заблокировали бота: "
                 f"{by_status[DeliveryStatus.BLOCKED]}; не доставлено: {by_status[DeliveryStatus.FAILED]}; "
                 f"исход неизвестен: {by_status[DeliveryStatus.UNCERTAIN]}."),
    )


def _title(params: dict[str, Any]) -> str:
    return _("Уведомление об итогах в Телеграме, %(year)s") % {"year": params.get("season")}


def _organisers(user: User, params: dict[str, Any]) -> bool:
    return user_is_organiser(user)


def register_jobs() -> None:
    register(JobKind(name=RESULTS_BROADCAST, title=_title, may_start=_organisers, run=_run, check=_check,
                     content_type="text/csv; charset=utf-8"))

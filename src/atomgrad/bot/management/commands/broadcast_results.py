"""python manage.py broadcast_results [--season YEAR] [--whole-season] [--send] [--retry-uncertain]

The Telegram notice that results are published. `runbot` queues it by itself for every city whose results the
organisers publish, and sends the queue in the background. This command does the same now, in this process:
it queues the notices of the season's published cities (--whole-season: one notice for every opted-in voter
of the season, published or not), and with --send sends every unfinished notice and prints the outcome.
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from django.core.management.base import BaseCommand, CommandError, CommandParser

from atomgrad.award.models import Season
from atomgrad.award.selectors import season_current
from atomgrad.bot.broadcast import (
    broadcast_enqueue_published,
    broadcast_results_enqueue,
    broadcast_run_pending,
    deliveries_retry_uncertain,
    job_counts,
)
from atomgrad.bot.dispatcher import build_bot
from atomgrad.bot.logsafety import install_token_redaction
from atomgrad.bot.models import BroadcastJob


class Command(BaseCommand):
    help = "Queues (and with --send, sends) the Telegram notices that the season's results are published."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--season", type=int, help="season year (default: the current season)")
        parser.add_argument("--whole-season", action="store_true",
                            help="one notice to every opted-in voter of the season, whatever is published")
        parser.add_argument("--send", action="store_true", help="send the queue now instead of leaving it to runbot")
        parser.add_argument("--retry-uncertain", action="store_true",
                            help="queue again the deliveries whose outcome is unknown (may duplicate a few)")

    def handle(self, *args: object, **options: object) -> None:
        install_token_redaction()
        season = Season.objects.filter(year=options["season"]).first() if options["season"] else season_current()
        if season is None:
            raise CommandError("no such season")
        queued = broadcast_enqueue_published(season=season)
        if options["whole_season"]:
            queued.append(broadcast_results_enqueue(season=season))
        for job, added in queued:
            self.stdout.write(f"{job}: {added} recipient(s) added to the queue.")
        jobs = list(BroadcastJob.objects.filter(season=season).select_related("city", "season").order_by("id"))
        if not jobs:
            self.stdout.write(f"No results of {season.year} are published yet: nothing to send.")
            return
        if options["retry_uncertain"]:
            again = sum(deliveries_retry_uncertain(job_id=job.pk) for job in jobs)
            self.stdout.write(f"{again} uncertain delivery(ies) queued again.")
        if options["send"]:
            # async_to_sync, not asyncio.run: the database calls inside come back to this thread
            async_to_sync(self._send)()
        for job in jobs:
            counts = job_counts(job_id=job.pk)
            self.stdout.write(f"{job}: " + ", ".join(f"{status} {count}" for status, count in counts.items()))

    async def _send(self) -> None:
        bot = build_bot(retry_after=False)  # the queue reschedules a 429 itself
        try:
            await broadcast_run_pending(bot)
        finally:
            await bot.session.close()

"""python manage.py broadcast_results [--season YEAR] [--send] [--retry-uncertain] — the results notice.

Queues the notice for every Telegram voter of the season who opted in (run it when the results are
published; running it again only adds people who opted in since). `runbot` sends the queue in the
background; --send sends it now, in this process, and prints the outcome.
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from django.core.management.base import BaseCommand, CommandError, CommandParser

from atomgrad.award.models import Season
from atomgrad.award.selectors import season_current
from atomgrad.bot.broadcast import broadcast_results_enqueue, broadcast_run, deliveries_retry_uncertain, job_counts
from atomgrad.bot.dispatcher import build_bot
from atomgrad.bot.logsafety import install_token_redaction


class Command(BaseCommand):
    help = "Queues (and with --send, sends) the Telegram notice that the season's results are published."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--season", type=int, help="season year (default: the current season)")
        parser.add_argument("--send", action="store_true", help="send the queue now instead of leaving it to runbot")
        parser.add_argument("--retry-uncertain", action="store_true",
                            help="queue again the deliveries whose outcome is unknown (may duplicate a few)")

    def handle(self, *args: object, **options: object) -> None:
        install_token_redaction()
        season = Season.objects.filter(year=options["season"]).first() if options["season"] else season_current()
        if season is None:
            raise CommandError("no such season")
        job, added = broadcast_results_enqueue(season=season)
        self.stdout.write(f"Results notice of {season.year}: {added} recipient(s) added to the queue.")
        if options["retry_uncertain"]:
            self.stdout.write(f"{deliveries_retry_uncertain(job_id=job.pk)} uncertain delivery(ies) queued again.")
        if options["send"]:
            # async_to_sync, not asyncio.run: the database calls inside go back to this thread
            async_to_sync(self._send)(job.pk)
        counts = job_counts(job_id=job.pk)
        self.stdout.write(", ".join(f"{status}: {count}" for status, count in counts.items()))

    async def _send(self, job_id: int) -> None:
        bot = build_bot()
        try:
            finished = await broadcast_run(bot, job_id=job_id)
        finally:
            await bot.session.close()
        if not finished:
            self.stdout.write("Another worker is sending this notice right now (see runbot).")

"""Delete the detection signals and findings of seasons published more than N days ago (docs/integrity.md).

Run daily (cron or a scheduler). N is INTEGRITY_SIGNALS_RETENTION_DAYS (90) unless --days says otherwise.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from atomgrad.integrity.services import integrity_purge, retention_days


class Command(BaseCommand):
    help = "Удалить сигналы голосов и выводы проверки сезонов, опубликованных больше N дней назад."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, help="N (по умолчанию INTEGRITY_SIGNALS_RETENTION_DAYS)")
        parser.add_argument("--dry-run", action="store_true", help="только показать, что будет удалено")

    def handle(self, *args: Any, **options: Any) -> None:
        days = retention_days() if options["days"] is None else options["days"]
        if days < 0:
            raise CommandError("--days: не меньше нуля. / --days must be zero or more.")
        purged = integrity_purge(days=days, dry_run=options["dry_run"])
        if not purged:
            self.stdout.write(f"Нечего удалять: нет сезонов, опубликованных больше {days} дн. назад с сигналами.")
            return
        for season in purged:
            if options["dry_run"]:
                self.stdout.write(f"{season.year}: опубликован {season.published_at:%Y-%m-%d} — будет очищен")
            else:
                self.stdout.write(f"{season.year}: удалено сигналов голосов {season.vote_signals}, "
                                  f"избирателей {season.voter_signals}, выводов проверки {season.findings}")

"""`manage.py otp_purge [--older-than-hours N]`: delete old one-time codes and idle lock rows (run daily)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from atomgrad.voting.services.identity import otp_purge


class Command(BaseCommand):
    help = "Удалить старые одноразовые коды и ненужные строки блокировок (запускать раз в сутки)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than-hours", type=int, default=24,
                            help="удалить коды старше стольких часов (не меньше 1; по умолчанию 24)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = otp_purge(older_than=dt.timedelta(hours=options["older_than_hours"]))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Удалено: кодов {counts['codes']}, строк номеров {counts['numbers']}, адресов {counts['addresses']}."
        )

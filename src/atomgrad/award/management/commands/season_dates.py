"""Change a season's phase dates from the command line, through the same service as the admin:

    manage.py season_dates --season 2026 --voting-close-at "2026-10-20 23:59" --reason "Продление по решению…"

Times without an offset are Moscow time. A change that cuts the open phase short asks for `--yes`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from atomgrad.award.models import Season
from atomgrad.award.services.seasons import (
    SEASON_DATE_FIELDS,
    describe_change,
    season_dates_change,
    season_dates_preview,
)
from atomgrad.core.errors import ApplicationError
from atomgrad.core.timefmt import MOSCOW


def parse_moment(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(f"not a date and time: {value!r} (use 2026-10-20 23:59, Moscow time)") from None
    return moment.replace(tzinfo=MOSCOW) if moment.tzinfo is None else moment


class Command(BaseCommand):
    help = "Change a season's phase dates with a reason (recorded in the audit log)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--season", type=int, required=True, help="the season's year")
        for field in SEASON_DATE_FIELDS:
            parser.add_argument(f"--{field.replace('_', '-')}", dest=field, help="new date and time (Moscow)")
        parser.add_argument("--reason", required=True, help="why the dates change (goes to the audit log)")
        parser.add_argument("--yes", action="store_true", help="confirm a change that cuts the open phase short")

    def handle(self, *args: Any, **options: Any) -> None:
        season = Season.objects.filter(year=options["season"]).first()
        if season is None:
            raise CommandError(f"no season {options['season']}")
        dates = {field: parse_moment(options[field]) for field in SEASON_DATE_FIELDS if options.get(field)}
        if not dates:
            raise CommandError("give at least one new date, e.g. --voting-close-at '2026-10-20 23:59'")
        try:
            change = season_dates_preview(season=season, dates=dates)
            for line in describe_change(change):
                self.stdout.write(line)
            season_dates_change(actor=None, season=season, dates=dates, reason=options["reason"],
                                confirmed=options["yes"])
        except ApplicationError as error:
            hint = " Run again with --yes to confirm." if error.code == "confirmation_required" else ""
            raise CommandError(error.message_en + hint) from error
        self.stdout.write("changed" if change.changes else "nothing to change")

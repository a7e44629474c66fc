"""Build the season's ceremony documents into one ZIP, with a progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from atomgrad.core.errors import ApplicationError
from atomgrad.results.management.commands._common import season_from
from atomgrad.results.services.documents import documents_build

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Дипломы соискателей, почётные грамоты и список призёров (PDF, XLSX) одним архивом ZIP."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--season", type=int, help="год сезона (по умолчанию последний)")
        parser.add_argument("--output", "-o", help="архив ZIP (по умолчанию ceremony-documents-<год>.zip)")

    def handle(self, *args: Any, **options: Any) -> None:
        season = season_from(options["season"])
        output = Path(options["output"] or f"ceremony-documents-{season.year}.zip")
        interactive = self.stderr.isatty()

        def progress(done: int, total: int, label: str) -> None:
            filled = BAR_WIDTH * done // max(total, 1)
            bar = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} {label}"
            if interactive:
                self.stderr.write(f"\r\033[K{bar}", ending="")
            else:
                self.stderr.write(bar)

        try:
            summary = documents_build(season=season, output=output, progress=progress)
        except ApplicationError as error:
            output.unlink(missing_ok=True)
            raise CommandError(error.message_ru) from error
        if interactive:
            self.stderr.write("")
        self.stdout.write(f"Готово: {output} — дипломов {summary.diplomas}, грамот {summary.grants}, "
                          f"призёров в списке {summary.laureates}.")

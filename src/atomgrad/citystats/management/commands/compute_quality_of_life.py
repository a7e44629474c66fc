"""`manage.py compute_quality_of_life --year YEAR [--method VERSION]`: recompute a loaded year's index."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from atomgrad.citystats.services.qol_import import qol_recompute
from atomgrad.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Recompute a loaded year's quality-of-life index with a method version (default: the newest)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--method", help="The method version (default: the newest in data/citystats/).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = qol_recompute(year=options["year"], actor=None, method_version=options.get("method"))
        except ApplicationError as error:
            raise CommandError(error.message_en) from error
        self.stdout.write(self.style.SUCCESS(
            f"{result['year']}: {result['ranked']} cities ranked with method version {result['method_version']}."))

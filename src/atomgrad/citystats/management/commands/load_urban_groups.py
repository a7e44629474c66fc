"""`manage.py load_urban_groups [FILE]`: replace the cities' comparison groups (default
data/citystats/urban_groups.json)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from atomgrad.citystats.services.reference import GROUPS_FILE, urban_groups_load
from atomgrad.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Load the cities' groups of the urban-environment index (10 groups by population and climate)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default=str(GROUPS_FILE))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = urban_groups_load(path=Path(options["file"]))
        except ApplicationError as error:
            raise CommandError(f"{error.message_en} {error.details}") from error
        self.stdout.write(self.style.SUCCESS(f"{count} cities assigned to their groups."))

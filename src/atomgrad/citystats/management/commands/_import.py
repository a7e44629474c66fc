"""What the two import commands share: read the file, call the service, print every error on refusal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from atomgrad.citystats.services.index_import import ImportResult
from atomgrad.core.errors import ApplicationError


class ImportCommand(BaseCommand):
    service: Callable[..., ImportResult]
    label = ""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="An XLSX or CSV file in the documented layout (docs/citystats.md).")
        parser.add_argument("--year", type=int, required=True, help="The year the values belong to.")

    def service_options(self, options: dict[str, Any]) -> dict[str, Any]:
        return {}

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            result = type(self).service(content=path.read_bytes(), year=options["year"], actor=None,
                                        file_name=path.name, **self.service_options(options))
        except ApplicationError as error:
            for cell in error.details.get("errors", []):
                header = f" ({cell['header']})" if cell.get("header") else ""
                self.stderr.write(f"  row {cell['row']}, column {cell['column']}{header}: {cell['message']['en']}")
            raise CommandError(error.message_en) from error
        verb = "replaced" if result.replaced else "loaded"
        self.stdout.write(self.style.SUCCESS(
            f"{self.label} {result.year} {verb}: {result.cities} cities "
            f"({len(result.added)} added, {len(result.removed)} removed, {len(result.changed)} changed)."))

"""`manage.py export_urban_index --year YEAR [--output FILE.xlsx|FILE.csv]`: a year in the import layout."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from atomgrad.citystats.services.opendata import year_table_csv, year_table_xlsx


class Command(BaseCommand):
    help = "Write a year of the urban-environment index in the import layout (CSV to stdout, or a file)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--output", help="A .csv or .xlsx file (default: CSV on standard output).")

    def handle(self, *args: Any, **options: Any) -> None:
        output = options.get("output")
        if not output:
            self.stdout.write(year_table_csv(year=options["year"], name="urban-index"), ending="")
            return
        path = Path(output)
        if path.suffix.lower() == ".xlsx":
            path.write_bytes(year_table_xlsx(year=options["year"], name="urban-index"))
        else:
            path.write_text(year_table_csv(year=options["year"], name="urban-index"), encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Written {path}."))

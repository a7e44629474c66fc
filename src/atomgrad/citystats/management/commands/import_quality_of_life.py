"""`manage.py import_quality_of_life FILE --year YEAR [--method VERSION]`: load a year of the quality-of-life
indicators and compute the year's index."""

from typing import Any

from django.core.management.base import CommandParser

from atomgrad.citystats.management.commands._import import ImportCommand
from atomgrad.citystats.services.qol_import import qol_import


class Command(ImportCommand):
    help = ("Load a year of the quality-of-life indicators from XLSX or CSV (header: город, then the method's "
            "indicator codes) and compute its index. A file with any bad cell is refused whole.")
    service = staticmethod(qol_import)
    label = "Quality-of-life indicators"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--method", help="The method version (default: the newest in data/citystats/).")

    def service_options(self, options: dict[str, Any]) -> dict[str, Any]:
        return {"method_version": options.get("method")}

"""`manage.py import_urban_index FILE --year YEAR`: load a year of Минстрой's urban-environment quality index."""

from atomgrad.citystats.management.commands._import import ImportCommand
from atomgrad.citystats.services.urban_import import urban_import


class Command(ImportCommand):
    help = ("Load a year of the urban-environment quality index from XLSX or CSV (header: город, 1 … 36). "
            "A file with any bad cell is refused whole, every error listed; a correct one replaces the year.")
    service = staticmethod(urban_import)
    label = "Urban-environment index"

from django.core.management.base import BaseCommand

from atomgrad.cities.services import cities_load_from_file


class Command(BaseCommand):
    help = "Create or update the atomic cities from data/cities.json."

    def handle(self, *args: object, **options: object) -> None:
        count = cities_load_from_file()
        self.stdout.write(self.style.SUCCESS(f"Городов в файле: {count}"))

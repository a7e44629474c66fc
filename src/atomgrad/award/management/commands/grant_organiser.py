"""Make an existing account a federal organiser: `python manage.py grant_organiser <username>`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from atomgrad.award.services.staff import organiser_grant_by_username
from atomgrad.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Add a user to the «Организаторы» group (admin permissions) and give them staff status."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("usernames", nargs="+")

    def handle(self, *args: Any, **options: Any) -> None:
        for username in options["usernames"]:
            try:
                organiser_grant_by_username(username=username)
            except ApplicationError as error:
                raise CommandError(error.message_en) from error
            self.stdout.write(f"{username}: organiser")

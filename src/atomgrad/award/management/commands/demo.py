"""`manage.py demo`: load or reload the demo season (see atomgrad.award.services.demo and docs/demo.md)."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from atomgrad.award.models import ApplicationStatus
from atomgrad.award.services.demo import (
    DEMO_APPLICATIONS_DEFAULT,
    DEMO_SEED_DEFAULT,
    DemoResult,
    demo_load,
    season_is_demo,
)
from atomgrad.citystats.services.demo import citystats_demo_load
from atomgrad.citystats.services.development_demo import development_demo_load
from atomgrad.core.errors import ApplicationError
from atomgrad.core.timefmt import to_moscow

DEMO_VOTERS_DEFAULT = 4000  # atomgrad.integrity.demo.DEMO_VOTERS_DEFAULT (imported only when votes are cast)


class Command(BaseCommand):
    help = (
        "Load the demo season: the 31 cities, the spheres, a season whose vote is open today, about 1,300 "
        "fictional applications with generated photos, a demo organiser and one committee account per city. "
        "Without --if-empty, the previous demo season is deleted and generated again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing if the database already has a season (what `make run` uses).")
        parser.add_argument("--applications", type=int, default=DEMO_APPLICATIONS_DEFAULT,
                            help=f"How many applications to generate (default {DEMO_APPLICATIONS_DEFAULT}).")
        parser.add_argument("--votes", type=int, default=DEMO_VOTERS_DEFAULT,
                            help=f"Organic voters of the last season, whose votes are cast through the vote path "
                                 f"(about 2 each; the current season gets a share); 0: no votes at all "
                                 f"(default {DEMO_VOTERS_DEFAULT}).")
        parser.add_argument("--seed", type=int, default=DEMO_SEED_DEFAULT,
                            help=f"Seed of the generator: the same seed gives the same people "
                                 f"(default {DEMO_SEED_DEFAULT}).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["if_empty"]:
            self.stdout.write(f"Loading the demo season ({options['applications']} applications, "
                              f"seed {options['seed']})…")
        # WeasyPrint logs every layout step of every protocol and diploma at INFO: not a demo's business.
        logging.getLogger("weasyprint").setLevel(logging.WARNING)
        votes = None
        if options["votes"] > 0:
            # The votes, the detectors and the results sit above the award app: this adapter wires them in.
            from atomgrad.integrity.demo import demo_votes

            votes = partial(demo_votes, voters=options["votes"], seed=options["seed"], say=self.stdout.write)
        try:
            result = demo_load(applications=options["applications"], seed=options["seed"],
                               if_empty=options["if_empty"], progress=self._progress, votes=votes)
        except ApplicationError as error:
            raise CommandError(error.message_en) from error
        if result.loaded or season_is_demo(season=result.season):  # never into a database with real seasons
            self._citystats(if_empty=not result.loaded)
        if not result.loaded:
            self.stdout.write(f"A season is already loaded ({result.season.title}): keeping the data. "
                              f"Run `manage.py demo` without --if-empty to reload the demo.")
            return
        self._report(result)

    def _citystats(self, *, if_empty: bool) -> None:
        """The indices' demo (citystats, a lower layer): fictional values for 2019–2025."""
        stats = citystats_demo_load(if_empty=if_empty)
        if stats.loaded:
            self.stdout.write(f"Demo indices (fictional values) loaded: {stats.years} years for {stats.cities} "
                              f"cities, at /stats/.")
        development = development_demo_load(if_empty=if_empty)
        if development.loaded:
            self.stdout.write(f"Demo master plans, contest and {development.events} events (fictional) loaded, "
                              f"at /stats/summary/.")

    def _progress(self, done: int, total: int) -> None:
        self.stdout.write(f"  applications {done:>5}/{total} ({done * 100 // total}%)")

    def _report(self, result: DemoResult) -> None:
        season = result.season
        statuses = result.applications_by_status
        if result.removed_seasons:
            years = ", ".join(map(str, result.removed_seasons))
            self.stdout.write(f"Removed the previous demo seasons ({years}).")
        self.stdout.write(self.style.SUCCESS(
            f"Demo season «{season.title}» loaded in {result.seconds:.1f} s: the vote is open until "
            f"{to_moscow(season.voting_close_at):%d.%m.%Y %H:%M} Moscow time."
        ))
        self.stdout.write(
            f"{result.applications} applications in {season.cities.count()} cities: "
            f"{statuses.get(ApplicationStatus.ACCEPTED, 0)} published, "
            f"{statuses.get(ApplicationStatus.SUBMITTED, 0)} awaiting moderation, "
            f"{statuses.get(ApplicationStatus.RETURNED, 0)} returned, "
            f"{statuses.get(ApplicationStatus.REJECTED, 0)} rejected "
            f"({result.petitions} with a petition); {result.laureates} laureates of earlier seasons."
        )
        if result.moderation_extended_city is not None:
            city = result.moderation_extended_city
            self.stdout.write(f"Moderation is extended into the vote for {city.name_en}: its committee (log-in "
                              f"{city.slug}) can still decide the applications awaiting moderation.")
        if result.complete_season is not None:
            self.stdout.write(f"Season {result.complete_season.year}: {result.complete_applications} applications.")
        for line in result.votes_summary:
            self.stdout.write(line)
        self.stdout.write("All people, organisations, phones (+7 900 000-xx-xx) and e-mails (@example.org) "
                          "are fictional.")
        self.stdout.write("")
        self.stdout.write("Demo log-ins (sign in at /accounts/login/; the organiser also at /admin/):")
        rows = [("username", "password", "role", "city"), *(
            (account.username, account.password, account.role, account.city or "all cities")
            for account in result.accounts
        )]
        widths = [max(len(row[column]) for row in rows) for column in range(4)]
        for number, row in enumerate(rows):
            line = "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip()
            self.stdout.write(f"  {line}")
            if number == 0:
                self.stdout.write("  " + "  ".join("-" * width for width in widths))

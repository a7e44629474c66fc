"""Print the count of a city or of every city of a season: valid votes, ranking, laureates (`--json`: the data)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from atomgrad.results.management.commands._common import city_from, season_from
from atomgrad.results.selectors import season_cities
from atomgrad.results.services.tally import city_tally, reason_label


class Command(BaseCommand):
    help = "Подсчёт голосов города или всего сезона: действительные голоса, места, призёры."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--season", type=int, help="год сезона (по умолчанию последний)")
        parser.add_argument("--city", help="код (slug) города; без него — все города сезона")
        parser.add_argument("--json", action="store_true", help="вывести данные подсчёта в JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        season = season_from(options["season"])
        cities = [city_from(options["city"])] if options["city"] else list(season_cities(season=season))
        tallies = [city_tally(season=season, city=city) for city in cities]
        if options["json"]:
            document = {"season": season.year, "cities": [tally.as_data() for tally in tallies]}
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=1))
            return
        self.stdout.write(f"{season.title}")
        for tally in tallies:
            self.stdout.write("")
            self.stdout.write(f"{tally.city_name}: проголосовали {tally.voters_voted}, "
                              f"голосов подано {tally.votes_cast}, аннулировано {tally.votes_annulled}, "
                              f"действительных {tally.votes_valid}")
            if tally.void:
                self.stdout.write(f"  ГОЛОСОВАНИЕ ПРИЗНАНО НЕДЕЙСТВИТЕЛЬНЫМ: {tally.void_reason}")
            for code, count in tally.annulled_by_reason.items():
                self.stdout.write(f"  аннулировано — {reason_label(code)}: {count}")
            for line in tally.candidates:
                place = str(line.place) if line.place else "—"
                marks = []
                if line.laureate:
                    marks.append("призёр")
                if line.tied:
                    marks.append("равенство голосов")
                if line.disqualified:
                    marks.append("снят(а)")
                suffix = f"  [{', '.join(marks)}]" if marks else ""
                self.stdout.write(f"  {place:>3}  {line.full_name:<40} {line.valid:>8} "
                                  f"(подано {line.cast}, аннулировано {line.annulled}){suffix}")
            if tally.tie_unresolved:
                self.stdout.write("  Равенство голосов среди первых трёх мест не разрешено решением оргкомитета.")
        self.stdout.write("")

"""How well the detectors do, per scenario: precision and recall of flagged votes, false-positive rates on
organic votes and on the hard negatives (`integrity.evaluation`, in memory, several seeds).

`--through-database` also runs every scenario, smaller, through the real vote path (the runner, in a
transaction that is rolled back), loads it back with `vote_frame` and runs the detectors on it — and says
whether the database path flags the same planned votes as the in-memory one.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Точность и полнота обнаружения по сценариям симулятора (в памяти; с --through-database — и через базу)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="вывести результат в JSON")
        parser.add_argument("--scenario", help="сценарии через запятую (по умолчанию все)")
        parser.add_argument("--seeds", default="1,2,3", help="зёрна через запятую (по умолчанию 1,2,3)")
        parser.add_argument("--scale", type=float, default=1.0, help="множитель числа голосующих (в памяти)")
        parser.add_argument("--through-database", action="store_true",
                            help="прогнать сценарии и через базу данных (меньше, одно зерно) и сравнить")
        parser.add_argument("--database-scale", type=float, default=0.05,
                            help="множитель для прогона через базу (по умолчанию 0.05)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            from atomgrad.integrity import evaluation
            from atomgrad.integrity.simulator import scenarios
        except ImportError as missing:
            raise CommandError("Оценка детекторов не установлена. / The detectors' evaluation is missing.") \
                from missing
        names = ([name.strip() for name in options["scenario"].split(",") if name.strip()]
                 if options["scenario"] else list(scenarios.SCENARIO_REGISTRY))
        unknown = [name for name in names if name not in scenarios.SCENARIO_REGISTRY]
        if unknown:
            raise CommandError(f"Неизвестный сценарий: {', '.join(unknown)}. "
                               f"Есть: {', '.join(scenarios.SCENARIO_REGISTRY)}.")
        try:
            seeds = [int(seed) for seed in options["seeds"].split(",") if seed.strip()]
        except ValueError as bad:
            raise CommandError("--seeds: целые числа через запятую. / --seeds: integers, comma-separated.") from bad
        if options["scale"] <= 0 or options["database_scale"] <= 0:
            raise CommandError("Масштаб должен быть больше нуля. / The scale must be positive.")
        result = evaluation.evaluate(scenarios=names, seeds=seeds, scale=options["scale"])
        if options["through_database"]:
            from atomgrad.integrity.simulator.through_database import compare_all

            result["through_database"] = compare_all(
                scenario_names=names, cities=scenarios.DEFAULT_CITIES, seed=seeds[0] if seeds else 1,
                start=scenarios.DEFAULT_START, end=scenarios.DEFAULT_END, scale=options["database_scale"],
            )
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(evaluation.table(result))
        if "through_database" in result:
            self.stdout.write("")
            self.stdout.write("Через базу данных (одно зерно, меньший масштаб):")
            for name, item in result["through_database"]["scenarios"].items():
                db, memory = item["database"], item["memory"]
                self.stdout.write(f"  {name}: принято {item['cast']} из {item['planned']}; точность {db['precision']} "
                                  f"(в памяти {memory['precision']}), полнота {db['recall']} "
                                  f"(в памяти {memory['recall']}); совпадает: {'да' if item['agree'] else 'нет'}")

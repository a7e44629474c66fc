"""Simulate a season's voting: plan one or more scenarios over the season's cities and cast the votes through
the real vote path (`integrity.simulator.runner`), in simulated time; the ground truth goes to --labels-out.

    manage.py simulate_season --season 2026 --scenario organic,sim_farm --seed 7 --scale 0.5 \\
        --labels-out var/sim-2026.jsonl [--scan]

The votes fall between the season's opening and its close, or now if the vote is still open. The season's
cities with published candidates take part (or --cities); each has about --voters-per-candidate × its
candidates × --scale organic voters. Further scenarios after the first add only their attack (organic voting
is planned once).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from atomgrad.integrity.management.commands._common import detectors_missing, season_required
from atomgrad.integrity.services import integrity_scan
from atomgrad.integrity.simulator.plan import CityShape, PlannedVote
from atomgrad.integrity.simulator.runner import run_plan, season_candidates


def scenario_registry() -> dict[str, Any]:
    """Scenario name → its plan generator `(cities, *, seed, start, end, scale) -> list[PlannedVote]`."""
    from atomgrad.integrity.simulator.scenarios import SCENARIOS

    return dict(SCENARIOS)


class Command(BaseCommand):
    help = "Смоделировать голосование сезона по сценариям (голоса идут через настоящий путь голосования)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--season", type=int, required=True, help="год сезона")
        parser.add_argument("--scenario", required=True, help="сценарий или несколько через запятую")
        parser.add_argument("--seed", type=int, default=1, help="зерно (одно и то же даёт те же голоса)")
        parser.add_argument("--scale", type=float, default=1.0, help="множитель числа голосующих")
        parser.add_argument("--labels-out", type=Path, required=True,
                            help="файл JSON Lines: позиция голоса в реестре → метка и сценарий")
        parser.add_argument("--cities", help="коды городов через запятую (по умолчанию все с соискателями)")
        parser.add_argument("--voters-per-candidate", type=int, default=40,
                            help="жителей на одного соискателя города при --scale 1 (по умолчанию 40)")
        parser.add_argument("--scan", action="store_true", help="после голосования запустить проверку")
        parser.add_argument("--json", action="store_true", help="итог в JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        season = season_required(options["season"])
        if options["scale"] <= 0:
            raise CommandError("--scale должен быть больше нуля. / --scale must be positive.")
        try:
            registry = scenario_registry()
        except ImportError as missing:
            raise CommandError("Сценарии симулятора не установлены. / The simulator's scenarios are missing.") \
                from missing
        names = [name.strip() for name in options["scenario"].split(",") if name.strip()]
        unknown = [name for name in names if name not in registry]
        if not names or unknown:
            raise CommandError(f"Неизвестный сценарий: {', '.join(unknown) or '—'}. Есть: {', '.join(registry)}.")
        start = season.voting_open_at
        end = min(season.voting_close_at, timezone.now())
        if end <= start:
            raise CommandError(f"Голосование сезона {season.year} ещё не началось: моделировать нечего.")

        candidates = season_candidates(season=season)
        wanted = [slug.strip() for slug in (options["cities"] or "").split(",") if slug.strip()] or sorted(candidates)
        missing = [slug for slug in wanted if slug not in candidates]
        if missing:
            raise CommandError(f"В сезоне {season.year} нет опубликованных соискателей в городах: "
                               f"{', '.join(missing)}.")
        if not wanted:
            raise CommandError(f"В сезоне {season.year} нет опубликованных соискателей.")
        cities = [CityShape(slug, len(candidates[slug]), options["voters_per_candidate"] * len(candidates[slug]))
                  for slug in wanted]

        plan: list[PlannedVote] = []
        for position, name in enumerate(names):
            votes = registry[name](cities, seed=options["seed"], start=start, end=end, scale=options["scale"])
            plan += votes if position == 0 else [vote for vote in votes if vote.scenario == name]

        def progress(done: int, total: int) -> None:
            if not options["json"]:
                sys.stderr.write(f"\r{done}/{total}")

        result = run_plan(season=season, plan=plan, labels_out=options["labels_out"], progress=progress)
        summary: dict[str, Any] = {"season": season.year, "scenarios": names, "seed": options["seed"],
                                   "scale": options["scale"], "cities": [c.slug for c in cities],
                                   "labels_out": str(options["labels_out"]), **result.as_dict()}
        if options["scan"]:
            try:
                scan = integrity_scan(season=season)
            except ImportError as missing_detectors:
                raise detectors_missing() from missing_detectors
            summary["scan"] = {"votes": scan.votes, "findings": scan.findings, "votes_flagged": scan.votes_flagged}
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        sys.stderr.write("\n")
        self.stdout.write(f"Сезон {season.year}: запланировано {result.planned}, принято {result.cast} "
                          f"({result.votes_per_second:.0f} голосов/с), избирателей {result.voters}.")
        for code, count in sorted(result.refused.items()):
            self.stdout.write(f"  отказано ({code}): {count}")
        self.stdout.write(f"Метки: {options['labels_out']}")
        if "scan" in summary:
            self.stdout.write(f"Проверка: сигналов {summary['scan']['findings']}, "
                              f"голосов под подозрением {summary['scan']['votes_flagged']}.")

"""Print a season's findings (or one city's): kind, score, the ledger positions of the votes, the explanation.

By default the detectors run first over the votes that count now (the scope's findings are replaced), so the
report is as of this moment; `--stored` prints the findings of the last scan instead. For organisers and
administrators on the server: the output is not public (docs/integrity.md).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from atomgrad.integrity.management.commands._common import detectors_missing, season_city, season_required
from atomgrad.integrity.models import Finding, FindingKind
from atomgrad.integrity.selectors import finding_sequences
from atomgrad.integrity.services import integrity_scan


class Command(BaseCommand):
    help = "Сигналы о подозрительных голосах сезона или города: вид, оценка, позиции голосов в реестре."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--season", type=int, required=True, help="год сезона")
        parser.add_argument("--city", help="код (slug) города; без него — все города сезона")
        parser.add_argument("--json", action="store_true", help="вывести список сигналов в JSON")
        parser.add_argument("--stored", action="store_true",
                            help="не пересчитывать: показать сигналы последней проверки")

    def handle(self, *args: Any, **options: Any) -> None:
        season = season_required(options["season"])
        city = season_city(season, options["city"])
        if not options["stored"]:
            try:
                integrity_scan(season=season, city=city)
            except ImportError as missing:
                raise detectors_missing() from missing
        findings = list(
            Finding.objects.filter(season=season, **({"city": city} if city else {}))
            .select_related("city").prefetch_related("candidates").order_by("-score", "id")
        )
        sequences = finding_sequences(findings=findings)
        items = [
            {
                "id": finding.pk,
                "city": finding.city.slug,
                "kind": finding.kind,
                "score": round(finding.score, 4),
                "votes": sequences[finding.pk],
                "vote_count": finding.vote_count,
                "candidates": sorted(candidate.pk for candidate in finding.candidates.all()),
                "explanation": finding.explanation_ru,
                "explanation_en": finding.explanation_en,
                "computed_at": finding.computed_at.isoformat(),
                "evidence": finding.evidence,
            }
            for finding in findings
        ]
        if options["json"]:
            self.stdout.write(json.dumps(items, ensure_ascii=False))
            return
        where = f", город {city.name_ru}" if city else ""
        self.stdout.write(f"{season.title}{where}: сигналов {len(items)}")
        labels = dict(FindingKind.choices)
        for item in items:
            votes = item["votes"]
            shown = ", ".join(str(n) for n in votes[:12]) + (" …" if len(votes) > 12 else "")
            self.stdout.write("")
            self.stdout.write(f"{item['score']:.2f}  {item['city']}  {labels.get(item['kind'], item['kind'])} "
                              f"— голосов {item['vote_count']}")
            self.stdout.write(f"      {item['explanation']}")
            self.stdout.write(f"      позиции в реестре: {shown}")

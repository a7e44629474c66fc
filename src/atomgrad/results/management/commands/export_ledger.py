"""Export a season's ledger as JSON Lines (pseudonyms only), and optionally the published results as JSON —
the two files the public verifier reads."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from atomgrad.results.management.commands._common import season_from
from atomgrad.results.services.exports import ledger_head_document, ledger_jsonl, results_document


class Command(BaseCommand):
    help = "Выгрузить реестр голосов сезона (JSON Lines) и, по желанию, опубликованные итоги (JSON)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--season", type=int, help="год сезона (по умолчанию последний)")
        parser.add_argument("--output", "-o", default="-",
                            help="файл реестра (.jsonl, или .jsonl.gz — сжатый); «-» — в стандартный вывод")
        parser.add_argument("--results", help="также записать опубликованные итоги сезона (JSON) в этот файл")

    def handle(self, *args: Any, **options: Any) -> None:
        season = season_from(options["season"])
        head = ledger_head_document(season=season)
        target = options["output"]
        if target == "-":
            for line in ledger_jsonl(season=season):
                sys.stdout.write(line)
        else:
            path = Path(target)
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "wt", encoding="utf-8", newline="\n") as stream:  # type: ignore[operator]
                for line in ledger_jsonl(season=season):
                    stream.write(line)
        if options["results"]:
            Path(options["results"]).write_text(
                json.dumps(results_document(season=season), ensure_ascii=False, indent=1), encoding="utf-8"
            )
        self.stderr.write(f"Реестр сезона {season.year}: записей {head['entries']}, хеш последней {head['head_hash']}")

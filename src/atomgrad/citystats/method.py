"""The quality-of-life method as data: data/citystats/qol_method_v<N>.json, one file per version.

Everything that decides a city's score is in the file (indicators with direction, unit, source and plausible
bounds; domains and weights; normalisation, aggregation and their alternatives; the missing-data rule; the
sensitivity analysis' draws and seed); this module only reads and checks it. A year's index records the version
and the file's SHA-256 that made it, so a published index can always be recomputed.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from atomgrad.core.errors import ApplicationError

METHOD_DIR = Path(settings.REPO_DIR) / "data" / "citystats"
METHOD_FILE_PATTERN = re.compile(r"^qol_method_v(\d+)\.json$")
NORMALISATIONS = ("minmax", "zscore")
AGGREGATIONS = ("arithmetic", "geometric")
MISSING_RULES = ("available_case", "indicator_mean")
DIRECTIONS = ("higher_better", "lower_better")


@dataclass(frozen=True)
class Indicator:
    code: str
    name_ru: str
    name_en: str
    higher_is_better: bool
    unit_ru: str
    unit_en: str
    source_ru: str
    low: float
    high: float
    domain: str


@dataclass(frozen=True)
class Domain:
    code: str
    name_ru: str
    name_en: str
    weight: float
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Method:
    version: str
    sha256: str
    title_ru: str
    title_en: str
    note_ru: str
    scale_low: float
    scale_high: float
    normalisation: str
    normalisation_alternatives: tuple[str, ...]
    zscore_centre: float
    zscore_spread: float
    aggregation: str
    aggregation_alternatives: tuple[str, ...]
    geometric_floor: float
    missing_rule: str
    max_missing_share: float
    draws: int
    seed: int
    concentration: float
    percentiles: tuple[float, float]
    domains: tuple[Domain, ...]
    document: dict[str, Any]

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(indicator for domain in self.domains for indicator in domain.indicators)

    @property
    def weights(self) -> tuple[float, ...]:
        """The domain weights scaled to sum to 1 (the file's may be written as shares or as points)."""
        total = sum(domain.weight for domain in self.domains)
        return tuple(domain.weight / total for domain in self.domains)


def _bad(reason: str) -> ApplicationError:
    return ApplicationError("method_invalid", f"Файл методики неверен: {reason}.",
                            f"The method file is not valid: {reason}.", status=500)


def method_parse(document: dict[str, Any], *, sha256: str = "") -> Method:
    """Check a method document and turn it into a `Method`; a mistake in the file is an ApplicationError."""
    try:
        domains = []
        codes: set[str] = set()
        for domain in document["domains"]:
            indicators = []
            for item in domain["indicators"]:
                if item["code"] in codes:
                    raise _bad(f"показатель {item['code']} повторяется")
                if item["direction"] not in DIRECTIONS:
                    raise _bad(f"направление показателя {item['code']}")
                low, high = (float(bound) for bound in item["bounds"])
                if not low < high:
                    raise _bad(f"границы показателя {item['code']}")
                codes.add(item["code"])
                indicators.append(Indicator(
                    code=item["code"], name_ru=item["name_ru"], name_en=item["name_en"],
                    higher_is_better=item["direction"] == "higher_better", unit_ru=item["unit_ru"],
                    unit_en=item["unit_en"], source_ru=item["source_ru"], low=low, high=high, domain=domain["code"],
                ))
            if not indicators or float(domain["weight"]) <= 0:
                raise _bad(f"сфера {domain['code']}: нет показателей или вес не больше нуля")
            domains.append(Domain(code=domain["code"], name_ru=domain["name_ru"], name_en=domain["name_en"],
                                  weight=float(domain["weight"]), indicators=tuple(indicators)))
        normalisations = (document["normalisation"], *document.get("normalisation_alternatives", ()))
        aggregations = (document["aggregation"], *document.get("aggregation_alternatives", ()))
        if not set(normalisations) <= set(NORMALISATIONS) or not set(aggregations) <= set(AGGREGATIONS):
            raise _bad("неизвестный способ нормировки или агрегирования")
        if document["missing"]["rule"] not in MISSING_RULES:
            raise _bad("неизвестное правило пропусков")
        sensitivity = document["sensitivity"]
        low_pct, high_pct = (float(value) for value in sensitivity["percentiles"])
        method = Method(
            version=str(document["version"]), sha256=sha256, title_ru=document["title_ru"],
            title_en=document["title_en"], note_ru=document.get("note_ru", ""),
            scale_low=float(document["scale"]["low"]), scale_high=float(document["scale"]["high"]),
            normalisation=normalisations[0], normalisation_alternatives=tuple(normalisations[1:]),
            zscore_centre=float(document["zscore_scale"]["centre"]),
            zscore_spread=float(document["zscore_scale"]["spread"]),
            aggregation=aggregations[0], aggregation_alternatives=tuple(aggregations[1:]),
            geometric_floor=float(document["geometric_floor"]), missing_rule=document["missing"]["rule"],
            max_missing_share=float(document["missing"]["max_missing_share_per_domain"]),
            draws=int(sensitivity["draws"]), seed=int(sensitivity["seed"]),
            concentration=float(sensitivity["dirichlet_concentration"]), percentiles=(low_pct, high_pct),
            domains=tuple(domains), document=document,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise _bad(f"нет или неверно поле {error}") from error
    if not domains or method.draws < 1 or method.concentration <= 0 or not 0 <= low_pct < high_pct <= 100:
        raise _bad("нет сфер или неверны параметры анализа чувствительности")
    return method


def method_versions(*, directory: Path = METHOD_DIR) -> list[str]:
    """The versions present in data/citystats/, oldest first."""
    found = [int(match.group(1)) for path in directory.glob("qol_method_v*.json")
             if (match := METHOD_FILE_PATTERN.match(path.name))]
    return [str(version) for version in sorted(found)]


def method_load(*, version: str | None = None, directory: Path = METHOD_DIR) -> Method:
    """The method of `version`, or the newest one when None."""
    versions = method_versions(directory=directory)
    if version is None:
        if not versions:
            raise _bad("в data/citystats/ нет ни одного файла qol_method_v<N>.json")
        version = versions[-1]
    if version not in versions:
        raise ApplicationError("method_unknown", f"Версии методики «{version}» нет.",
                               f"There is no method version “{version}”.", status=404,
                               details={"versions": versions})
    raw = (directory / f"qol_method_v{version}.json").read_bytes()
    method = method_parse(json.loads(raw), sha256=hashlib.sha256(raw).hexdigest())
    if method.version != version:
        raise _bad(f"файл версии {version} называет себя версией {method.version}")
    return method

"""The demo's indices: clearly fictional values for 2019–2025 for every city, shaped like the published
aggregates (the atomic cities averaging about 240 in 2024, a few near 270; the national average rising about 30%
from 2019 to about 220 in 2024). Loaded through the same imports as a real file, marked `is_demo` (the pages say
the values are fictional). Called by `manage.py demo` (award's command) after the award's demo."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from atomgrad.cities.models import City
from atomgrad.cities.services import cities_load_from_file
from atomgrad.citystats.method import method_load
from atomgrad.citystats.models import IndexYear, UrbanNationalAverage
from atomgrad.citystats.services.qol_import import qol_import
from atomgrad.citystats.services.reference import national_average_set, urban_groups_load
from atomgrad.citystats.services.urban_import import urban_import
from atomgrad.citystats.tabular import csv_render
from atomgrad.citystats.urban import INDICATORS

DEMO_YEARS = tuple(range(2019, 2026))
DEMO_SEED = 510
DEMO_SOURCE = "Демонстрационные данные: значения вымышлены"
# The national average (fictional, shaped like the published one: +30% from 2019 to 2024, about 220 in 2024).
NATIONAL = {2019: 169.0, 2020: 178.5, 2021: 189.0, 2022: 199.5, 2023: 210.5, 2024: 220.0, 2025: 226.5}
# The atomic cities' mean the demo aims at (about 242 in 2024, about 30% above the norm of 180).
ATOMIC = {2019: 192.0, 2020: 201.0, 2021: 212.0, 2022: 222.0, 2023: 232.0, 2024: 242.0, 2025: 247.0}
# A few cities near 270, as published (Лесной 274 in 2024); the rest drawn around the mean.
LEADERS = {"lesnoy": 32.0, "sarov": 26.0, "zheleznogorsk": 24.0, "seversk": 20.0}
QOL_LEADERS = {"seversk": 1.6, "sarov": 1.45, "lesnoy": 1.3}
# Criteria and space types that are weaker everywhere (so the heatmap has something to show).
WEAK_CRITERIA = {5: -1.2, 3: -0.6}  # management efficiency, identity and diversity
WEAK_SPACES = {4: -0.9}  # street and road network


@dataclass
class DemoStats:
    loaded: bool
    years: int = 0
    cities: int = 0


def citystats_demo_load(*, seed: int = DEMO_SEED, if_empty: bool = False) -> DemoStats:
    """Load (or reload) the demo indices. With `if_empty`, do nothing when any year is loaded; never when a
    year holds real (imported, not demo) data."""
    if if_empty and IndexYear.objects.exists():
        return DemoStats(loaded=False)
    if IndexYear.objects.filter(is_demo=False).exists():
        return DemoStats(loaded=False)  # real imported data is never overwritten by the demo
    cities_load_from_file()
    urban_groups_load()
    cities = list(City.objects.order_by("name_ru"))
    rng = random.Random(seed)
    UrbanNationalAverage.objects.exclude(year__in=NATIONAL).filter(source=DEMO_SOURCE).delete()
    for year, total in NATIONAL.items():
        national_average_set(year=year, total=Decimal(str(total)), source=DEMO_SOURCE, actor=None)
    offsets = {city.slug: LEADERS.get(city.slug, rng.gauss(-4.0, 12.0)) for city in cities}
    profiles = {city.slug: [rng.gauss(0, 0.8) for _ in range(INDICATORS)] for city in cities}
    for year in DEMO_YEARS:
        rows = [["город", *(str(number) for number in range(1, INDICATORS + 1))]]
        for city in cities:
            target = ATOMIC[year] + offsets[city.slug] + rng.gauss(0, 3.0)
            rows.append([city.name_ru, *_urban_values(rng, target=target, profile=profiles[city.slug])])
        urban_import(content=csv_render(rows).encode(), year=year, actor=None, file_name=f"demo-urban-{year}.csv",
                     is_demo=True)
    _qol_demo(rng, cities=cities)
    return DemoStats(loaded=True, years=len(DEMO_YEARS), cities=len(cities))


def _urban_values(rng: random.Random, *, target: float, profile: list[float]) -> list[str]:
    """36 values (one decimal, 0–10) summing to about `target`, shaped by the city's profile and the weaker
    criteria."""
    shape = [profile[index] + WEAK_CRITERIA.get(index % 6, 0.0) + WEAK_SPACES.get(index // 6, 0.0)
             + rng.gauss(0, 0.35) for index in range(INDICATORS)]
    mean_shape = sum(shape) / INDICATORS
    base = target / INDICATORS
    values = [min(10.0, max(0.0, base + value - mean_shape)) for value in shape]
    # clamping at 0 or 10 moves the sum: spread the difference over the cells that have room
    for _ in range(5):
        gap = target - sum(values)
        free = [index for index, value in enumerate(values) if 0.0 < value < 10.0]
        if abs(gap) < 0.05 or not free:
            break
        for index in free:
            values[index] = min(10.0, max(0.0, values[index] + gap / len(free)))
    return [f"{value:.1f}" for value in values]


def _qol_demo(rng: random.Random, *, cities: list[City]) -> None:
    method = method_load()
    quality = {city.slug: QOL_LEADERS.get(city.slug, rng.gauss(0, 0.6)) for city in cities}
    codes = [indicator.code for indicator in method.indicators]
    for year in DEMO_YEARS:
        progress = (year - DEMO_YEARS[0]) * 0.03  # things improve a little every year
        rows: list[list[object]] = [["город", *codes]]
        for city in cities:
            row: list[object] = [city.name_ru]
            for indicator in method.indicators:
                if rng.random() < 0.02:
                    row.append("")  # a missing value, for the missing-data rule to show
                    continue
                share = 0.45 + 0.12 * quality[city.slug] + progress + rng.gauss(0, 0.1)
                share = min(0.95, max(0.05, share if indicator.higher_is_better else 1 - share))
                value = indicator.low + share * (indicator.high - indicator.low)
                row.append(round(value, 1) if indicator.high - indicator.low > 2 else round(value, 3))
            rows.append(row)
        qol_import(content=csv_render(rows).encode(), year=year, actor=None, file_name=f"demo-qol-{year}.csv",
                   is_demo=True)

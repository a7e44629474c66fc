"""Totals, favourable flags, ranks, group ranks and changes against hand-computed values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from atomgrad.citystats.models import UrbanGroup
from atomgrad.citystats.selectors import (
    atomic_averages,
    comparison_rows,
    urban_city_history,
    urban_year_rows,
    weakest_cells,
)
from atomgrad.citystats.services.urban_import import urban_import
from tests.citystats.helpers import HEADER, csv_bytes, urban_row
from tests.factories import CityFactory


@pytest.fixture
def loaded():
    """A (group 1), B (group 1), C (group 2), D (no group).

    2019: A 36×5 = 180, B 36×6 = 216, C 36×5.5 = 198.
    2020: A 10 + 35×5 = 185, B 216, C 36×6 = 216, D 36×4 = 144.
    2021: A 36×5.5 = 198, C 36×7 = 252 (B and D not loaded).
    """
    cities = {name: CityFactory(slug=name.lower(), name_ru=name) for name in "ABCD"}
    UrbanGroup.objects.create(city=cities["A"], group=1)
    UrbanGroup.objects.create(city=cities["B"], group=1)
    UrbanGroup.objects.create(city=cities["C"], group=2)
    files = {
        2019: [urban_row("A", "5"), urban_row("B", "6"), urban_row("C", "5.5")],
        2020: [urban_row("A", "5", i1="10"), urban_row("B", "6"), urban_row("C", "6"), urban_row("D", "4")],
        2021: [urban_row("A", "5.5"), urban_row("C", "7")],
    }
    for year, rows in files.items():
        urban_import(content=csv_bytes([HEADER, *rows]), year=year, actor=None)
    return cities


def _table(year):
    return {row.city.name_ru: (row.total, row.favourable, row.rank, row.group_rank, row.group_size,
                               row.change_base, row.change_previous) for row in urban_year_rows(year=year)}


D = Decimal


@pytest.mark.django_db
def test_year_tables_match_the_hand_computed_values(loaded):
    assert _table(2019) == {
        "B": (D("216.00"), True, 1, 1, 2, D("0.00"), None),
        "C": (D("198.00"), True, 2, 1, 1, D("0.00"), None),
        "A": (D("180.00"), False, 3, 2, 2, D("0.00"), None),  # 180 is the norm, not above it
    }
    assert _table(2020) == {
        "B": (D("216.00"), True, 1, 1, 2, D("0.00"), D("0.00")),
        "C": (D("216.00"), True, 1, 1, 1, D("18.00"), D("18.00")),  # a tie shares the rank
        "A": (D("185.00"), True, 3, 2, 2, D("5.00"), D("5.00")),  # and the next rank is skipped
        "D": (D("144.00"), False, 4, None, None, None, None),  # no group, no 2019, no 2019 value
    }
    assert _table(2021) == {
        "C": (D("252.00"), True, 1, 1, 1, D("54.00"), D("36.00")),
        "A": (D("198.00"), True, 2, 1, 1, D("18.00"), D("13.00")),
    }
    assert [row.cities_ranked for row in urban_year_rows(year=2020)] == [4, 4, 4, 4]


@pytest.mark.django_db
def test_history_averages_and_weakest_cells(loaded):
    history = urban_city_history(city=loaded["A"])
    assert [(row.year, row.total, row.rank) for row in history] == [
        (2019, D("180.00"), 3), (2020, D("185.00"), 3), (2021, D("198.00"), 2)]
    assert atomic_averages() == {2019: D("198.00"), 2020: D("190.25"), 2021: D("225.00")}
    values = [D(5)] * 36
    values[29], values[12], values[4] = D("1.5"), D("2"), D("2")
    assert [(cell["number"], cell["value"]) for cell in weakest_cells(values)] == [(30, D("1.5")), (5, D(2)),
                                                                                   (13, D(2))]
    assert weakest_cells(values)[0]["label"] == "Улично-дорожная сеть — Эффективность управления"


@pytest.mark.django_db
def test_comparison_sorts_and_filters_by_group(loaded):
    names = lambda rows: [row.urban.city.name_ru for row in rows]  # noqa: E731
    assert names(comparison_rows(year=2020)) == ["B", "C", "A", "D"]
    assert names(comparison_rows(year=2020, sort="-name")) == ["D", "C", "B", "A"]
    assert names(comparison_rows(year=2020, sort="change_base")) == ["C", "A", "B", "D"]  # D: none, last
    assert names(comparison_rows(year=2020, sort="group")) == ["B", "A", "C", "D"]
    assert names(comparison_rows(year=2020, group=1)) == ["B", "A"]
    assert names(comparison_rows(year=2020, sort="nonsense")) == ["B", "C", "A", "D"]

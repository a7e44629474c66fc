"""The demo's indices: every city, 2019–2025, shaped like the published aggregates, marked fictional."""

from __future__ import annotations

from decimal import Decimal

import pytest

from atomgrad.cities.models import City
from atomgrad.citystats.models import IndexYear, QolResult, UrbanNationalAverage, UrbanScore
from atomgrad.citystats.selectors import atomic_averages, qol_year_rows, urban_year_rows
from atomgrad.citystats.services.demo import DEMO_SOURCE, citystats_demo_load


@pytest.mark.django_db
def test_demo_is_shaped_like_the_published_aggregates_and_marked_fictional():
    stats = citystats_demo_load()
    assert stats.loaded and stats.years == 7
    cities = City.objects.count()
    assert cities == 31
    assert UrbanScore.objects.filter(year=2024).count() == 31
    averages = atomic_averages()
    assert set(averages) == set(range(2019, 2026))
    assert Decimal(235) <= averages[2024] <= Decimal(248)
    national = dict(UrbanNationalAverage.objects.values_list("year", "total"))
    assert national[2024] == Decimal("220.00")
    assert 1.27 <= float(national[2024] / national[2019]) <= 1.33
    assert {row.source for row in UrbanNationalAverage.objects.all()} == {DEMO_SOURCE}
    top = urban_year_rows(year=2024)[:4]
    assert all(row.total >= 260 for row in top[:2])
    assert all(row.total <= 360 for row in top)
    assert all(IndexYear.objects.values_list("is_demo", flat=True))
    qol = qol_year_rows(year=2024)
    assert len(qol) >= 25
    assert {row.city.slug for row in qol[:5]} >= {"seversk", "sarov"}
    assert QolResult.objects.filter(year=2019).exists()
    # loading again with if_empty keeps the data
    assert not citystats_demo_load(if_empty=True).loaded


@pytest.mark.django_db
def test_the_demo_command_loads_the_indices_and_if_empty_adds_them_to_a_demo_database():
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("demo", "--applications", "40", stdout=out)
    assert "Demo indices (fictional values) loaded: 7 years for 31 cities" in out.getvalue()
    assert IndexYear.objects.count() == 14
    IndexYear.objects.all().delete()  # a demo database from before the indices existed
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert "already loaded" in out.getvalue() and IndexYear.objects.count() == 14


@pytest.mark.django_db
def test_the_demo_never_overwrites_real_data():
    from atomgrad.citystats.services.urban_import import urban_import
    from tests.citystats.helpers import HEADER, csv_bytes, urban_row

    citystats_demo_load()
    urban_import(content=csv_bytes([HEADER, urban_row("sarov", "9")]), year=2024, actor=None)
    assert not citystats_demo_load().loaded
    assert UrbanScore.objects.filter(year=2024).count() == 1

"""Parallel imports of one year run one after the other (the year's row is locked): every import succeeds, the
year ends as exactly one of the files says, and the audit log has one entry per import."""

from __future__ import annotations

import pytest

from atomgrad.citystats.models import IndexYear, UrbanScore
from atomgrad.citystats.services.urban_import import urban_import
from atomgrad.core.models import AuditLogEntry
from tests.citystats.helpers import HEADER, csv_bytes, urban_row
from tests.concurrency import raised, run_together
from tests.factories import CityFactory

PARALLEL = 8


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_parallel_imports_of_one_year_are_serialised():
    cities = [CityFactory(slug=f"c{number}", name_ru=f"Город {number}") for number in range(3)]
    files = [csv_bytes([HEADER, *(urban_row(city.slug, str(number % 10)) for city in cities)])
             for number in range(PARALLEL)]
    errors = raised(run_together([
        lambda content=content: urban_import(content=content, year=2024, actor=None, file_name="parallel.csv")
        for content in files]))
    assert not errors, errors
    assert IndexYear.objects.filter(kind="urban", year=2024).count() == 1
    totals = set(UrbanScore.objects.filter(year=2024).values_list("total", flat=True))
    assert UrbanScore.objects.filter(year=2024).count() == 3 and len(totals) == 1  # one whole file, not a mix
    assert AuditLogEntry.objects.filter(action="citystats.urban_import").count() == PARALLEL
    assert AuditLogEntry.objects.filter(action="citystats.urban_import", details__replaced=False).count() == 1

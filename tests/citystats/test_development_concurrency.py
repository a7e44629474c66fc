"""Parallel imports and edits of one city's plan or application run one after the other (the city's row is
locked): every one succeeds, the result is exactly one of them (never a mix), one audit entry each."""

from __future__ import annotations

import pytest

from atomgrad.citystats.models import ContestApplication, MasterPlan, PlanProject
from atomgrad.citystats.services.contest import application_save
from atomgrad.citystats.services.plans import COLUMNS, plan_import
from atomgrad.core.models import AuditLogEntry
from tests.citystats.helpers import csv_bytes
from tests.concurrency import raised, run_together
from tests.factories import CityFactory

PARALLEL = 6


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_parallel_first_imports_of_a_city_plan_are_serialised():
    CityFactory(slug="alpha", name_ru="Альфа")
    files = [csv_bytes([list(COLUMNS), ["Альфа", f"P-{n}", "Парк", "public_spaces", "planned", "Администрация",
                                        str(1000 * (n + 1)), "", "", "", "", "", "", "", ""],
                        ["Альфа", "X", "Школа", "education", "planned", "Администрация", "5", "", "", "", "", "",
                         "", "", ""]]) for n in range(PARALLEL)]
    errors = raised(run_together([lambda content=content: plan_import(content=content, actor=None)
                                  for content in files]))
    assert not errors, errors
    assert MasterPlan.objects.count() == 1
    assert PlanProject.objects.count() == 2 and PlanProject.objects.filter(code="X").count() == 1
    assert AuditLogEntry.objects.filter(action="citystats.plan_import").count() == PARALLEL


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_parallel_first_applications_of_a_city_and_year_are_serialised():
    city = CityFactory(slug="alpha", name_ru="Альфа")
    jobs = [lambda n=n: application_save(city=city, year=2025, actor=None, territory="Парк", project=f"Проект {n}",
                                         proposals=n, collection_days=30, stage="regional", result="not_winner",
                                         grant_kopecks=None) for n in range(PARALLEL)]
    errors = raised(run_together(jobs))
    assert not errors, errors
    assert ContestApplication.objects.count() == 1
    assert AuditLogEntry.objects.filter(action="citystats.contest_edit").count() == PARALLEL

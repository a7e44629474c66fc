"""Importing master plans: a correct file (CSV and XLSX) replaces the cities' plans and round-trips through the
export; every refusal lists its row and column and saves nothing; replacements and edits are audited with old
and new values; lateness is computed in Moscow time."""

from __future__ import annotations

import datetime as dt

import pytest

from atomgrad.citystats.models import MasterPlan, PlanMilestone, PlanProject
from atomgrad.citystats.plans import milestone_is_late, plan_progress
from atomgrad.citystats.services.plans import (
    COLUMNS,
    milestone_update,
    plan_export_rows,
    plan_import,
    project_update,
)
from atomgrad.core.errors import ApplicationError
from atomgrad.core.models import AuditLogEntry
from tests.citystats.helpers import csv_bytes, xlsx_bytes
from tests.factories import CityFactory, UserFactory, make_organiser

NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def cities(db):
    return {"alpha": CityFactory(slug="alpha", name_ru="Альфа"), "beta": CityFactory(slug="beta", name_ru="Бета")}


def row(city="Альфа", code="A-1", name="Парк", category="общественные пространства", status="в работе",
        body="Администрация", federal="1000000", regional="500000,50", municipal="", rosatom="250000", extra="0",
        milestone="Проект", planned="01.03.2026", actual="28.02.2026", spent="100000"):
    return [city, code, name, category, status, body, federal, regional, municipal, rosatom, extra, milestone,
            planned, actual, spent]


def good_rows():
    return [list(COLUMNS), row(), row(milestone="Стройка", planned="01.09.2026", actual="", spent=""),
            row(city="beta", code="B-1", name="Школа", category="education", status="planned", federal="2000000",
                regional="", rosatom="", milestone="", planned="", actual="", spent="")]


def snapshot():
    return (list(PlanProject.objects.order_by("pk").values_list("code", "name", "federal_kopecks")),
            list(PlanMilestone.objects.order_by("pk").values_list("name", "planned_on", "actual_on")),
            MasterPlan.objects.count(), AuditLogEntry.objects.count())


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_saves_plans_and_round_trips(cities, fmt):
    content = csv_bytes(good_rows()) if fmt == "csv" else xlsx_bytes(good_rows())
    result = plan_import(content=content, actor=None, file_name=f"plans.{fmt}", now=NOW)
    assert result.cities == ["alpha", "beta"] and result.projects == 2 and result.milestones == 2
    park = PlanProject.objects.get(code="A-1")
    assert park.regional_kopecks == 50_000_050 and park.municipal_kopecks == 0
    assert park.budget_kopecks == 100_000_000 + 50_000_050 + 25_000_000
    progress = plan_progress(city=cities["alpha"], now=NOW)
    assert progress.spent_kopecks == 10_000_000 and progress.spending_by_year == {2026: 10_000_000}
    assert progress.states == {"done_on_time": 1, "done_late": 0, "late": 0, "not_due": 1}
    before = snapshot()
    again = plan_import(content=csv_bytes(plan_export_rows()), actor=None, now=NOW)
    assert again.changes["alpha"] == {"added": [], "removed": [], "changed": {}}
    assert snapshot()[:3] == before[:3]


BAD_CASES = {
    "column_missing": ([c for c in COLUMNS if c != "росатом"], None, (1, "росатом")),
    "column_unknown": ([*COLUMNS, "бюджет"], None, (1, "бюджет")),
    "column_duplicate": ([*COLUMNS[:-1], "город"], None, (1, "город")),
    "city_unknown": (None, {"city": "Атлантида"}, (2, "город")),
    "city_missing": (None, {"city": ""}, (2, "город")),
    "code_invalid": (None, {"code": ""}, (2, "код")),
    "text_invalid": (None, {"body": ""}, (2, "ответственный")),
    "category_unknown": (None, {"category": "космос"}, (2, "категория")),
    "status_unknown": (None, {"status": "почти"}, (2, "статус")),
    "money_invalid": (None, {"federal": "-5"}, (2, "федеральный")),
    "date_invalid": (None, {"planned": "31.02.2026"}, (2, "срок_план")),
    "date_in_future": (None, {"actual": "02.06.2026"}, (2, "срок_факт")),
    "spent_without_date": (None, {"actual": "", "spent": "10"}, (2, "освоено")),
}


@pytest.mark.parametrize("code", sorted(BAD_CASES))
def test_each_refusal_lists_its_cell_and_saves_nothing(cities, code):
    plan_import(content=csv_bytes(good_rows()), actor=None, now=NOW)
    before = snapshot()
    header, overrides, (row_number, column) = BAD_CASES[code]
    rows = good_rows()
    if header is not None:
        rows[0] = header
    if overrides is not None:
        rows[1] = row(**overrides)
    with pytest.raises(ApplicationError) as caught:
        plan_import(content=csv_bytes(rows), actor=None, now=NOW)
    assert caught.value.code == "import_refused" and caught.value.status == 422
    errors = caught.value.details["errors"]
    assert any(e["code"] == code and e["row"] == row_number and e["header"] == column for e in errors), errors
    assert all(e["message"]["ru"] and e["message"]["en"] for e in errors)
    assert snapshot() == before


def test_a_file_with_many_errors_lists_every_one(cities):
    rows = [list(COLUMNS), row(city="Атлантида", federal="abc"), row(category="?", planned="вчера"), row(),
            row(milestone="Стройка", name="Другое название")]
    with pytest.raises(ApplicationError) as caught:
        plan_import(content=csv_bytes(rows), actor=None, now=NOW)
    found = {(e["row"], e["column"], e["code"]) for e in caught.value.details["errors"]}
    assert found == {(2, "A", "city_unknown"), (2, "G", "money_invalid"), (3, "D", "category_unknown"),
                     (3, "M", "date_invalid"), (5, "C", "project_conflict")}
    assert MasterPlan.objects.count() == 0


@pytest.mark.parametrize("rows,code", [([], "file_empty"), ([list(COLUMNS)], "file_no_rows"),
                                       ([list(COLUMNS), row(), row(milestone="", planned="", actual="", spent="")],
                                        "milestone_missing")])
def test_empty_files_and_projects_without_a_milestone_are_refused(cities, rows, code):
    with pytest.raises(ApplicationError) as caught:
        plan_import(content=csv_bytes(rows), actor=None, now=NOW)
    assert code in {e["code"] for e in caught.value.details["errors"]}
    assert MasterPlan.objects.count() == 0


def test_reimport_replaces_the_named_cities_only_and_is_audited(cities):
    actor = make_organiser()
    plan_import(content=csv_bytes(good_rows()), actor=actor, now=NOW)
    rows = [list(COLUMNS), row(federal="1200000"), row(code="A-2", milestone="", planned="", actual="", spent="")]
    plan_import(content=csv_bytes(rows), actor=actor, file_name="v2.csv", now=NOW)
    assert set(PlanProject.objects.values_list("code", flat=True)) == {"A-1", "A-2", "B-1"}  # beta kept
    entry = AuditLogEntry.objects.filter(action="citystats.plan_import").latest("pk")
    assert entry.actor == actor and entry.details["file"] == "v2.csv"
    assert entry.details["added"] == ["A-2"] and entry.details["removed"] == []
    changed = entry.details["changed"]["A-1"]
    assert changed["federal_kopecks"] == [100_000_000, 120_000_000]
    assert set(changed) == {"federal_kopecks", "milestones"}  # A-1 now has one milestone instead of two
    assert changed["milestones"] == [[["Проект", "2026-03-01", "2026-02-28", 10_000_000],
                                      ["Стройка", "2026-09-01", None, 0]],
                                     [["Проект", "2026-03-01", "2026-02-28", 10_000_000]]]


def test_edits_are_audited_with_old_and_new_values(cities):
    plan_import(content=csv_bytes(good_rows()), actor=None, now=NOW)
    organiser = make_organiser()
    project = PlanProject.objects.get(code="A-1")
    project_update(project_id=project.pk, actor=organiser, status="done", rosatom_kopecks=0)
    entry = AuditLogEntry.objects.filter(action="citystats.plan_project_edit").get()
    assert entry.details["changed"] == {"status": ["in_progress", "done"], "rosatom_kopecks": [25_000_000, 0]}
    milestone = project.milestones.get(name="Стройка")
    milestone_update(milestone_id=milestone.pk, actor=organiser, name="Стройка", planned_on=dt.date(2026, 9, 1),
                     actual_on=dt.date(2026, 5, 30), spent_kopecks=5_000, now=NOW)
    entry = AuditLogEntry.objects.filter(action="citystats.plan_milestone_edit").get()
    assert entry.details["changed"] == {"actual_on": [None, "2026-05-30"], "spent_kopecks": [0, 5_000]}
    with pytest.raises(ApplicationError) as caught:
        milestone_update(milestone_id=milestone.pk, actor=organiser, name="Стройка", planned_on=dt.date(2026, 9, 1),
                         actual_on=dt.date(2026, 6, 2), spent_kopecks=5_000, now=NOW)
    assert caught.value.code == "date_in_future"
    with pytest.raises(ApplicationError):
        project_update(project_id=project.pk, actor=organiser, category="space")
    assert PlanProject.objects.get(pk=project.pk).category == "public_spaces"


def test_late_is_decided_by_the_moscow_date_not_the_utc_date(cities):
    rows = [list(COLUMNS), row(milestone="Сдача", planned="10.03.2026", actual="", spent="")]
    plan_import(content=csv_bytes(rows), actor=None, now=NOW)
    milestone = PlanMilestone.objects.get()
    # 20:59 UTC on 10 March is 23:59 in Moscow: the planned day has not ended
    before_midnight = dt.datetime(2026, 3, 10, 20, 59, tzinfo=dt.UTC)
    # 21:30 UTC on 10 March is 00:30 on 11 March in Moscow: the day has ended, though UTC still says the 10th
    after_midnight = dt.datetime(2026, 3, 10, 21, 30, tzinfo=dt.UTC)
    assert after_midnight.date() == dt.date(2026, 3, 10)
    assert plan_progress(city=cities["alpha"], now=before_midnight).late == 0
    assert plan_progress(city=cities["alpha"], now=after_midnight).late == 1
    assert not milestone_is_late(milestone, today=before_midnight.date())  # the naive UTC reading
    assert milestone_is_late(milestone, today=dt.date(2026, 3, 11))


def test_completion_date_in_the_future_is_judged_in_moscow(cities):
    # at 22:00 UTC on 31 May it is already 1 June in Moscow: a milestone done «today» (1 June) is accepted
    rows = [list(COLUMNS), row(actual="01.06.2026")]
    plan_import(content=csv_bytes(rows), actor=None, now=dt.datetime(2026, 5, 31, 22, 0, tzinfo=dt.UTC))
    with pytest.raises(ApplicationError):
        plan_import(content=csv_bytes(rows), actor=None, now=dt.datetime(2026, 5, 31, 20, 0, tzinfo=dt.UTC))


def test_organisers_upload_on_the_web_and_see_every_error(cities, client):
    client.force_login(make_organiser())
    bad = [list(COLUMNS), row(city="Атлантида"), row(federal="1,005")]
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post("/stats/workspace/development/", {
        "kind": "plans", "file": SimpleUploadedFile("plans.csv", csv_bytes(bad), "text/csv")})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Атлантида" in html and "Ничего не сохранено" in html and MasterPlan.objects.count() == 0
    response = client.post("/stats/workspace/development/", {
        "kind": "plans", "file": SimpleUploadedFile("plans.csv", csv_bytes(good_rows()), "text/csv")})
    assert response.status_code == 302 and PlanProject.objects.count() == 2
    project = PlanProject.objects.get(code="A-1")
    page = client.get(f"/stats/workspace/projects/{project.pk}/")
    assert page.status_code == 200
    response = client.post(f"/stats/workspace/projects/{project.pk}/", {
        "name": "Парк у реки", "category": "public_spaces", "status": "in_progress", "responsible": "Администрация",
        "federal": "1000000", "regional": "500000,50", "municipal": "0", "rosatom": "250000", "extra": "0"})
    assert response.status_code == 302
    assert PlanProject.objects.get(pk=project.pk).name == "Парк у реки"
    entry = AuditLogEntry.objects.filter(action="citystats.plan_project_edit").get()
    assert entry.details["changed"] == {"name": ["Парк", "Парк у реки"]}


def test_the_workspace_is_for_organisers_only(cities, client):
    assert client.get("/stats/workspace/development/").status_code == 302
    client.force_login(UserFactory())
    assert client.get("/stats/workspace/development/").status_code == 403

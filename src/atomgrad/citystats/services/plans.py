"""Master plans: the import (XLSX/CSV, refused whole with every error listed) and the organisers' edits, each
audited with old and new values.

The layout (docs/citystats.md, «Мастер-планы»): one row per milestone of a project, the project's own columns
repeated on each of its rows; a project without milestones is one row with the milestone columns empty. A file
replaces the whole plan of every city it names; cities it does not name keep theirs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from atomgrad.cities.models import City
from atomgrad.citystats.models import (
    FUNDING_SOURCES,
    MasterPlan,
    PlanCategory,
    PlanMilestone,
    PlanProject,
    ProjectStatus,
)
from atomgrad.citystats.tabular import (
    CellError,
    cell_error,
    choice_lookup,
    cities_by_key,
    city_key,
    date_parse,
    kopecks_parse,
    named_header_check,
    refusal,
    table_read,
    table_rows,
)
from atomgrad.core.errors import ApplicationError
from atomgrad.core.services import audit_record
from atomgrad.core.timefmt import MOSCOW

Actor = AbstractBaseUser | AnonymousUser | None

AUDIT_IMPORT = "citystats.plan_import"
AUDIT_PROJECT = "citystats.plan_project_edit"
AUDIT_MILESTONE = "citystats.plan_milestone_edit"

# Column names of the layout, in the order the export writes them; budget columns follow FUNDING_SOURCES.
BUDGET_COLUMNS = {"federal": "федеральный", "regional": "региональный", "municipal": "муниципальный",
                  "rosatom": "росатом", "extra": "внебюджетные"}
COLUMNS = ("город", "код", "проект", "категория", "статус", "ответственный",
           *(BUDGET_COLUMNS[source] for source in FUNDING_SOURCES), "этап", "срок_план", "срок_факт", "освоено")
PROJECT_COLUMNS = ("проект", "категория", "статус", "ответственный", *BUDGET_COLUMNS.values())
MAX_KOPECKS = 10**16  # 100 trillion roubles: anything above is a typo


def moscow_today(now: dt.datetime | None = None) -> dt.date:
    """Today's date in Moscow (a milestone is late once its planned day has ended in Moscow, whatever UTC says)."""
    from django.utils import timezone

    return (now or timezone.now()).astimezone(MOSCOW).date()


def _labels(choices: type[PlanCategory] | type[ProjectStatus]) -> str:
    return "; ".join(f"«{label}»" for _value, label in choices.choices)


@dataclass
class PlanImportResult:
    cities: list[str] = field(default_factory=list)
    projects: int = 0
    milestones: int = 0
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Row:
    row: int
    city: City
    code: str
    project: dict[str, Any]
    milestone: dict[str, Any] | None


def plan_table_check(table: list[list[str]], *, today: dt.date) -> tuple[list[_Row], list[CellError]]:
    """Every error of the table (row 1 = the header), and its rows when there is none."""
    if not table:
        return [], [cell_error(1, 0, "", "file_empty", "файл пуст", "the file is empty")]
    columns, errors = named_header_check(table[0], COLUMNS)
    if errors:
        return [], errors  # without the right columns the cells cannot be read
    lookup = cities_by_key()
    categories, statuses = choice_lookup(PlanCategory), choice_lookup(ProjectStatus)
    rows: list[_Row] = []
    first_seen: dict[tuple[int, str], _Row] = {}
    for row in table_rows(table, columns=columns, errors=errors):
        row_number, cell, bad = row.number, row.cell, row.bad
        before = len(errors)
        city = lookup.get(city_key(cell("город")))
        if not cell("город"):
            bad("город", "city_missing", "город не указан", "the city is empty")
        elif city is None:
            bad("город", "city_unknown", f"неизвестный город «{cell('город')[:60]}»",
                f"unknown city “{cell('город')[:60]}”")
        code = cell("код")
        if not code or len(code) > 32:
            bad("код", "code_invalid", "код проекта: от 1 до 32 знаков", "the project code: 1 to 32 characters")
        project: dict[str, Any] = {}
        for name, key in (("проект", "name"), ("ответственный", "responsible")):
            text = cell(name)
            if not text or len(text) > 255:
                bad(name, "text_invalid", "нужен текст до 255 знаков", "a text of up to 255 characters is needed")
            project[key] = text
        category = categories.get(city_key(cell("категория")))
        if category is None:
            bad("категория", "category_unknown", f"категория одна из: {_labels(PlanCategory)}",
                "the category must be one of the listed ones")
        status = statuses.get(city_key(cell("статус")))
        if status is None:
            bad("статус", "status_unknown", f"статус один из: {_labels(ProjectStatus)}",
                "the status must be one of the listed ones")
        project.update(category=category, status=status)
        for source in FUNDING_SOURCES:
            name = BUDGET_COLUMNS[source]
            amount = _money(cell(name), name=name, bad=bad)
            project[f"{source}_kopecks"] = amount
        milestone = _milestone_check(cell, bad=bad, today=today)
        if len(errors) > before or city is None:
            continue
        current = _Row(row=row_number, city=city, code=code, project=project, milestone=milestone)
        earlier = first_seen.get((city.pk, code))
        if earlier is None:
            first_seen[(city.pk, code)] = current
        else:
            for name, key in zip(PROJECT_COLUMNS, ("name", "category", "status", "responsible",
                                                    *(f"{s}_kopecks" for s in FUNDING_SOURCES)), strict=True):
                if earlier.project[key] != project[key]:
                    bad(name, "project_conflict", f"не совпадает со строкой {earlier.row} того же проекта «{code}»",
                        f"differs from row {earlier.row} of the same project “{code}”")
            if milestone is None or earlier.milestone is None:
                bad("этап", "milestone_missing", f"у проекта «{code}» несколько строк: в каждой нужен этап",
                    f"project “{code}” has several rows: each needs a milestone")
        rows.append(current)
    if not rows and not errors:
        errors.append(cell_error(2, 0, "город", "file_no_rows", "в файле нет ни одной строки",
                                 "the file has no rows"))
    return rows, errors


def _money(text: str, *, name: str, bad: Any) -> int:
    if text == "":
        return 0
    kopecks = kopecks_parse(text)
    if kopecks is None or kopecks > MAX_KOPECKS:
        bad(name, "money_invalid", f"«{text[:40]}»: нужна сумма в рублях, не меньше 0, не больше двух знаков после "
            "запятой", f"“{text[:40]}”: an amount of roubles, at least 0, at most two decimals")
        return 0
    return kopecks


def _milestone_check(cell: Any, *, bad: Any, today: dt.date) -> dict[str, Any] | None:
    name, planned_text, actual_text, spent_text = cell("этап"), cell("срок_план"), cell("срок_факт"), cell("освоено")
    if name == "":
        for column, text in (("срок_план", planned_text), ("срок_факт", actual_text), ("освоено", spent_text)):
            if text:
                bad(column, "milestone_missing", "заполнено, а этап не назван", "filled in, but no milestone is named")
        return None
    if len(name) > 255:
        bad("этап", "text_invalid", "нужен текст до 255 знаков", "a text of up to 255 characters is needed")
    planned = date_parse(planned_text)
    if planned is None:
        bad("срок_план", "date_invalid", f"«{planned_text[:40]}»: нужна дата ДД.ММ.ГГГГ",
            f"“{planned_text[:40]}”: a date DD.MM.YYYY is needed")
    actual = None
    if actual_text:
        actual = date_parse(actual_text)
        if actual is None:
            bad("срок_факт", "date_invalid", f"«{actual_text[:40]}»: нужна дата ДД.ММ.ГГГГ",
                f"“{actual_text[:40]}”: a date DD.MM.YYYY is needed")
        elif actual > today:
            bad("срок_факт", "date_in_future", "дата выполнения ещё не наступила (по Москве)",
                "the completion date is in the future (Moscow time)")
    spent = _money(spent_text, name="освоено", bad=bad)
    if spent and not actual_text:
        bad("освоено", "spent_without_date", "освоенные средства указываются вместе с датой выполнения этапа",
            "money spent goes with the milestone's completion date")
    return {"name": name, "planned_on": planned, "actual_on": actual, "spent_kopecks": spent}


def plan_import(*, content: bytes, actor: Actor, file_name: str = "", is_demo: bool = False,
                now: dt.datetime | None = None) -> PlanImportResult:
    """Check the whole file, then replace the plans of the cities it names, in one transaction, audited with
    what changed. Raises ApplicationError `import_refused` (details.errors: every bad cell) and saves nothing."""
    table = table_read(content=content, file_name=file_name)
    rows, errors = plan_table_check(table, today=moscow_today(now))
    if errors:
        raise refusal(errors)
    return _plans_replace(rows=rows, actor=actor, file_name=file_name,
                          file_sha256=hashlib.sha256(content).hexdigest(), is_demo=is_demo)


def project_snapshot(project: PlanProject) -> dict[str, Any]:
    """What the audit compares: the project's fields and its milestones (as text)."""
    return {
        "name": project.name, "category": project.category, "status": project.status,
        "responsible": project.responsible,
        **{f"{source}_kopecks": getattr(project, f"{source}_kopecks") for source in FUNDING_SOURCES},
        "milestones": [[m.name, m.planned_on.isoformat(), m.actual_on.isoformat() if m.actual_on else None,
                        m.spent_kopecks] for m in project.milestones.all()],
    }


def _diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    return {key: [old.get(key), new.get(key)] for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)}


@transaction.atomic
def _plans_replace(*, rows: list[_Row], actor: Actor, file_name: str, file_sha256: str,
                   is_demo: bool) -> PlanImportResult:
    result = PlanImportResult()
    by_city: dict[City, dict[str, list[_Row]]] = {}
    for row in rows:
        by_city.setdefault(row.city, {}).setdefault(row.code, []).append(row)
    # Two imports naming the same city run one after the other: lock the cities' rows (in one order, so two
    # imports cannot deadlock) before creating or replacing their plans.
    list(City.objects.select_for_update().filter(pk__in=[city.pk for city in by_city]).order_by("pk"))
    for city in sorted(by_city, key=lambda c: c.name_ru):
        plan, _created = MasterPlan.objects.select_for_update().get_or_create(city=city)
        old = {project.code: project_snapshot(project)
               for project in plan.projects.prefetch_related("milestones")}
        plan.projects.all().delete()
        new: dict[str, dict[str, Any]] = {}
        for code, project_rows in by_city[city].items():
            project = PlanProject.objects.create(plan=plan, code=code, **project_rows[0].project)
            PlanMilestone.objects.bulk_create([
                PlanMilestone(project=project, **row.milestone) for row in project_rows if row.milestone
            ])
            result.projects += 1
            result.milestones += sum(1 for row in project_rows if row.milestone)
            new[code] = project_snapshot(project)
        plan.is_demo = is_demo
        plan.save()
        changes = {
            "added": sorted(set(new) - set(old)), "removed": sorted(set(old) - set(new)),
            "changed": {code: _diff(old[code], new[code]) for code in sorted(set(old) & set(new))
                        if old[code] != new[code]},
        }
        result.cities.append(city.slug)
        result.changes[city.slug] = changes
        audit_record(actor=actor, action=AUDIT_IMPORT, obj=plan, city=city,
                     reason="Загрузка мастер-плана из файла: план города заменён.",
                     details={"file": file_name, "sha256": file_sha256, "projects": len(new), **changes,
                              "demo": is_demo})
    return result


# --- the organisers' edits ---------------------------------------------------------------------------------------


EDITABLE_PROJECT_FIELDS = ("name", "category", "status", "responsible",
                           *(f"{source}_kopecks" for source in FUNDING_SOURCES))


@transaction.atomic
def project_update(*, project_id: int, actor: Actor, reason: str = "", **values: Any) -> PlanProject:
    """Change a project's fields (name, category, status, responsible body, budgets in kopecks); the audit log
    keeps each changed field as [old, new]."""
    unknown = set(values) - set(EDITABLE_PROJECT_FIELDS)
    if unknown:
        raise ApplicationError("field_unknown", "Такие поля проекта менять нельзя.",
                               "These project fields cannot be changed.", details={"fields": sorted(unknown)})
    project = PlanProject.objects.select_for_update().select_related("plan__city").filter(pk=project_id).first()
    if project is None:
        raise ApplicationError("project_not_found", "Проект не найден.", "The project was not found.", status=404)
    for key in ("category", "status"):
        allowed = PlanCategory.values if key == "category" else ProjectStatus.values
        if key in values and values[key] not in allowed:
            raise ApplicationError("value_invalid", "Недопустимое значение.", "Invalid value.", details={"field": key})
    for source in FUNDING_SOURCES:
        amount = values.get(f"{source}_kopecks")
        if amount is not None and not 0 <= int(amount) <= MAX_KOPECKS:
            raise ApplicationError("money_invalid", "Сумма не может быть отрицательной.",
                                   "An amount cannot be negative.", details={"field": f"{source}_kopecks"})
    changed = {key: [getattr(project, key), value] for key, value in values.items() if getattr(project, key) != value}
    if not changed:
        return project
    for key, (_old, value) in changed.items():
        setattr(project, key, value)
    project.save()
    audit_record(actor=actor, action=AUDIT_PROJECT, obj=project, city=project.plan.city,
                 reason=reason or "Изменение проекта мастер-плана.", details={"code": project.code, "changed": changed})
    return project


@transaction.atomic
def milestone_update(*, milestone_id: int, actor: Actor, name: str, planned_on: dt.date,
                     actual_on: dt.date | None, spent_kopecks: int, now: dt.datetime | None = None,
                     reason: str = "") -> PlanMilestone:
    """Change a milestone (its name, planned and actual dates, money spent); the same rules as the import."""
    milestone = (PlanMilestone.objects.select_for_update().select_related("project__plan__city")
                 .filter(pk=milestone_id).first())
    if milestone is None:
        raise ApplicationError("milestone_not_found", "Этап не найден.", "The milestone was not found.", status=404)
    if not name.strip() or len(name) > 255:
        raise ApplicationError("text_invalid", "Назовите этап (до 255 знаков).", "Name the milestone (up to 255 "
                               "characters).", details={"field": "name"})
    if actual_on is not None and actual_on > moscow_today(now):
        raise ApplicationError("date_in_future", "Дата выполнения ещё не наступила (по Москве).",
                               "The completion date is in the future (Moscow time).", details={"field": "actual_on"})
    if not 0 <= spent_kopecks <= MAX_KOPECKS:
        raise ApplicationError("money_invalid", "Сумма не может быть отрицательной.", "An amount cannot be negative.",
                               details={"field": "spent_kopecks"})
    if spent_kopecks and actual_on is None:
        raise ApplicationError("spent_without_date", "Освоенные средства указываются вместе с датой выполнения.",
                               "Money spent goes with the completion date.", details={"field": "spent_kopecks"})
    new = {"name": name.strip(), "planned_on": planned_on, "actual_on": actual_on, "spent_kopecks": spent_kopecks}
    changed = {key: [_jsonable(getattr(milestone, key)), _jsonable(value)] for key, value in new.items()
               if getattr(milestone, key) != value}
    if not changed:
        return milestone
    for key, value in new.items():
        setattr(milestone, key, value)
    milestone.save()
    audit_record(actor=actor, action=AUDIT_MILESTONE, obj=milestone, city=milestone.project.plan.city,
                 reason=reason or "Изменение этапа проекта мастер-плана.",
                 details={"project": milestone.project.code, "changed": changed})
    return milestone


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def plan_export_rows(*, city: City | None = None) -> list[list[Any]]:
    """The plans in the import layout (one row per milestone); importing it again changes nothing."""
    rows: list[list[Any]] = [list(COLUMNS)]
    projects = PlanProject.objects.select_related("plan__city").prefetch_related("milestones").order_by(
        "plan__city__name_ru", "code")
    if city is not None:
        projects = projects.filter(plan__city=city)
    for project in projects:
        head = [project.plan.city.name_ru, project.code, project.name, project.get_category_display(),
                project.get_status_display(), project.responsible,
                *(_roubles(getattr(project, f"{source}_kopecks")) for source in FUNDING_SOURCES)]
        milestones = list(project.milestones.all())
        if not milestones:
            rows.append([*head, "", "", "", ""])
        for m in milestones:
            rows.append([*head, m.name, m.planned_on.strftime("%d.%m.%Y"),
                         m.actual_on.strftime("%d.%m.%Y") if m.actual_on else "",
                         _roubles(m.spent_kopecks) if m.spent_kopecks else ""])
    return rows


def _roubles(kopecks: int) -> str:
    roubles, rest = divmod(kopecks, 100)
    return f"{roubles}.{rest:02d}" if rest else str(roubles)

"""Минстрой's contest of comfortable-urban-environment projects: the import of the cities' applications (refused
whole with every error listed) and the organisers' edit of one application, audited with old and new values.

The layout (docs/citystats.md, «Конкурс Минстроя»): one row per city and year. A file replaces every application
of each year it contains; other years stay.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from atomgrad.cities.models import City
from atomgrad.citystats.models import YEAR_MAX, YEAR_MIN, ContestApplication, ContestResult, ContestStage
from atomgrad.citystats.tabular import (
    CellError,
    cell_error,
    choice_lookup,
    cities_by_key,
    city_key,
    kopecks_parse,
    named_header_check,
    refusal,
    table_read,
    table_rows,
)
from atomgrad.core.errors import ApplicationError
from atomgrad.core.services import audit_record

Actor = AbstractBaseUser | AnonymousUser | None

AUDIT_IMPORT = "citystats.contest_import"
AUDIT_EDIT = "citystats.contest_edit"
COLUMNS = ("город", "год", "территория", "проект", "предложений", "дней_сбора", "этап", "итог", "грант")
FIELDS = ("territory", "project", "proposals", "collection_days", "stage", "result", "grant_kopecks")
MAX_DAYS = 366


@dataclass
class ContestImportResult:
    years: list[int] = field(default_factory=list)
    applications: int = 0
    changes: dict[str, Any] = field(default_factory=dict)


def application_check(values: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The rules an application obeys, whichever way it comes in: (field, code, ru, en) for each broken one."""
    problems = []
    if values["result"] == ContestResult.WINNER:
        if values["stage"] != ContestStage.FEDERAL:
            problems.append(("stage", "winner_not_federal", "победитель — только заявка, дошедшая до федерального "
                             "этапа", "only an application that reached the federal stage can win"))
        if not values["grant_kopecks"]:
            problems.append(("grant_kopecks", "grant_missing", "у победителя должен быть грант больше нуля",
                             "a winner has a grant above zero"))
    elif values["grant_kopecks"] is not None:
        problems.append(("grant_kopecks", "grant_without_win", "грант бывает только у победителя",
                         "only a winner has a grant"))
    return problems


def contest_table_check(table: list[list[str]]) -> tuple[dict[tuple[City, int], dict[str, Any]], list[CellError]]:
    if not table:
        return {}, [cell_error(1, 0, "", "file_empty", "файл пуст", "the file is empty")]
    columns, errors = named_header_check(table[0], COLUMNS)
    if errors:
        return {}, errors
    lookup, stages, results = cities_by_key(), choice_lookup(ContestStage), choice_lookup(ContestResult)
    rows: dict[tuple[City, int], dict[str, Any]] = {}
    seen: dict[tuple[int, int], int] = {}
    column_of_field = {"territory": "территория", "project": "проект", "proposals": "предложений",
                       "collection_days": "дней_сбора", "stage": "этап", "result": "итог", "grant_kopecks": "грант"}
    for row in table_rows(table, columns=columns, errors=errors):
        row_number, cell, bad = row.number, row.cell, row.bad
        before = len(errors)
        city = lookup.get(city_key(cell("город")))
        if city is None:
            bad("город", "city_unknown" if cell("город") else "city_missing",
                f"неизвестный город «{cell('город')[:60]}»" if cell("город") else "город не указан",
                f"unknown city “{cell('город')[:60]}”" if cell("город") else "the city is empty")
        year_text = cell("год")
        year = int(year_text) if year_text.isdigit() else None
        if year is None or not YEAR_MIN <= year <= YEAR_MAX:
            bad("год", "year_out_of_range", f"год — число от {YEAR_MIN} до {YEAR_MAX}",
                f"the year is a number from {YEAR_MIN} to {YEAR_MAX}")
        values: dict[str, Any] = {}
        for name, key in (("территория", "territory"), ("проект", "project")):
            if not cell(name) or len(cell(name)) > 255:
                bad(name, "text_invalid", "нужен текст до 255 знаков", "a text of up to 255 characters is needed")
            values[key] = cell(name)
        for name, key, high in (("предложений", "proposals", 10**7), ("дней_сбора", "collection_days", MAX_DAYS)):
            text = cell(name)
            number = int(text) if text.isdigit() else None
            if number is None or not (0 if key == "proposals" else 1) <= number <= high:
                bad(name, "number_invalid", f"целое число от {0 if key == 'proposals' else 1} до {high}",
                    f"a whole number from {0 if key == 'proposals' else 1} to {high}")
            values[key] = number
        values["stage"] = stages.get(city_key(cell("этап")))
        if values["stage"] is None:
            bad("этап", "stage_unknown", "этап: муниципальный, региональный или федеральный",
                "the stage: municipal, regional or federal")
        values["result"] = results.get(city_key(cell("итог")))
        if values["result"] is None:
            bad("итог", "result_unknown", "итог: «победитель», «не победил» или «итоги не подведены»",
                "the result: winner, not a winner or pending")
        grant_text = cell("грант")
        values["grant_kopecks"] = kopecks_parse(grant_text) if grant_text else None
        if grant_text and values["grant_kopecks"] is None:
            bad("грант", "money_invalid", f"«{grant_text[:40]}»: нужна сумма в рублях",
                f"“{grant_text[:40]}”: an amount of roubles is needed")
        if len(errors) > before or city is None or year is None:
            continue
        for key, code, ru, en in application_check(values):
            bad(column_of_field[key], code, ru, en)
        if (city.pk, year) in seen:
            bad("город", "application_duplicate", f"заявка города на {year} год уже есть в строке "
                f"{seen[(city.pk, year)]}", f"the city's {year} application is already in row {seen[(city.pk, year)]}")
        seen.setdefault((city.pk, year), row_number)
        rows[(city, year)] = values
    if not rows and not errors:
        errors.append(cell_error(2, 0, "город", "file_no_rows", "в файле нет ни одной строки", "the file has no rows"))
    return rows, errors


def contest_import(*, content: bytes, actor: Actor, file_name: str = "", is_demo: bool = False
                   ) -> ContestImportResult:
    """Check the whole file, then replace the applications of every year it contains, in one transaction,
    audited with what changed. Raises `import_refused` (details.errors: every bad cell) and saves nothing."""
    rows, errors = contest_table_check(table_read(content=content, file_name=file_name))
    if errors:
        raise refusal(errors)
    return _contest_replace(rows=rows, actor=actor, file_name=file_name,
                            file_sha256=hashlib.sha256(content).hexdigest(), is_demo=is_demo)


def _snapshot(application: ContestApplication) -> dict[str, Any]:
    return {key: getattr(application, key) for key in FIELDS}


@transaction.atomic
def _contest_replace(*, rows: dict[tuple[City, int], dict[str, Any]], actor: Actor, file_name: str,
                     file_sha256: str, is_demo: bool) -> ContestImportResult:
    result = ContestImportResult(years=sorted({year for _city, year in rows}))
    # Two imports or edits touching the same city run one after the other (the cities' rows locked in one order),
    # so two first applications of a city and year never race to the unique constraint.
    list(City.objects.select_for_update().filter(pk__in={city.pk for city, _year in rows}).order_by("pk"))
    for year in result.years:
        existing = ContestApplication.objects.select_for_update().filter(year=year).select_related("city")
        old = {application.city.slug: _snapshot(application) for application in existing}
        new = {city.slug: values for (city, row_year), values in rows.items() if row_year == year}
        ContestApplication.objects.filter(year=year).delete()
        ContestApplication.objects.bulk_create([
            ContestApplication(city=city, year=year, is_demo=is_demo, **values)
            for (city, row_year), values in rows.items() if row_year == year
        ])
        changes = {
            "added": sorted(set(new) - set(old)), "removed": sorted(set(old) - set(new)),
            "changed": {slug: {key: [old[slug][key], new[slug][key]] for key in FIELDS
                               if old[slug][key] != new[slug][key]}
                        for slug in sorted(set(old) & set(new)) if old[slug] != new[slug]},
        }
        result.applications += len(new)
        result.changes[str(year)] = changes
        audit_record(actor=actor, action=AUDIT_IMPORT, obj=ContestApplication.objects.filter(year=year).first(),
                     reason=f"Загрузка заявок конкурса за {year} год: год заменён.",
                     details={"year": year, "file": file_name, "sha256": file_sha256, **changes, "demo": is_demo})
    return result


@transaction.atomic
def application_save(*, city: City, year: int, actor: Actor, reason: str = "", **values: Any) -> ContestApplication:
    """Create or change a city's application for a year (the workspace form); audited with [old, new] per field.
    The same rules as the import."""
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ApplicationError("year_out_of_range", f"Год должен быть от {YEAR_MIN} до {YEAR_MAX}.",
                               f"The year must be between {YEAR_MIN} and {YEAR_MAX}.", details={"year": year})
    if set(values) != set(FIELDS):
        raise ApplicationError("field_unknown", "Нужны все поля заявки.", "Every field of the application is needed.",
                               details={"fields": sorted(set(values) ^ set(FIELDS))})
    problems = application_check(values)
    if problems:
        key, code, ru, en = problems[0]
        raise ApplicationError(code, ru[:1].upper() + ru[1:] + ".", en[:1].upper() + en[1:] + ".",
                               details={"field": key, "problems": [p[1] for p in problems]})
    list(City.objects.select_for_update().filter(pk=city.pk))  # serialises edits of the city (see the import)
    application = ContestApplication.objects.select_for_update().filter(city=city, year=year).first()
    old = _snapshot(application) if application else {}
    if application is None:
        application = ContestApplication(city=city, year=year)
    for key, value in values.items():
        setattr(application, key, value)
    application.save()
    changed = {key: [old.get(key), values[key]] for key in FIELDS if old.get(key) != values[key]}
    if changed:
        audit_record(actor=actor, action=AUDIT_EDIT, obj=application, city=city,
                     reason=reason or ("Новая заявка конкурса." if not old else "Изменение заявки конкурса."),
                     details={"year": year, "changed": changed})
    return application


def contest_export_rows(*, year: int | None = None) -> list[list[Any]]:
    rows: list[list[Any]] = [list(COLUMNS)]
    applications = ContestApplication.objects.select_related("city").order_by("year", "city__name_ru")
    if year is not None:
        applications = applications.filter(year=year)
    for a in applications:
        grant = "" if a.grant_kopecks is None else (
            str(a.grant_kopecks // 100) if a.grant_kopecks % 100 == 0 else f"{a.grant_kopecks / 100:.2f}")
        rows.append([a.city.name_ru, a.year, a.territory, a.project, a.proposals, a.collection_days,
                     a.get_stage_display(), a.get_result_display(), grant])
    return rows

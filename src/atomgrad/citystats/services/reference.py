"""Reference data of the urban index: the cities' comparison groups and the national average per year."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils.translation import get_language

from atomgrad.cities.models import City
from atomgrad.citystats.models import URBAN_GROUPS, UrbanGroup, UrbanNationalAverage
from atomgrad.citystats.services.index_import import year_check
from atomgrad.core.errors import ApplicationError
from atomgrad.core.services import audit_record

GROUPS_FILE = Path(settings.REPO_DIR) / "data" / "citystats" / "urban_groups.json"


def group_names(*, path: Path = GROUPS_FILE) -> dict[int, str]:
    """Each group's name in the current language (from the groups file)."""
    english = (get_language() or "ru").startswith("en")
    groups = json.loads(path.read_text(encoding="utf-8"))["groups"]
    return {int(group["group"]): group["name_en" if english else "name_ru"] for group in groups}


@transaction.atomic
def urban_groups_load(*, path: Path = GROUPS_FILE, actor: AbstractBaseUser | AnonymousUser | None = None) -> int:
    """Replace every city's group with the file's (`cities`: slug → group 1…10). An unknown slug or a group out
    of range refuses the whole file."""
    assignments: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))["cities"]
    cities = City.objects.in_bulk(list(assignments), field_name="slug")
    errors = [slug for slug in assignments if slug not in cities]
    errors += [slug for slug, group in assignments.items()
               if not isinstance(group, int) or not 1 <= group <= URBAN_GROUPS]
    if errors:
        raise ApplicationError(
            "groups_invalid", f"Файл групп не принят: неизвестный город или группа вне 1–{URBAN_GROUPS}.",
            f"The groups file is refused: an unknown city or a group outside 1–{URBAN_GROUPS}.",
            details={"cities": sorted(set(errors))},
        )
    before = dict(UrbanGroup.objects.values_list("city__slug", "group"))
    UrbanGroup.objects.all().delete()
    UrbanGroup.objects.bulk_create([UrbanGroup(city=cities[slug], group=group) for slug, group in assignments.items()])
    changed = {slug: [before.get(slug), group] for slug, group in assignments.items() if before.get(slug) != group}
    changed.update({slug: [group, None] for slug, group in before.items() if slug not in assignments})
    anchor = UrbanGroup.objects.order_by("pk").first()  # the audit log names one object: the first row
    if changed and anchor is not None:
        audit_record(actor=actor, action="citystats.groups_load", obj=anchor,
                     reason="Группы городов загружены из файла.", details={"file": str(path), "changed": changed})
    return len(assignments)


@transaction.atomic
def national_average_set(*, year: int, total: str | Decimal, source: str,
                         actor: AbstractBaseUser | AnonymousUser | None) -> UrbanNationalAverage:
    """Set the national average of a year (0–360), audited with the old and the new value."""
    year_check(year)
    try:
        value = Decimal(str(total).replace(",", "."))
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or not 0 <= value <= 360:
        raise ApplicationError("average_out_of_range", "Среднее значение индекса должно быть числом от 0 до 360.",
                               "The average must be a number from 0 to 360.", details={"total": str(total)})
    average = UrbanNationalAverage.objects.select_for_update().filter(year=year).first()
    before = None if average is None else str(average.total)
    if average is None:
        average = UrbanNationalAverage(year=year)
    average.total = value.quantize(Decimal("0.01"))
    average.source = source[:255]
    average.save()
    audit_record(actor=actor, action="citystats.national_average", obj=average,
                 details={"year": year, "total": [before, str(average.total)], "source": average.source})
    return average

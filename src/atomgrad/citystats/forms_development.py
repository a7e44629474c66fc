"""Forms of the organisers' workspace for master plans, the contest and events. They only parse input; the
rules (and the audit) are in services/plans.py, services/contest.py and services/events.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from atomgrad.cities.models import City
from atomgrad.citystats.models import (
    YEAR_MAX,
    YEAR_MIN,
    ContestResult,
    ContestStage,
    PlanCategory,
    PlanProject,
    ProjectStatus,
)

DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]


def kopecks_of(roubles: Decimal) -> int:
    return int(roubles * 100)


def _money(label: Any, *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(label=label, min_value=0, max_digits=16, decimal_places=2, required=required,
                              localize=True, widget=forms.TextInput(attrs={"inputmode": "decimal"}))


class DevelopmentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Что загружается"), widget=forms.RadioSelect, choices=[
        ("plans", _("мастер-планы (проекты и этапы)")), ("contest", _("заявки на конкурс Минстроя"))])
    file = forms.FileField(label=_("Файл XLSX или CSV"), help_text=_("Столбцы описаны на странице документации."))


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("Название"), max_length=255)
    category = forms.ChoiceField(label=_("Категория"), choices=PlanCategory.choices)
    status = forms.ChoiceField(label=_("Статус"), choices=ProjectStatus.choices)
    responsible = forms.CharField(label=_("Ответственный орган"), max_length=255)
    federal = _money(_("Федеральный бюджет, ₽"))
    regional = _money(_("Региональный бюджет, ₽"))
    municipal = _money(_("Муниципальный бюджет, ₽"))
    rosatom = _money(_("Росатом, ₽"))
    extra = _money(_("Внебюджетные средства, ₽"))

    def __init__(self, data: Any = None, *, instance_values: PlanProject) -> None:
        initial = {"name": instance_values.name, "category": instance_values.category,
                   "status": instance_values.status, "responsible": instance_values.responsible,
                   **{source: Decimal(getattr(instance_values, f"{source}_kopecks")) / 100
                      for source in ("federal", "regional", "municipal", "rosatom", "extra")}}
        super().__init__(data, initial=initial)


class MilestoneForm(forms.Form):
    name = forms.CharField(label=_("Этап"), max_length=255)
    planned_on = forms.DateField(label=_("Срок по плану (ДД.ММ.ГГГГ)"), input_formats=DATE_FORMATS)
    actual_on = forms.DateField(label=_("Выполнен (ДД.ММ.ГГГГ; пусто — ещё нет)"), input_formats=DATE_FORMATS,
                                required=False)
    spent = _money(_("Освоено, ₽"))


class ContestApplicationForm(forms.Form):
    city = forms.ModelChoiceField(label=_("Город"), queryset=City.objects.order_by("name_ru"))
    year = forms.IntegerField(label=_("Год"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    territory = forms.CharField(label=_("Территория"), max_length=255)
    project = forms.CharField(label=_("Проект"), max_length=255)
    proposals = forms.IntegerField(label=_("Предложений жителей"), min_value=0)
    collection_days = forms.IntegerField(label=_("Дней сбора предложений"), min_value=1, max_value=366)
    stage = forms.ChoiceField(label=_("Этап, которого достигла заявка"), choices=ContestStage.choices)
    result = forms.ChoiceField(label=_("Итог"), choices=ContestResult.choices)
    grant = _money(_("Грант, ₽ (только у победителя)"), required=False)


class AttendanceForm(forms.Form):
    attendance = forms.IntegerField(label=_("Сколько человек пришло"), min_value=0, max_value=1_000_000)

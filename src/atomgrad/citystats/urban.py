"""Минстрой's urban-environment quality index (government order 510-р of 23.03.2019): its fixed structure.

36 indicators = 6 space types × 6 criteria, numbered 1…36 space type by space type, the criteria in the order
below (indicator 1 = housing × safety, 7 = public and business × safety, 36 = city-wide × management). Each scores
0–10 points; the index is their sum, 0–360; above 180 the environment counts as favourable.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

INDICATORS = 36
VALUE_MAX = Decimal(10)
TOTAL_MAX = Decimal(360)
FAVOURABLE_ABOVE = Decimal(180)
BASE_YEAR = 2019

SPACES = (
    ("housing", _("Жилой фонд и прилегающие пространства"), "housing and adjacent spaces"),
    ("public_business", _("Общественно-деловая инфраструктура"), "public and business infrastructure"),
    ("social_leisure", _("Социально-досуговая инфраструктура"), "social and leisure infrastructure"),
    ("green", _("Озеленённые пространства"), "green spaces"),
    ("streets", _("Улично-дорожная сеть"), "street and road network"),
    ("city_wide", _("Общегородское пространство"), "city-wide space"),
)
CRITERIA = (
    ("safety", _("Безопасность"), "safety"),
    ("comfort", _("Комфортность"), "comfort"),
    ("ecology", _("Экологичность и здоровье"), "ecology and health"),
    ("identity", _("Идентичность и разнообразие"), "identity and diversity"),
    ("modernity", _("Современность среды"), "modernity"),
    ("management", _("Эффективность управления"), "management efficiency"),
)


def indicator_position(number: int) -> tuple[int, int]:
    """(space type index, criterion index), both 0-based, of indicator `number` (1…36)."""
    if not 1 <= number <= INDICATORS:
        raise ValueError(number)
    return (number - 1) // 6, (number - 1) % 6


def indicator_label(number: int) -> str:
    space, criterion = indicator_position(number)
    return f"{SPACES[space][1]} — {CRITERIA[criterion][1]}"


def indicator_label_en(number: int) -> str:
    space, criterion = indicator_position(number)
    return f"{SPACES[space][2]} — {CRITERIA[criterion][2]}"

# Short labels for the heatmap's axes (the data table under it gives the full names).
SPACES_SHORT = (_("Жильё"), _("Деловая"), _("Досуг"), _("Зелень"), _("Улицы"), _("Город"))
CRITERIA_SHORT = (_("Безоп."), _("Комф."), _("Экол."), _("Идент."), _("Совр."), _("Упр."))

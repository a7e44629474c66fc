"""The cities' indices: Минстрой's urban-environment quality index (36 indicators) and the quality-of-life index.

Values come only from imports (`services/urban_import.py`, `services/qol_import.py`) that replace a whole year;
ranks and changes are computed when read (`selectors.py`), the quality-of-life index when a year is imported
(`services/qol_compute.py`, with the method version that made it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from atomgrad.cities.models import City

URBAN_GROUPS = 10
YEAR_MIN = 2018  # order 510-р dates from 2019; 2018 is the methodology's first measured year
YEAR_MAX = 2100


class IndexKind(models.TextChoices):
    URBAN = "urban", _("индекс качества городской среды")
    QOL = "qol", _("индекс качества жизни")


class IndexYear(models.Model):
    """One imported year of one index: who loaded it and when, whether it is the demo's fictional data, and
    (for the quality-of-life index) which method version computed it. The audit log records every import."""

    kind = models.CharField(_("индекс"), max_length=8, choices=IndexKind.choices)
    year = models.PositiveSmallIntegerField(_("год"))
    is_demo = models.BooleanField(_("демонстрационные (вымышленные) данные"), default=False)
    file_name = models.CharField(_("файл"), max_length=255, blank=True)
    file_sha256 = models.CharField(_("SHA-256 файла"), max_length=64, blank=True)
    imported_at = models.DateTimeField(_("загружен"), auto_now=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("кто загрузил"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    method_version = models.CharField(_("версия методики"), max_length=32, blank=True)
    method_sha256 = models.CharField(_("SHA-256 файла методики"), max_length=64, blank=True)
    sensitivity_seed = models.BigIntegerField(_("зерно анализа чувствительности"), null=True, blank=True)
    sensitivity_draws = models.PositiveIntegerField(_("число испытаний"), null=True, blank=True)

    class Meta:
        verbose_name = _("год индекса")
        verbose_name_plural = _("годы индексов")
        ordering = ["kind", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="citystats_index_year_once"),
            models.CheckConstraint(condition=models.Q(year__gte=YEAR_MIN, year__lte=YEAR_MAX),
                                   name="citystats_index_year_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year}"


class UrbanGroup(models.Model):
    """A city's group in Минстрой's comparison (10 groups by population and climate), loaded from
    data/citystats/urban_groups.json. Ranks within a group are computed only for cities that have one."""

    city = models.OneToOneField(City, verbose_name=_("город"), on_delete=models.CASCADE,
                                related_name="urban_group")
    group = models.PositiveSmallIntegerField(_("группа"))

    class Meta:
        verbose_name = _("группа города")
        verbose_name_plural = _("группы городов")
        ordering = ["group", "city__name_ru"]
        constraints = [
            models.CheckConstraint(condition=models.Q(group__gte=1, group__lte=URBAN_GROUPS),
                                   name="citystats_urban_group_range"),
        ]

    def __str__(self) -> str:
        return f"{self.city} — {self.group}"


class UrbanScore(models.Model):
    """A city's 36 indicator values for a year (decimal strings, in the methodology's order) and their total."""

    city = models.ForeignKey(City, verbose_name=_("город"), on_delete=models.CASCADE, related_name="urban_scores")
    year = models.PositiveSmallIntegerField(_("год"))
    values = models.JSONField(_("значения 36 показателей"))
    total = models.DecimalField(_("индекс"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("индекс качества городской среды")
        verbose_name_plural = _("индекс качества городской среды")
        ordering = ["-year", "-total"]
        constraints = [
            models.UniqueConstraint(fields=["city", "year"], name="citystats_urban_score_once"),
            models.CheckConstraint(condition=models.Q(total__gte=0, total__lte=360),
                                   name="citystats_urban_total_range"),
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.year}: {self.total}"


class UrbanNationalAverage(models.Model):
    """Reference data: the national average of the index for a year (as Минстрой publishes it)."""

    year = models.PositiveSmallIntegerField(_("год"), unique=True)
    total = models.DecimalField(_("среднее по России"), max_digits=6, decimal_places=2)
    source = models.CharField(_("источник"), max_length=255)

    class Meta:
        verbose_name = _("среднее значение индекса по России")
        verbose_name_plural = _("средние значения индекса по России")
        ordering = ["year"]
        constraints = [
            models.CheckConstraint(condition=models.Q(total__gte=0, total__lte=360),
                                   name="citystats_national_total_range"),
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.total}"


class QolValue(models.Model):
    """One raw indicator value of the quality-of-life index (in the indicator's unit); a missing value is no
    row."""

    city = models.ForeignKey(City, verbose_name=_("город"), on_delete=models.CASCADE, related_name="qol_values")
    year = models.PositiveSmallIntegerField(_("год"))
    indicator = models.CharField(_("показатель"), max_length=32)
    value = models.FloatField(_("значение"))

    class Meta:
        verbose_name = _("значение показателя качества жизни")
        verbose_name_plural = _("значения показателей качества жизни")
        ordering = ["year", "city__name_ru", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["city", "year", "indicator"], name="citystats_qol_value_once"),
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.year} {self.indicator}={self.value}"


class QolResult(models.Model):
    """A city's quality-of-life index for a year as the year's method computed it, with its rank and the rank
    interval (5th–95th percentile) of the sensitivity analysis. No row: not enough data to rank the city."""

    city = models.ForeignKey(City, verbose_name=_("город"), on_delete=models.CASCADE, related_name="qol_results")
    year = models.PositiveSmallIntegerField(_("год"))
    score = models.FloatField(_("индекс"))
    rank = models.PositiveSmallIntegerField(_("место"))
    rank_low = models.PositiveSmallIntegerField(_("лучшее место (5-й процентиль)"))
    rank_high = models.PositiveSmallIntegerField(_("худшее место (95-й процентиль)"))
    domains = models.JSONField(_("оценки по сферам"), default=dict)

    class Meta:
        verbose_name = _("индекс качества жизни")
        verbose_name_plural = _("индекс качества жизни")
        ordering = ["-year", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["city", "year"], name="citystats_qol_result_once"),
            models.CheckConstraint(condition=models.Q(rank_low__lte=models.F("rank_high")),
                                   name="citystats_qol_rank_interval_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.year}: {self.score:.1f} ({self.rank})"

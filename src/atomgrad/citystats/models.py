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


# --- What the cities do (issue 11): master plans, Минстрой's contest, the Union's programmes and events. --------
# Written by services/plans.py, services/contest.py, services/events.py; read by plans.py, contest.py,
# programmes.py and summary.py. Money is stored in kopecks (integers), never as floats.


class PlanCategory(models.TextChoices):
    HOUSING_UTILITIES = "housing_utilities", _("жильё и коммунальная инфраструктура")
    EDUCATION = "education", _("образование")
    PUBLIC_SPACES = "public_spaces", _("общественные пространства")
    HEALTHCARE = "healthcare", _("здравоохранение")
    CULTURE_SPORT = "culture_sport", _("культура и спорт")
    TRANSPORT = "transport", _("транспорт и дороги")
    OTHER = "other", _("другое")


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("запланирован")
    IN_PROGRESS = "in_progress", _("в работе")
    DONE = "done", _("завершён")
    SUSPENDED = "suspended", _("приостановлен")


# The budget's sources, in the order of the import's columns and the pages' tables.
FUNDING_SOURCES = ("federal", "regional", "municipal", "rosatom", "extra")


class MasterPlan(models.Model):
    """A city's master plan: its projects with budgets by source and their milestones."""

    city = models.OneToOneField(City, verbose_name=_("город"), on_delete=models.CASCADE, related_name="master_plan")
    is_demo = models.BooleanField(_("демонстрационные (вымышленные) данные"), default=False)
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)

    class Meta:
        verbose_name = _("мастер-план")
        verbose_name_plural = _("мастер-планы")
        ordering = ["city__name_ru"]

    def __str__(self) -> str:
        return str(self.city)


class PlanProject(models.Model):
    """A project of a master plan. `code` is the import's key (unique within the plan)."""

    plan = models.ForeignKey(MasterPlan, verbose_name=_("мастер-план"), on_delete=models.CASCADE,
                             related_name="projects")
    code = models.CharField(_("код"), max_length=32)
    name = models.CharField(_("название"), max_length=255)
    category = models.CharField(_("категория"), max_length=24, choices=PlanCategory.choices)
    status = models.CharField(_("статус"), max_length=16, choices=ProjectStatus.choices)
    responsible = models.CharField(_("ответственный орган"), max_length=255)
    federal_kopecks = models.BigIntegerField(_("федеральный бюджет, коп."), default=0)
    regional_kopecks = models.BigIntegerField(_("региональный бюджет, коп."), default=0)
    municipal_kopecks = models.BigIntegerField(_("муниципальный бюджет, коп."), default=0)
    rosatom_kopecks = models.BigIntegerField(_("Росатом, коп."), default=0)
    extra_kopecks = models.BigIntegerField(_("внебюджетные средства, коп."), default=0)

    class Meta:
        verbose_name = _("проект мастер-плана")
        verbose_name_plural = _("проекты мастер-планов")
        ordering = ["plan", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="citystats_plan_project_code_once"),
            models.CheckConstraint(
                condition=models.Q(federal_kopecks__gte=0, regional_kopecks__gte=0, municipal_kopecks__gte=0,
                                   rosatom_kopecks__gte=0, extra_kopecks__gte=0),
                name="citystats_plan_project_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def budget_kopecks(self) -> int:
        return sum(getattr(self, f"{source}_kopecks") for source in FUNDING_SOURCES)


class PlanMilestone(models.Model):
    """A stage of a project: when it is planned, when it was reached (none: not yet) and what reaching it cost.
    Late = planned date passed in Moscow and no actual date (`plans.milestone_is_late`)."""

    project = models.ForeignKey(PlanProject, verbose_name=_("проект"), on_delete=models.CASCADE,
                                related_name="milestones")
    name = models.CharField(_("этап"), max_length=255)
    planned_on = models.DateField(_("срок по плану"))
    actual_on = models.DateField(_("выполнен"), null=True, blank=True)
    spent_kopecks = models.BigIntegerField(_("освоено, коп."), default=0)

    class Meta:
        verbose_name = _("этап проекта")
        verbose_name_plural = _("этапы проектов")
        ordering = ["project", "planned_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(spent_kopecks__gte=0),
                                   name="citystats_plan_milestone_spent_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code}: {self.name}"


class ContestStage(models.TextChoices):
    MUNICIPAL = "municipal", _("муниципальный")
    REGIONAL = "regional", _("региональный")
    FEDERAL = "federal", _("федеральный")


class ContestResult(models.TextChoices):
    WINNER = "winner", _("победитель")
    NOT_WINNER = "not_winner", _("не победил")
    PENDING = "pending", _("итоги не подведены")


class ContestApplication(models.Model):
    """A city's application to Минстрой's all-Russian contest of comfortable-urban-environment projects in a
    small town (one per city and year)."""

    city = models.ForeignKey(City, verbose_name=_("город"), on_delete=models.CASCADE,
                             related_name="contest_applications")
    year = models.PositiveSmallIntegerField(_("год"))
    territory = models.CharField(_("территория"), max_length=255)
    project = models.CharField(_("проект"), max_length=255)
    proposals = models.PositiveIntegerField(_("предложений жителей"))
    collection_days = models.PositiveSmallIntegerField(_("дней сбора предложений"))
    stage = models.CharField(_("этап, которого достигла заявка"), max_length=16, choices=ContestStage.choices)
    result = models.CharField(_("итог"), max_length=16, choices=ContestResult.choices)
    grant_kopecks = models.BigIntegerField(_("грант, коп."), null=True, blank=True)
    is_demo = models.BooleanField(_("демонстрационные (вымышленные) данные"), default=False)

    class Meta:
        verbose_name = _("заявка на конкурс Минстроя")
        verbose_name_plural = _("заявки на конкурс Минстроя")
        ordering = ["-year", "city__name_ru"]
        constraints = [
            models.UniqueConstraint(fields=["city", "year"], name="citystats_contest_once_per_year"),
            models.CheckConstraint(condition=models.Q(year__gte=YEAR_MIN, year__lte=YEAR_MAX),
                                   name="citystats_contest_year_range"),
            # a winner has a grant; no one else has
            models.CheckConstraint(
                condition=(models.Q(result="winner", stage="federal", grant_kopecks__gt=0)
                           | (~models.Q(result="winner") & models.Q(grant_kopecks__isnull=True))),
                name="citystats_contest_grant_only_for_winners"),
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.year}: {self.project}"


class Programme(models.Model):
    """A social programme of the Union «Атомные города» and the cities it runs in."""

    code = models.SlugField(_("код"), max_length=64, unique=True)
    name = models.CharField(_("название"), max_length=255)
    aim = models.TextField(_("цель"))
    cities = models.ManyToManyField(City, verbose_name=_("города"), related_name="programmes", blank=True)
    is_demo = models.BooleanField(_("демонстрационные (вымышленные) данные"), default=False)

    class Meta:
        verbose_name = _("программа Союза")
        verbose_name_plural = _("программы Союза")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EventFormat(models.TextChoices):
    IN_PERSON = "in_person", _("очно")
    ONLINE = "online", _("онлайн")
    HYBRID = "hybrid", _("смешанный")


class Event(models.Model):
    """An event of a programme in a city. `starts_at` is aware and stored in UTC, shown in Moscow time.
    Attendance is entered after the event has started (`services/events.attendance_record`)."""

    city = models.ForeignKey(City, verbose_name=_("город"), on_delete=models.CASCADE, related_name="union_events")
    programme = models.ForeignKey(Programme, verbose_name=_("программа"), on_delete=models.PROTECT,
                                  related_name="events")
    title = models.CharField(_("название"), max_length=255)
    starts_at = models.DateTimeField(_("начало"))
    duration_minutes = models.PositiveIntegerField(_("продолжительность, мин."), default=120)
    format = models.CharField(_("формат"), max_length=16, choices=EventFormat.choices)
    place = models.CharField(_("место"), max_length=255)
    attendance = models.PositiveIntegerField(_("участников"), null=True, blank=True)
    is_demo = models.BooleanField(_("демонстрационные (вымышленные) данные"), default=False)

    class Meta:
        verbose_name = _("мероприятие")
        verbose_name_plural = _("мероприятия")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["city", "starts_at"], name="citystats_event_city_start")]
        constraints = [
            models.CheckConstraint(condition=models.Q(duration_minutes__gte=1, duration_minutes__lte=60 * 24 * 14),
                                   name="citystats_event_duration_range"),
        ]

    def __str__(self) -> str:
        return f"{self.city}: {self.title}"


class CityReach(models.Model):
    """How many distinct residents the Union's events reached in a city in a year, when it is known (counted by
    registration). Without it the reach is the sum of the events' attendance, and the pages say so."""

    city = models.ForeignKey(City, verbose_name=_("город"), on_delete=models.CASCADE, related_name="union_reach")
    year = models.PositiveSmallIntegerField(_("год"))
    distinct_residents = models.PositiveIntegerField(_("разных жителей"))
    is_demo = models.BooleanField(_("демонстрационные (вымышленные) данные"), default=False)

    class Meta:
        verbose_name = _("охват жителей")
        verbose_name_plural = _("охват жителей")
        ordering = ["-year", "city__name_ru"]
        constraints = [models.UniqueConstraint(fields=["city", "year"], name="citystats_reach_once_per_year")]

    def __str__(self) -> str:
        return f"{self.city} {self.year}: {self.distinct_residents}"

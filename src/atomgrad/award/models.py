from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from atomgrad.award.phases import PHASE_RULES, PHASE_STARTS, Phase, PhaseRules
from atomgrad.cities.models import City

STORY_MAX_LENGTH = 3000
STORY_SHORT_LENGTH = 280


def private_storage() -> Storage:
    """Petitions live outside MEDIA_ROOT and are served only through permission-checked views."""
    return storages["private"]


class Season(models.Model):
    """One year of the award: its phase dates (stored in UTC, shown in Moscow time) and its rules."""

    year = models.PositiveIntegerField(_("год"), unique=True)
    title = models.CharField(_("название"), max_length=200)
    applications_open_at = models.DateTimeField(_("начало приёма заявок"))
    applications_close_at = models.DateTimeField(_("окончание приёма заявок"))
    voting_open_at = models.DateTimeField(_("начало голосования"))
    voting_close_at = models.DateTimeField(_("окончание голосования"))
    results_at = models.DateTimeField(_("объявление итогов"))
    ceremony_at = models.DateTimeField(_("церемония награждения"))
    ceremony_place = models.CharField(
        _("место церемонии"), max_length=300, blank=True,
        help_text=_("Где пройдёт церемония награждения; показывается на страницах итогов."),
    )

    min_age = models.PositiveSmallIntegerField(_("минимальный возраст соискателя"), default=18)
    laureate_cooldown_years = models.PositiveSmallIntegerField(
        _("лет ожидания для призёров прошлых сезонов"), default=3,
        help_text=_("Сколько лет призёр (1–3 место) не может снова подать заявку."),
    )
    votes_per_voter = models.PositiveSmallIntegerField(
        _("голосов у одного жителя"), default=3, validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("За скольких разных соискателей может проголосовать один житель."),
    )
    laureate_min_valid_votes = models.PositiveIntegerField(
        _("минимум действительных голосов для призёра"), default=1, validators=[MinValueValidator(1)],
        help_text=_("Соискатель, набравший меньше действительных голосов, не становится призёром."),
    )
    own_city_only = models.BooleanField(_("голосовать только в своём городе"), default=True)
    counts_public = models.BooleanField(_("показывать промежуточные итоги"), default=False)
    cities = models.ManyToManyField(City, verbose_name=_("города-участники"), related_name="seasons")

    class Meta:
        verbose_name = _("сезон")
        verbose_name_plural = _("сезоны")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(applications_open_at__lt=F("applications_close_at"))
                & Q(applications_close_at__lte=F("voting_open_at"))
                & Q(voting_open_at__lt=F("voting_close_at"))
                & Q(voting_close_at__lte=F("results_at"))
                & Q(results_at__lte=F("ceremony_at")),
                name="season_phases_in_order",
            ),
            models.CheckConstraint(condition=Q(votes_per_voter__gte=1), name="season_votes_per_voter_positive"),
            models.CheckConstraint(condition=Q(laureate_min_valid_votes__gte=1),
                                   name="season_laureate_min_valid_votes_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def phase_at(self, moment: dt.datetime) -> Phase:
        phase = Phase.UPCOMING
        for candidate_phase, field in PHASE_STARTS:
            if moment >= getattr(self, field):
                phase = candidate_phase
        return phase

    @property
    def phase(self) -> Phase:
        return self.phase_at(timezone.now())

    @property
    def phase_rules(self) -> PhaseRules:
        return PHASE_RULES[self.phase]


class CityWindowExtension(models.Model):
    """What every extension of one city's window has (the vote's: `voting.VotingExtension`; the moderation's:
    `ModerationExtension`): who extended it, why, when. The concrete models add the season, the city and the
    new end, each with its own names; the latest extension of a city is in force."""

    reason = models.TextField(_("причина"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("кто продлил"), on_delete=models.PROTECT,
                              related_name="+")
    created_at = models.DateTimeField(_("когда"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.city} → {self.closes_at:%Y-%m-%d %H:%M}"


class ModerationExtension(CityWindowExtension):
    """Organisers let one city's committee go on deciding applications after the vote has opened (a committee
    formed late, a batch of appeals). The latest extension of a city is in force; it ends no later than the
    season's vote, and a candidate published under it joins the vote from that moment. Each one is audited."""

    season = models.ForeignKey(Season, verbose_name=_("сезон"), on_delete=models.PROTECT,
                               related_name="moderation_extensions")
    city = models.ForeignKey(City, verbose_name=_("город"), on_delete=models.PROTECT,
                             related_name="moderation_extensions")
    closes_at = models.DateTimeField(_("проверка заявок закрывается"))

    class Meta:
        verbose_name = _("продление проверки заявок")
        verbose_name_plural = _("продления проверки заявок")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="moderation_extension_has_reason")]
        indexes = [models.Index(fields=["season", "city", "-created_at"])]


class Sphere(models.Model):
    """A sphere candidates come from (not a separate nomination: the award is one rating per city)."""

    slug = models.SlugField(_("код"), max_length=64, unique=True)
    name_ru = models.CharField(_("название"), max_length=128)
    name_en = models.CharField(_("название (англ.)"), max_length=128)
    order = models.PositiveSmallIntegerField(_("порядок"), default=0)
    is_active = models.BooleanField(_("доступна в заявке"), default=True)

    class Meta:
        verbose_name = _("сфера")
        verbose_name_plural = _("сферы")
        ordering = ["order", "name_ru"]

    def __str__(self) -> str:
        return self.name_ru

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "ru").startswith("en") else self.name_ru


class ConsentKind(models.TextChoices):
    APPLICATION = "application", _("заявка соискателя")
    VOTER = "voter", _("регистрация жителя для голосования")


class ConsentDocument(models.Model):
    """An exact, versioned consent text (152-ФЗ). Texts are never edited: a change is a new version."""

    kind = models.CharField(_("вид"), max_length=16, choices=ConsentKind.choices)
    version = models.CharField(_("версия"), max_length=32)
    title = models.CharField(_("заголовок"), max_length=200)
    text = models.TextField(_("текст"))
    published_at = models.DateTimeField(_("опубликован"), default=timezone.now)

    class Meta:
        verbose_name = _("текст согласия")
        verbose_name_plural = _("тексты согласий")
        ordering = ["kind", "-published_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="consent_version_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class NominationKind(models.TextChoices):
    SELF = "self", _("самовыдвижение")
    LABOUR_COLLECTIVE = "labour_collective", _("трудовой коллектив")
    PUBLIC_ORGANISATION = "public_organisation", _("общественная организация")
    INITIATIVE_GROUP = "initiative_group", _("инициативная группа граждан")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("на проверке")
    RETURNED = "returned", _("возвращена на доработку")
    ACCEPTED = "accepted", _("принята")
    REJECTED = "rejected", _("отклонена")


class Application(models.Model):
    """An application (заявка). Once accepted it is a published candidate (соискатель) of its city.

    Phone, e-mail, date of birth, the petition and the consent record are private: public pages and the API
    read candidates only through `award.selectors`, which never select them.
    """

    season = models.ForeignKey(Season, verbose_name=_("сезон"), on_delete=models.PROTECT, related_name="applications")
    city = models.ForeignKey(City, verbose_name=_("город"), on_delete=models.PROTECT, related_name="applications")
    sphere = models.ForeignKey(Sphere, verbose_name=_("сфера"), on_delete=models.PROTECT, related_name="applications")
    full_name = models.CharField(_("фамилия, имя, отчество"), max_length=200)
    birth_date = models.DateField(_("дата рождения"))
    workplace = models.CharField(_("место работы"), max_length=200)
    position = models.CharField(_("должность"), max_length=200)
    story = models.TextField(_("рассказ о достижениях"), max_length=STORY_MAX_LENGTH)
    photo = models.ImageField(_("фотография"), upload_to="photos/%Y/")
    phone = models.CharField(_("телефон"), max_length=32)
    email = models.EmailField(_("электронная почта"))

    nomination_kind = models.CharField(
        _("кто выдвигает"), max_length=32, choices=NominationKind.choices, default=NominationKind.SELF
    )
    nominator_name = models.CharField(_("название выдвигающего"), max_length=300, blank=True)
    petition = models.FileField(
        _("ходатайство (PDF)"), upload_to="petitions/%Y/", storage=private_storage, blank=True
    )
    candidate_consent = models.BooleanField(_("согласие соискателя на выдвижение"), default=False)

    consent_document = models.ForeignKey(
        ConsentDocument, verbose_name=_("текст согласия"), on_delete=models.PROTECT, related_name="+"
    )
    consent_given_at = models.DateTimeField(_("согласие дано"))
    consent_ip = models.GenericIPAddressField(_("адрес, с которого дано согласие"))

    # Normalised name + date of birth: one application per person per season, enforced by the database.
    person_key = models.CharField(max_length=64, editable=False)
    status = models.CharField(
        _("статус"), max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED,
        db_index=True,
    )
    status_comment = models.TextField(_("комментарий оргкомитета"), blank=True)
    # A secret link e-mailed to the applicant so a returned application can be fixed without an account.
    edit_token = models.CharField(max_length=64, unique=True, editable=False)
    submitted_at = models.DateTimeField(_("подана"), default=timezone.now)
    decided_at = models.DateTimeField(_("решение принято"), null=True, blank=True)
    published_at = models.DateTimeField(_("опубликована"), null=True, blank=True)

    class Meta:
        verbose_name = _("заявка")
        verbose_name_plural = _("заявки")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["season", "person_key"], name="application_one_per_person_per_season"),
            models.CheckConstraint(
                condition=Q(nomination_kind="self") | Q(candidate_consent=True),
                name="application_nominated_by_others_needs_consent",
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(published_at__isnull=False),
                name="application_accepted_is_published",
            ),
        ]
        indexes = [models.Index(fields=["season", "city", "status"])]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.city})"

    @property
    def is_published(self) -> bool:
        return self.status == ApplicationStatus.ACCEPTED

    @property
    def story_short(self) -> str:
        if len(self.story) <= STORY_SHORT_LENGTH:
            return self.story
        return self.story[:STORY_SHORT_LENGTH].rsplit(" ", 1)[0] + "…"


class Laureate(models.Model):
    """A top-three finisher of a city's vote. Past laureates wait `laureate_cooldown_years` to apply again."""

    season = models.ForeignKey(Season, verbose_name=_("сезон"), on_delete=models.PROTECT, related_name="laureates")
    city = models.ForeignKey(City, verbose_name=_("город"), on_delete=models.PROTECT, related_name="laureates")
    full_name = models.CharField(_("ФИО"), max_length=200)
    birth_date = models.DateField(_("дата рождения"))
    person_key = models.CharField(max_length=64, db_index=True, editable=False)
    place = models.PositiveSmallIntegerField(_("место"), validators=[MinValueValidator(1), MaxValueValidator(3)])
    application = models.OneToOneField(
        Application, verbose_name=_("заявка"), on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        verbose_name = _("призёр")
        verbose_name_plural = _("призёры прошлых сезонов")
        ordering = ["-season__year", "city__name_ru", "place"]
        constraints = [
            models.CheckConstraint(condition=Q(place__gte=1) & Q(place__lte=3), name="laureate_place_1_to_3"),
            models.UniqueConstraint(fields=["season", "person_key"], name="laureate_once_per_season"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name}, {self.place} место, {self.city} ({self.season.year})"

"""The Django admin for federal organisers: seasons, spheres, consent texts, applications, laureates.

Decisions on applications are not taken here: they go through the committee workspace, which checks the state
machine and writes the audit log. The admin is for organisers only (staff with the «Организаторы» group's
permissions, see `award.services.staff`), so it may show private fields.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from atomgrad.award.identity import person_key_for
from atomgrad.award.models import Application, ConsentDocument, Laureate, ModerationExtension, Season, Sphere
from atomgrad.award.services.moderation import moderation_extend, moderation_extension_validate
from atomgrad.award.services.seasons import (
    SEASON_DATE_FIELDS,
    confirmation_error,
    describe_change,
    reason_check,
    season_dates_change,
    season_dates_preview,
)
from atomgrad.cities.permissions import user_is_organiser
from atomgrad.core.admin import EXTENSION_FIELDS, CityWindowExtensionAdmin, CityWindowExtensionForm
from atomgrad.core.errors import ApplicationError
from atomgrad.core.generations import CANDIDATES, generation_bump
from atomgrad.core.text import FreeTextFormMixin


class SeasonAdminForm(FreeTextFormMixin, forms.ModelForm):
    """A season's settings. Changing the dates of an existing season goes through `season_dates_change`: it
    asks for a reason, for a confirmation when it cuts the open phase short, and writes the audit log."""

    change_reason = forms.CharField(
        label=_("Причина изменения сроков"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Обязательна, если меняются даты этапов. Попадёт в журнал действий."),
    )
    confirm_change = forms.BooleanField(
        label=_("Подтверждаю изменение, которое сокращает идущий этап или сразу меняет этап"), required=False,
    )

    class Meta:
        model = Season
        fields = ["year", "title", "cities", *SEASON_DATE_FIELDS, "ceremony_place", "min_age",
                  "laureate_cooldown_years", "votes_per_voter", "laureate_min_valid_votes", "own_city_only",
                  "counts_public"]

    def clean(self) -> dict[str, Any]:
        """The phase dates must follow each other (the database refuses them otherwise, less politely); a
        change of an existing season's dates needs a reason and, when it cuts the open phase short, a
        confirmation — checked by the same service that then makes the change."""
        data = super().clean()
        dates = {field: data.get(field) for field in SEASON_DATE_FIELDS}
        if any(value is None for value in dates.values()):
            return data  # a missing or malformed date has its own message already
        if self.instance.pk is None:
            try:
                season_dates_preview(season=Season(**{f: dates[f] for f in SEASON_DATE_FIELDS}), dates=dates)
            except ApplicationError as error:
                self.add_error(error.details.get("field"), error.message_ru)
            return data
        stored = Season.objects.get(pk=self.instance.pk)
        try:
            change = season_dates_preview(season=stored, dates=dates)  # type: ignore[arg-type]
        except ApplicationError as error:
            self.add_error(error.details.get("field"), error.message_ru)
            return data
        self.dates_change = change
        if change.changes:
            try:
                reason_check(data.get("change_reason") or "")
            except ApplicationError as error:
                self.add_error("change_reason", error.message_ru)
            if change.needs_confirmation and not data.get("confirm_change"):
                lines = "; ".join(describe_change(change))
                self.add_error("confirm_change", f"{confirmation_error(change).message_ru} ({lines})")
        return data


@admin.register(Season)
class SeasonAdmin(admin.ModelAdmin):
    form = SeasonAdminForm
    list_display = ["year", "title", "current_phase", "applications_open_at", "voting_open_at", "voting_close_at",
                    "city_count"]
    search_fields = ["title", "year"]
    filter_horizontal = ["cities"]
    fieldsets = [
        (None, {"fields": ["year", "title", "cities"]}),
        (_("Этапы (московское время)"), {"fields": [*SEASON_DATE_FIELDS, "change_reason", "confirm_change",
                                                 "ceremony_place"]}),
        (_("Правила сезона"), {"fields": ["min_age", "laureate_cooldown_years", "votes_per_voter",
                                          "laureate_min_valid_votes", "own_city_only", "counts_public"]}),
    ]

    def save_model(self, request: HttpRequest, obj: Season, form: SeasonAdminForm, change: bool) -> None:
        """Other settings are saved as usual; the dates of an existing season only through the service (the
        admin's view runs all of it in one transaction)."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        stored = Season.objects.get(pk=obj.pk)
        dates = {field: getattr(obj, field) for field in SEASON_DATE_FIELDS}
        for field in SEASON_DATE_FIELDS:
            setattr(obj, field, getattr(stored, field))
        super().save_model(request, obj, form, change)
        season_dates_change(actor=request.user, season=obj, dates=dates,
                            reason=form.cleaned_data.get("change_reason") or "",
                            confirmed=bool(form.cleaned_data.get("confirm_change")))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Season]:
        return super().get_queryset(request).prefetch_related("cities")

    @admin.display(description=_("текущий этап"))
    def current_phase(self, season: Season) -> str:
        return str(season.phase_rules.title)

    @admin.display(description=_("городов"))
    def city_count(self, season: Season) -> int:
        return len(season.cities.all())


class ModerationExtensionForm(CityWindowExtensionForm):
    validate = staticmethod(moderation_extension_validate)

    class Meta:
        model = ModerationExtension
        fields = list(EXTENSION_FIELDS)
        help_texts = {
            "closes_at": _("Московское время. Позже начала голосования и не позже его окончания в сезоне."),
            "reason": _("Причина попадает в журнал аудита."),
        }


@admin.register(ModerationExtension)
class ModerationExtensionAdmin(CityWindowExtensionAdmin):
    """Organisers let a city's committee go on moderating during the vote: «Добавить продление проверки заявок»."""

    form = ModerationExtensionForm
    grant = staticmethod(moderation_extend)


@admin.register(Sphere)
class SphereAdmin(admin.ModelAdmin):
    list_display = ["name_ru", "name_en", "slug", "order", "is_active"]
    list_editable = ["order", "is_active"]
    list_display_links = ["name_ru"]
    list_filter = ["is_active"]
    search_fields = ["name_ru", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    ordering = ["order", "name_ru"]

    def save_model(self, request: HttpRequest, obj: Sphere, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            generation_bump(name=CANDIDATES)  # candidate cards show the sphere's name


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(admin.ModelAdmin):
    """Consent texts are evidence of what a person agreed to: added, never edited or deleted."""

    list_display = ["title", "kind", "version", "published_at"]
    list_filter = ["kind"]
    search_fields = ["title", "version", "text"]

    def has_change_permission(self, request: HttpRequest, obj: ConsentDocument | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ConsentDocument | None = None) -> bool:
        return False


def _check_person_unique(form: forms.ModelForm, model: type[Application] | type[Laureate]) -> None:
    """Changing a name or a date of birth must not make two records of one person in a season."""
    data = form.cleaned_data
    season = data.get("season") or (form.instance.season if form.instance.season_id else None)
    full_name, birth_date = data.get("full_name"), data.get("birth_date")
    if season is None or not full_name or birth_date is None:
        return
    duplicates = model.objects.filter(season=season, person_key=person_key_for(full_name, birth_date))
    if form.instance.pk:
        duplicates = duplicates.exclude(pk=form.instance.pk)
    if duplicates.exists():
        form.add_error("full_name", _("В этом сезоне уже есть запись этого человека (то же ФИО и дата рождения)."))


class ApplicationAdminForm(FreeTextFormMixin, forms.ModelForm):
    class Meta:
        model = Application
        fields = ["sphere", "full_name", "birth_date", "workplace", "position", "story", "phone", "email",
                  "nomination_kind", "nominator_name"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _check_person_unique(self, Application)
        return data


class LaureateAdminForm(FreeTextFormMixin, forms.ModelForm):
    class Meta:
        model = Laureate
        fields = ["season", "city", "place", "full_name", "birth_date", "application"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _check_person_unique(self, Laureate)
        return data


class OrganiserOnlyMixin:
    """Private data: even a staff account with the model permission must also be an organiser."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_organiser(request.user) and super().has_view_permission(request, obj)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_organiser(request.user) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return user_is_organiser(request.user) and super().has_module_permission(request)  # type: ignore[misc]


@admin.register(Application)
class ApplicationAdmin(OrganiserOnlyMixin, admin.ModelAdmin):
    """Organisers may correct an application's text (a typo in a name); its status changes only through the
    committee workspace's decisions, which keep the audit log."""

    form = ApplicationAdminForm
    list_display = ["full_name", "city", "sphere", "season", "status", "nomination_kind", "submitted_at",
                    "decided_at"]
    list_filter = ["season", "status", "city", "sphere", "nomination_kind"]
    search_fields = ["full_name", "email", "phone", "workplace", "nominator_name"]
    list_select_related = ["city", "sphere", "season"]
    date_hierarchy = "submitted_at"
    list_per_page = 50
    readonly_fields = [
        "season", "city", "status", "status_comment", "submitted_at", "decided_at", "published_at",
        "photo_preview", "petition_link", "candidate_consent", "consent_document", "consent_given_at",
        "consent_ip", "workspace_link",
    ]
    fieldsets = [
        (None, {"fields": ["workspace_link", "season", "city", "sphere", "full_name", "birth_date", "workplace",
                           "position", "story", "photo_preview"]}),
        (_("Контакты (не публикуются)"), {"fields": ["phone", "email"]}),
        (_("Выдвижение"), {"fields": ["nomination_kind", "nominator_name", "petition_link", "candidate_consent"]}),
        (_("Согласие на обработку персональных данных"),
         {"fields": ["consent_document", "consent_given_at", "consent_ip"]}),
        (_("Решение оргкомитета"),
         {"fields": ["status", "status_comment", "submitted_at", "decided_at", "published_at"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # applications come through the form, with the applicant's consent recorded

    def has_delete_permission(self, request: HttpRequest, obj: Application | None = None) -> bool:
        return False

    @admin.display(description=_("рабочее место оргкомитета"))
    def workspace_link(self, application: Application) -> str:
        url = reverse("award:committee_application", args=[application.pk])
        return format_html('<a href="{}">{}</a>', url, _("Открыть заявку и принять решение"))

    @admin.display(description=_("фотография"))
    def photo_preview(self, application: Application) -> str:
        if not application.photo:
            return "—"
        return format_html('<img src="{}" alt="" style="max-width: 160px; height: auto;">', application.photo.url)

    @admin.display(description=_("ходатайство (PDF)"))
    def petition_link(self, application: Application) -> str:
        if not application.petition:
            return "—"
        url = reverse("award:committee_petition", args=[application.pk])
        return format_html('<a href="{}">{}</a>', url, _("Скачать"))

    def save_model(self, request: HttpRequest, obj: Application, form: Any, change: bool) -> None:
        # The name or the date of birth may have been corrected: the person's identity key follows them.
        obj.person_key = person_key_for(obj.full_name, obj.birth_date)
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            generation_bump(name=CANDIDATES)  # a published candidate's card shows the corrected text


@admin.register(Laureate)
class LaureateAdmin(OrganiserOnlyMixin, admin.ModelAdmin):
    """Top-three finishers of past seasons: they wait `laureate_cooldown_years` before applying again."""

    form = LaureateAdminForm
    list_display = ["full_name", "place", "city", "season"]
    list_filter = ["season", "place", "city"]
    search_fields = ["full_name"]
    list_select_related = ["city", "season"]
    autocomplete_fields = ["application"]
    fields = ["season", "city", "place", "full_name", "birth_date", "application"]

    def has_delete_permission(self, request: HttpRequest, obj: Laureate | None = None) -> bool:
        return user_is_organiser(request.user) and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Laureate, form: Any, change: bool) -> None:
        obj.person_key = person_key_for(obj.full_name, obj.birth_date)
        super().save_model(request, obj, form, change)

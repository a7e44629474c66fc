"""Admin: the indices are read-only here (they change only through the audited imports); the national average
is reference data that organisers set here, through the audited service."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from atomgrad.citystats.models import (
    CityReach,
    ContestApplication,
    Event,
    IndexYear,
    MasterPlan,
    PlanProject,
    Programme,
    QolResult,
    UrbanGroup,
    UrbanNationalAverage,
    UrbanScore,
)
from atomgrad.citystats.services.events import event_create
from atomgrad.citystats.services.reference import national_average_set
from atomgrad.core.admin import ReadOnlyAdmin
from atomgrad.core.services import audit_record


@admin.register(IndexYear)
class IndexYearAdmin(ReadOnlyAdmin):
    list_display = ("kind", "year", "is_demo", "imported_at", "imported_by", "method_version", "file_name")
    list_filter = ("kind", "is_demo")


@admin.register(UrbanScore)
class UrbanScoreAdmin(ReadOnlyAdmin):
    list_display = ("city", "year", "total")
    list_filter = ("year",)


@admin.register(QolResult)
class QolResultAdmin(ReadOnlyAdmin):
    list_display = ("city", "year", "score", "rank", "rank_low", "rank_high")
    list_filter = ("year",)


@admin.register(UrbanGroup)
class UrbanGroupAdmin(ReadOnlyAdmin):
    list_display = ("city", "group")
    list_filter = ("group",)


@admin.register(UrbanNationalAverage)
class UrbanNationalAverageAdmin(admin.ModelAdmin):
    list_display = ("year", "total", "source")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: UrbanNationalAverage, form: Any, change: bool) -> None:
        saved = national_average_set(year=obj.year, total=obj.total, source=obj.source, actor=request.user)
        obj.pk = saved.pk


# --- what the cities do: plans and applications change only through the audited imports and workspace forms;
# programmes and events are entered here, events through the audited service; attendance only in the workspace
# (refused before the event has started) ------------------------------------------------------------------------


@admin.register(MasterPlan)
class MasterPlanAdmin(ReadOnlyAdmin):
    list_display = ("city", "is_demo", "updated_at")


@admin.register(PlanProject)
class PlanProjectAdmin(ReadOnlyAdmin):
    list_display = ("plan", "code", "name", "category", "status")
    list_filter = ("category", "status")


@admin.register(ContestApplication)
class ContestApplicationAdmin(ReadOnlyAdmin):
    list_display = ("city", "year", "project", "stage", "result", "grant_kopecks")
    list_filter = ("year", "result", "stage")


@admin.register(CityReach)
class CityReachAdmin(ReadOnlyAdmin):
    list_display = ("city", "year", "distinct_residents")


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "is_demo")
    filter_horizontal = ("cities",)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("title", "city", "programme", "starts_at", "format", "attendance")
    list_filter = ("programme", "format", "city")
    readonly_fields = ("attendance", "is_demo")
    fields = ("city", "programme", "title", "starts_at", "duration_minutes", "format", "place", "attendance", "is_demo")

    def save_model(self, request: HttpRequest, obj: Event, form: Any, change: bool) -> None:
        if change:  # a correction of an existing event: audited like the service's creation
            super().save_model(request, obj, form, change)
            audit_record(actor=request.user, action="citystats.event_edit", obj=obj, city=obj.city,
                         reason="Изменение мероприятия в админке.", details={"changed": form.changed_data})
            return
        created = event_create(city=obj.city, programme=obj.programme, title=obj.title, starts_at=obj.starts_at,
                               duration_minutes=obj.duration_minutes, format=obj.format, place=obj.place,
                               actor=request.user)
        obj.pk = created.pk

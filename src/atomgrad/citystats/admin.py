"""Admin: the indices are read-only here (they change only through the audited imports); the national average
is reference data that organisers set here, through the audited service."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from atomgrad.citystats.models import IndexYear, QolResult, UrbanGroup, UrbanNationalAverage, UrbanScore
from atomgrad.citystats.services.reference import national_average_set


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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

"""Read-only views of the results records for organisers: decisions, tie decisions, protocols, publications.

Every change goes through the workspace (/committee/results/), whose services check the phase, lock the ledger
head and write the audit log; the admin only shows what was decided."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from atomgrad.results.models import CityDecision, CityProtocol, Publication, TieDecision


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(CityDecision)
class CityDecisionAdmin(ReadOnlyAdmin):
    list_display = ("city", "season", "kind", "candidate", "created_at", "actor", "withdrawn_at")
    list_filter = ("season", "kind", "city")


@admin.register(TieDecision)
class TieDecisionAdmin(ReadOnlyAdmin):
    list_display = ("city", "season", "rule", "created_at", "actor")
    list_filter = ("season", "rule")


@admin.register(CityProtocol)
class CityProtocolAdmin(ReadOnlyAdmin):
    list_display = ("city", "season", "version", "status", "created_at", "signed_at", "pdf_sha256")
    list_filter = ("season", "status")
    exclude = ("data",)


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ("city", "season", "published_at", "published_by")
    list_filter = ("season",)

"""Read-only views of the results records for organisers: decisions, tie decisions, protocols, publications.

Every change goes through the workspace (/committee/results/), whose services check the phase, lock the ledger
head and write the audit log; the admin only shows what was decided."""

from __future__ import annotations

from django.contrib import admin

from atomgrad.core.admin import ReadOnlyAdmin
from atomgrad.results.models import CityDecision, CityProtocol, Publication, TieDecision


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

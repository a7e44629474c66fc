"""The audit log in the admin: organisers read it; nobody adds, changes or deletes an entry there. `ReadOnlyAdmin`
serves every app's insert-only records the same way."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from atomgrad.core.models import AuditLogEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Insert-only records (the audit log, votes, decisions, imported index years…): visible in the admin, never
    added, changed or deleted there — they change only through the services that audit them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "object_type", "object_id", "city", "reason_short"]
    list_filter = ["action", "object_type", "city"]
    search_fields = ["reason", "object_id", "actor__username", "action"]
    list_select_related = ["actor", "city"]
    date_hierarchy = "created_at"
    list_per_page = 100
    fields = ["created_at", "actor", "action", "object_type", "object_id", "city", "reason", "details"]
    readonly_fields = fields

    @admin.display(description=_("причина / комментарий"))
    def reason_short(self, entry: AuditLogEntry) -> str:
        return entry.reason if len(entry.reason) <= 80 else entry.reason[:79] + "…"

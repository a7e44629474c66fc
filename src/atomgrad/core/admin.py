"""The audit log in the admin: organisers read it; nobody adds, changes or deletes an entry there. `ReadOnlyAdmin`
serves every app's insert-only records the same way, and `CityWindowExtensionAdmin` the admins where organisers
extend a city's window (the vote's, the moderation's)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from atomgrad.cities.permissions import user_is_organiser
from atomgrad.core.errors import ApplicationError
from atomgrad.core.models import AuditLogEntry
from atomgrad.core.text import FreeTextFormMixin


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


# --- extensions of a city's window ----------------------------------------------------------------------------

EXTENSION_FIELDS = ("season", "city", "closes_at", "reason")


class CityWindowExtensionForm(FreeTextFormMixin, forms.ModelForm):
    """A new extension of one city's window, checked by the service's own `validate` before it is saved, so the
    admin refuses exactly what the service refuses (in the admin's language)."""

    validate: ClassVar[Callable[..., str]]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if all(data.get(name) for name in EXTENSION_FIELDS):
            try:
                data["reason"] = type(self).validate(**{name: data[name] for name in EXTENSION_FIELDS})
            except ApplicationError as error:
                raise ValidationError(error.message(get_language())) from error
        return data


class CityWindowExtensionAdmin(ReadOnlyAdmin):
    """Organisers add extensions here; extensions are never edited or deleted: a correction is a new extension
    (the latest one is in force). Saving goes through the service `grant`, which checks and audits."""

    grant: ClassVar[Callable[..., models.Model]]
    list_display = ["city", "season", "closes_at", "actor", "created_at", "reason"]
    list_filter = ["season", "city"]
    list_select_related = ["city", "season", "actor"]
    autocomplete_fields = ["city"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Django's own check (the model's add permission), skipping ReadOnlyAdmin's refusal.
        return admin.ModelAdmin.has_add_permission(self, request) and user_is_organiser(request.user)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = type(self).grant(actor=request.user, **{name: getattr(obj, name) for name in EXTENSION_FIELDS})
        obj.pk = saved.pk
        obj.actor = saved.actor
        obj.created_at = saved.created_at

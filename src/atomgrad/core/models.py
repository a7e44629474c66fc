from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditLogEntry(models.Model):
    """One decision a person made: who, when, what, on what, why. Append-only (never updated or deleted)."""

    created_at = models.DateTimeField(_("когда"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    action = models.CharField(_("действие"), max_length=64, db_index=True)
    object_type = models.CharField(_("тип объекта"), max_length=64)
    object_id = models.CharField(_("объект"), max_length=64)
    city = models.ForeignKey(
        "cities.City", verbose_name=_("город"), on_delete=models.PROTECT, null=True, blank=True
    )
    reason = models.TextField(_("причина / комментарий"), blank=True)
    details = models.JSONField(_("подробности"), default=dict, blank=True)

    class Meta:
        verbose_name = _("запись журнала аудита")
        verbose_name_plural = _("журнал аудита")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"

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


class RateLimitCounter(models.Model):
    """How many requests one key (a client address, a number range…) made in one fixed window of one scope.

    Held in the database, so every gunicorn worker and every server counts into the same row; a conditional
    UPDATE (`hits < limit`) makes each increment atomic on SQLite and PostgreSQL alike. Old windows are
    deleted by `manage.py retention_purge`."""

    scope = models.CharField(max_length=32)
    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("счётчик ограничения частоты")
        verbose_name_plural = _("счётчики ограничения частоты")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key", "window_start"], name="rate_limit_counter_once"),
        ]
        indexes = [models.Index(fields=["window_start"])]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}@{self.window_start:%Y-%m-%d %H:%M} = {self.hits}"


class CacheGeneration(models.Model):
    """A number that changes whenever what a named cache holds changes in the database (`core.generations`).

    Processes that keep a copy of something (the bot's candidate cards) read it to know whether their copy is
    still the database's; the services that change the thing bump it in their own transaction, so the new
    number is visible exactly when the change is."""

    name = models.CharField(max_length=32, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("поколение кэша")
        verbose_name_plural = _("поколения кэша")

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"

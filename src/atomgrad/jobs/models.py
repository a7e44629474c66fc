"""A long job (ceremony documents, the season's protocols, big exports) as the people who asked for it see it:
what it is, how far it got, and its result file in private storage.

The queue itself is the Django tasks framework's database backend (`django_tasks_db`): the task row is written
in the same transaction as the Job, so a job once accepted is in the database and survives a restart of the web
process; `manage.py db_worker` runs it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("в очереди")
    RUNNING = "running", _("выполняется")
    DONE = "done", _("готово")
    FAILED = "failed", _("не удалось")


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("вид задания"), max_length=64)
    params = models.JSONField(_("параметры"), default=dict)
    title = models.CharField(_("задание"), max_length=300)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("кто запустил"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("состояние"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(_("сделано шагов"), default=0)
    total = models.PositiveIntegerField(_("всего шагов"), default=0)
    step = models.CharField(_("текущий шаг"), max_length=300, blank=True)
    error = models.TextField(_("ошибка"), blank=True)
    error_en = models.TextField(_("ошибка (по-английски)"), blank=True)
    result_path = models.CharField(_("файл результата"), max_length=500, blank=True)
    result_name = models.CharField(_("имя файла"), max_length=200, blank=True)
    result_size = models.PositiveBigIntegerField(_("размер файла"), null=True, blank=True)
    summary = models.CharField(_("итог"), max_length=500, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("создано"), default=timezone.now)
    started_at = models.DateTimeField(_("начато"), null=True, blank=True)
    finished_at = models.DateTimeField(_("закончено"), null=True, blank=True)
    # Every progress report touches it: a running job whose heartbeat is old was lost with its worker.
    heartbeat_at = models.DateTimeField(_("последний признак жизни"), default=timezone.now)

    class Meta:
        verbose_name = _("фоновое задание")
        verbose_name_plural = _("фоновые задания")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(total=0) | Q(done__lte=F("total")), name="job_done_within_total"),
            # One queued or running job per kind and parameters: two clicks (or two web workers) start one job.
            models.UniqueConstraint(fields=["kind", "params"], condition=Q(status__in=["queued", "running"]),
                                    name="job_one_active_per_kind_and_params"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    def error_message(self, language: str | None) -> str:
        return self.error_en if (language or "ru").startswith("en") and self.error_en else self.error

"""Starting and running long jobs. `job_start` (the web) writes the Job and its queue entry in one
transaction; `job_execute` (the worker, through `jobs.tasks.job_run`) runs it, records progress and keeps the
result file in private storage."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import uuid
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.base import File
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.utils import timezone

from atomgrad.core.errors import ApplicationError
from atomgrad.jobs.models import Job, JobStatus
from atomgrad.jobs.registry import JobKind, kind_get

logger = logging.getLogger(__name__)

# A running job that has not reported progress for this long lost its worker; it may be started again.
STALE_AFTER = dt.timedelta(minutes=15)
RESULT_PATH = "jobs/{id}/{name}"


def _kind_or_error(name: str) -> JobKind:
    kind = kind_get(name)
    if kind is None:
        raise ApplicationError("unknown_job", "Такого задания нет.", "There is no such job.", status=404)
    return kind


def job_is_stale(job: Job, *, now: dt.datetime | None = None) -> bool:
    if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return False
    return (now or timezone.now()) - job.heartbeat_at > STALE_AFTER


def job_start(*, kind: str, actor: AbstractBaseUser | AnonymousUser, params: dict[str, Any]) -> Job:
    """Queue a job, or return the same job already queued or running (a second click starts nothing new).

    The Job row and the queue's task row are written in one transaction: once this returns, the job is in the
    database and a worker will run it, whatever happens to the web process."""
    from atomgrad.jobs.tasks import job_run

    job_kind = _kind_or_error(kind)
    if not job_kind.may_start(actor, params):
        raise ApplicationError("job_forbidden", "Это задание вам недоступно.", "You may not run this job.",
                               status=403)
    if job_kind.check is not None:
        job_kind.check(params)
    try:
        with transaction.atomic():
            current = (Job.objects.select_for_update()
                       .filter(kind=kind, params=params, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).first())
            if current is not None:
                if not job_is_stale(current):
                    return current
                # lost with its worker: recorded as failed, so a new one may start
                _fail(current, "Задание прервалось: обработчик заданий остановился, не закончив его.",
                      "The job stopped: its worker ended before finishing it.")
            job = Job.objects.create(kind=kind, params=params, title=job_kind.title(params),
                                     requested_by=actor if actor.is_authenticated else None)
            result = job_run.enqueue(str(job.pk))
            job.task_id = str(result.id)
            job.save(update_fields=["task_id"])
    except IntegrityError:
        # another request started the same job a moment ago (the unique constraint): that one is the job
        active = Job.objects.filter(kind=kind, params=params, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).first()
        if active is None:
            raise
        return active
    return job


def job_progress(*, job_id: uuid.UUID | str, done: int, total: int, step: str) -> None:
    """Record how far a running job is (its own short write, so the page sees it at once)."""
    Job.objects.filter(pk=job_id).update(done=min(done, total), total=total, step=step[:300],
                                         heartbeat_at=timezone.now())


def job_execute(*, job_id: str) -> None:
    """Run a queued job (called by the worker). A job that is already finished is left alone, so a task that
    runs twice does no harm."""
    job = Job.objects.filter(pk=job_id).select_related("requested_by").first()
    if job is None or job.finished:
        return
    kind = _kind_or_error(job.kind)
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=now, heartbeat_at=now)

    def progress(done: int, total: int, step: str) -> None:
        job_progress(job_id=job.pk, done=done, total=total, step=step)

    storage = storages["private"]
    try:
        with tempfile.TemporaryFile() as output:
            outcome = kind.run(params=job.params, output=output, progress=progress, actor=job.requested_by)
            size = output.tell()
            output.seek(0)
            path = storage.save(RESULT_PATH.format(id=job.pk, name=f"result-{uuid.uuid4().hex}"), File(output))
    except ApplicationError as error:
        _fail(job, error.message_ru, error.message_en)
        return
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _fail(job, "Задание прервалось из-за внутренней ошибки; она записана в журнал сервера.",
              "The job stopped on an internal error; it is in the server's log.")
        raise
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE, finished_at=timezone.now(), heartbeat_at=timezone.now(), result_path=path,
        result_name=outcome.filename, result_size=size, summary=outcome.summary[:500], step="",
    )


def _fail(job: Job, message_ru: str, message_en: str) -> None:
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, finished_at=timezone.now(), error=message_ru,
                                         error_en=message_en)

"""Reads of long jobs: one job for the person who may see it, the latest job of a kind."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from atomgrad.jobs.models import Job, JobStatus
from atomgrad.jobs.registry import kind_get


def job_access(*, job_id: Any, user: AbstractBaseUser | AnonymousUser) -> Job | None:
    """The job if `user` may see it (who may start a job of that kind with those parameters may see it and its
    result); otherwise None, as if it did not exist."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return None
    kind = kind_get(job.kind)
    if kind is None or not user.is_authenticated or not kind.may_start(user, job.params):
        return None
    return job


def job_latest(*, kind: str, params: dict[str, Any]) -> Job | None:
    return Job.objects.filter(kind=kind, params=params).order_by("-created_at").first()


def job_latest_done(*, kind: str, params: dict[str, Any]) -> Job | None:
    return Job.objects.filter(kind=kind, params=params, status=JobStatus.DONE).order_by("-finished_at").first()

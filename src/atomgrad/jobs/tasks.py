"""The one queue task: run a Job. What a job does is its kind's (`jobs.registry`); this stays a thin entry."""

from __future__ import annotations

from django_tasks import task

from atomgrad.jobs.services import job_execute


@task()
def job_run(job_id: str) -> None:
    job_execute(job_id=job_id)

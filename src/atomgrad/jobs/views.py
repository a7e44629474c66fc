"""A job's page (refreshes itself with <meta refresh> while the job runs: no JavaScript), its result's
download and starting it again. Someone who may not see a job gets a 404, as if it did not exist."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import storages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from atomgrad.core.errors import ApplicationError
from atomgrad.jobs.models import Job, JobStatus
from atomgrad.jobs.registry import kind_get
from atomgrad.jobs.selectors import job_access
from atomgrad.jobs.services import job_is_stale, job_start

# Seconds between the page's reloads while the job is queued or running.
REFRESH_SECONDS = 2


def _job_or_404(request: HttpRequest, job_id: uuid.UUID) -> Job:
    job = job_access(job_id=job_id, user=request.user)
    if job is None:
        raise Http404
    return job


@require_GET
@never_cache
@login_required
def job_detail(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = _job_or_404(request, job_id)
    stale = job_is_stale(job)
    kind = kind_get(job.kind)
    return render(request, "jobs/job.html", {
        "job": job, "title": kind.title(job.params) if kind else job.title, "stale": stale,
        "refresh": None if (job.finished or stale) else REFRESH_SECONDS,
        "can_restart": job.status == JobStatus.FAILED or stale,
        "queued": job.status == JobStatus.QUEUED, "error": job.error_message(get_language()),
    })


@require_GET
@never_cache
@login_required
def job_download(request: HttpRequest, job_id: uuid.UUID) -> FileResponse:
    job = _job_or_404(request, job_id)
    storage = storages["private"]
    if job.status != JobStatus.DONE or not job.result_path or not storage.exists(job.result_path):
        raise Http404
    kind = kind_get(job.kind)
    return FileResponse(storage.open(job.result_path, "rb"), as_attachment=True, filename=job.result_name,
                        content_type=kind.content_type if kind else "application/octet-stream")


@require_POST
@login_required
def job_restart(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = _job_or_404(request, job_id)
    try:
        new = job_start(kind=job.kind, actor=request.user, params=job.params)
    except ApplicationError as error:
        messages.error(request, error.message(get_language()))
        return redirect("jobs:detail", job_id=job.pk)
    return redirect("jobs:detail", job_id=new.pk)


@require_POST
@login_required
def job_start_view(request: HttpRequest) -> HttpResponse:
    """Start a job of a season from a form (`kind`, `season`), for kinds whose only parameter is the season
    (the bot's results notice). Who may not start it gets a 404; a job that cannot run now, the reason."""
    kind = request.POST.get("kind", "")
    try:
        season = int(request.POST.get("season", ""))
    except ValueError:
        raise Http404 from None
    back = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    try:
        job = job_start(kind=kind, actor=request.user, params={"season": season})
    except ApplicationError as error:
        if error.status in (403, 404):
            raise Http404 from error
        messages.error(request, error.message(get_language()))
        return redirect(back)
    return redirect("jobs:detail", job_id=job.pk)

"""Long jobs through the real queue (django-tasks with its database backend, the worker run in-process):
the job and its queue entry are written together, progress advances and is shown on a page that refreshes
itself, the result is kept in private storage and served only to who may start such a job."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from atomgrad.core.errors import ApplicationError
from atomgrad.jobs.models import Job, JobStatus
from atomgrad.jobs.registry import JobKind, JobResult, register
from atomgrad.jobs.services import STALE_AFTER, job_start
from tests.factories import UserFactory
from tests.jobs.helpers import run_worker
from tests.results.helpers import city_vote, close_voting, organiser, sign_and_publish

pytestmark = pytest.mark.django_db(transaction=True)

SEEN: list[tuple[str, int, int, str]] = []


def _counting_run(*, params, output, progress, actor):  # type: ignore[no-untyped-def]
    """A job of three steps that, after each, reads its own row back as the job page would."""
    for step in range(1, 4):
        progress(step, 3, f"шаг {step}")
        job = Job.objects.get(kind="test_counting", params=params)
        SEEN.append((job.status, job.done, job.total, job.step))
        output.write(f"step {step}\n".encode())
    if params.get("fail"):
        raise ApplicationError("broken", "Сломалось на третьем шаге.", "Broke at step three.", status=409)
    return JobResult(filename="counting.txt", summary="Три шага сделаны.")


register(JobKind(name="test_counting", title=lambda params: "Счёт до трёх", may_start=lambda user, params:
                 getattr(user, "is_superuser", False), run=_counting_run, content_type="text/plain"))


@pytest.fixture
def boss():  # type: ignore[no-untyped-def]
    return UserFactory(username="boss", is_superuser=True, is_staff=True)


def test_progress_advances_through_the_real_queue_and_the_result_downloads(client, boss):
    SEEN.clear()
    job = job_start(kind="test_counting", actor=boss, params={"n": 1})
    task = DBTaskResult.objects.get(pk=job.task_id)
    assert task.status == "READY" and task.task_path == "atomgrad.jobs.tasks.job_run"
    client.force_login(boss)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page and "В очереди" in page
    assert "<script" not in page

    run_worker()
    assert SEEN == [("running", 1, 3, "шаг 1"), ("running", 2, 3, "шаг 2"), ("running", 3, 3, "шаг 3")]
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.percent == 100 and job.result_size == len(b"step 1\nstep 2\nstep 3\n")
    assert DBTaskResult.objects.get(pk=job.task_id).status == "SUCCESSFUL"
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert 'http-equiv="refresh"' not in page and "Три шага сделаны." in page
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].endswith('filename="counting.txt"')
    assert b"".join(download.streaming_content) == b"step 1\nstep 2\nstep 3\n"
    # the file lives in private storage, outside MEDIA_ROOT: no public address serves it
    private = storages["private"]
    assert private.exists(job.result_path)
    assert not Path(private.path(job.result_path)).is_relative_to(Path(settings.MEDIA_ROOT))


def test_who_may_not_start_a_job_cannot_see_it_or_its_result(client, boss):
    job = job_start(kind="test_counting", actor=boss, params={"n": 2})
    run_worker()
    for url in (reverse("jobs:detail", args=[job.pk]), reverse("jobs:download", args=[job.pk])):
        assert client.get(url).status_code == 302  # anonymous: log in first
        client.force_login(UserFactory(username="someone"))
        assert client.get(url).status_code == 404
        client.logout()
    with pytest.raises(ApplicationError) as error:
        job_start(kind="test_counting", actor=UserFactory(username="other"), params={"n": 3})
    assert error.value.code == "job_forbidden" and not Job.objects.filter(params={"n": 3}).exists()


def test_the_job_and_its_queue_entry_are_written_together(boss):
    """A job is either queued and in the database, or not at all: nothing for a restart to lose."""
    with pytest.raises(RuntimeError), transaction.atomic():
        job_start(kind="test_counting", actor=boss, params={"n": 4})
        raise RuntimeError("the request failed after starting the job")
    assert not Job.objects.exists() and not DBTaskResult.objects.exists()
    first = job_start(kind="test_counting", actor=boss, params={"n": 4})
    again = job_start(kind="test_counting", actor=boss, params={"n": 4})  # a second click
    assert again.pk == first.pk and DBTaskResult.objects.count() == 1


def test_a_failed_job_says_why_and_can_be_started_again(client, boss):
    job = job_start(kind="test_counting", actor=boss, params={"fail": True})
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error == "Сломалось на третьем шаге." and not job.result_path
    client.force_login(boss)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Сломалось на третьем шаге." in page and "Запустить заново" in page
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404
    response = client.post(reverse("jobs:restart", args=[job.pk]))
    new = Job.objects.exclude(pk=job.pk).get()
    assert response["Location"] == reverse("jobs:detail", args=[new.pk]) and new.status == JobStatus.QUEUED


def test_a_job_lost_with_its_worker_is_shown_as_stale_and_may_be_started_again(client, boss):
    job = job_start(kind="test_counting", actor=boss, params={"n": 5})
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING,
                                         heartbeat_at=timezone.now() - STALE_AFTER - dt.timedelta(minutes=1))
    client.force_login(boss)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "давно не подаёт признаков жизни" in page and 'http-equiv="refresh"' not in page
    assert job_start(kind="test_counting", actor=boss, params={"n": 5}).pk != job.pk
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "обработчик заданий остановился" in job.error


def test_the_database_keeps_one_active_job_per_kind_and_parameters(boss):
    from django.db import IntegrityError

    job_start(kind="test_counting", actor=boss, params={"n": 6})
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(kind="test_counting", params={"n": 6}, title="again")
    Job.objects.create(kind="test_counting", params={"n": 7}, title="other parameters")  # allowed


def test_the_season_protocols_job_zips_every_city_protocol(client):
    home = city_vote(names=["Петрова Полина", "Романов Роман"])
    home.cast([2, 1])
    away = city_vote(season=home.season, names=["Ульянова Ульяна"])
    away.cast([1])
    close_voting(home.season)
    boss = organiser()
    protocol = sign_and_publish(home, publisher=boss)
    client.force_login(boss)
    response = client.post(reverse("results:protocols_make", args=[home.season.year]))
    job = Job.objects.get(kind="season_protocols")
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    run_worker()
    download = client.get(reverse("jobs:download", args=[job.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = archive.namelist()
    year = home.season.year
    assert f"{year}/{home.city.slug}-протокол-1-подписан.pdf" in names
    assert archive.read(f"{year}/{home.city.slug}-протокол-1-подписан.pdf") == protocol.pdf.open("rb").read()
    assert away.city.name_ru in archive.read(f"{year}/README.txt").decode()
    # committee members (not organisers) cannot start it or see it
    client.force_login(home.chair)
    assert client.post(reverse("results:protocols_make", args=[year])).status_code == 404
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 404

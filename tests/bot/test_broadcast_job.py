"""The results notice as a long job: organisers start it from the results workspace, the queue's worker sends
it through the bot's broadcast queue (the fake Bot API), progress reaches every delivery, a report downloads."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.bot.fake_telegram import FakeTelegram
from tests.bot.test_broadcast import ok_sends_per_chat, publish, voters
from tests.factories import make_organiser
from tests.jobs.helpers import run_worker

from atomgrad.jobs.models import Job, JobStatus

pytestmark = pytest.mark.django_db(transaction=True)


def _start(client, year: int):  # type: ignore[no-untyped-def]
    return client.post(reverse("jobs:start"), {"kind": "results_broadcast", "season": year,
                                               "next": "/committee/results/"})


def test_organisers_send_the_results_notice_as_a_job(client, telegram: FakeTelegram, world) -> None:
    chats = voters(world, 4)
    voters(world, 1, opted_in=False)
    client.force_login(make_organiser("boss"))  # not publish()'s "organiser", whose password it sets
    refused = _start(client, world.season.year)
    assert refused.status_code == 302 and refused["Location"] == "/committee/results/"  # nothing published
    assert not Job.objects.exists()

    publish(world, world.city)
    response = _start(client, world.season.year)
    job = Job.objects.get(kind="results_broadcast")
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and (job.done, job.total) == (4, 4)
    assert ok_sends_per_chat(telegram) == dict.fromkeys(chats, 1)
    assert job.summary.startswith("Доставлено: 4;")
    report = b"".join(client.get(reverse("jobs:download", args=[job.pk])).streaming_content).decode("utf-8-sig")
    assert report.splitlines()[1].startswith("sarov,0,0,4,")

    # a second run sends nobody anything again
    _start(client, world.season.year)
    run_worker()
    assert ok_sends_per_chat(telegram) == dict.fromkeys(chats, 1)


def test_committee_members_cannot_start_it(client, telegram: FakeTelegram, world) -> None:
    from tests.factories import CommitteeMemberFactory, UserFactory

    member = UserFactory(username="sarov-member")
    CommitteeMemberFactory(city=world.city, user=member)
    publish(world, world.city)
    client.force_login(member)
    assert _start(client, world.season.year).status_code == 404
    assert not Job.objects.exists()

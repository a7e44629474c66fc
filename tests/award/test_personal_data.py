"""152-ФЗ for applicants: a copy of everything held and erasure through the application's secret link; reads of
private data (an application's details, its petition) by committee members are audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from atomgrad.award.models import Application, ApplicationStatus
from atomgrad.core.models import AuditLogEntry
from tests.award.test_committee_views import World, detail_url, logged_in, petition_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    return World()


def private(response) -> bool:  # type: ignore[no-untyped-def]
    return {"private", "no-store"} <= {part.strip() for part in response.get("Cache-Control", "").split(",")}


def test_the_applicant_downloads_a_copy_of_everything_held(world):
    application = world.application_a
    logged_in(world.member_a).post(reverse("award:committee_decide", args=[application.pk]),
                                   {"decision": "return", "comment": "Добавьте фото крупнее"})
    response = Client().get(reverse("award:apply_data", args=[application.edit_token]))
    assert response.status_code == 200 and private(response)
    assert response["Content-Disposition"].startswith("attachment;")
    document = json.loads(response.content)
    held = document["application"]
    assert (held["full_name"], held["phone"], held["email"], held["birth_date"]) == \
        ("Алексеева Мария Ивановна", "+79005550101", "maria@example.org", "1990-03-08")
    assert held["nominator_name"] == "Коллектив школы № 5" and held["petition"]
    assert document["consent"]["version"] == "2026-05" and document["consent"]["client_address"] == "203.0.113.7"
    assert [entry["action"] for entry in document["history"]] == ["application.returned"]
    assert document["history"][0]["comment"] == "Добавьте фото крупнее"
    assert "sarov-member" not in response.content.decode()  # the decider is the committee member's own data
    assert document["reads_by_committee"] == 0  # a decision is not a read of the details page
    assert Client().get(reverse("award:apply_data", args=["not-a-token"])).status_code == 404


def test_an_unpublished_application_is_erased_with_its_files(world, settings, django_capture_on_commit_callbacks):
    application = world.application_a
    files = [Path(settings.PRIVATE_MEDIA_ROOT) / application.petition.name, Path(application.photo.path)]
    assert all(path.exists() for path in files)
    client = Client()
    url = reverse("award:apply_erase", args=[application.edit_token])
    assert client.post(url).status_code == 302 and Application.objects.filter(pk=application.pk).exists()  # no tick
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"confirm": "1"}, follow=True)
    assert "Заявка и все её данные удалены." in response.content.decode()
    assert not Application.objects.filter(pk=application.pk).exists()
    assert not any(path.exists() for path in files)
    entry = AuditLogEntry.objects.get(action="application.erased")
    assert entry.object_id == str(application.pk) and "Алексеева" not in json.dumps(entry.details, ensure_ascii=False)
    assert client.get(reverse("award:apply_edit", args=[application.edit_token])).status_code == 404


def test_a_published_candidate_s_erasure_is_a_request_for_the_organisers(world):
    application = world.application_a
    Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.ACCEPTED, published_at=timezone.now())
    url = reverse("award:apply_erase", args=[application.edit_token])
    for _ in range(2):
        response = Client().post(url, {"confirm": "1"}, follow=True)
        assert "Запрос на удаление записан" in response.content.decode()
    assert Application.objects.filter(pk=application.pk).exists()
    assert AuditLogEntry.objects.filter(action="application.erasure_requested").count() == 1


def test_committee_reads_of_private_data_are_audited(world):
    client = logged_in(world.member_a)
    assert client.get(detail_url(world.application_a)).status_code == 200
    assert client.get(petition_url(world.application_a)).status_code == 200
    reads = list(AuditLogEntry.objects.filter(object_id=str(world.application_a.pk)).order_by("id")
                 .values_list("action", "actor__username", "city__slug"))
    assert reads == [("application.viewed", "sarov-member", "sarov"),
                     ("application.petition_downloaded", "sarov-member", "sarov")]
    # a refused read (another city's application) is not a read
    assert client.get(detail_url(world.application_b)).status_code == 404
    assert not AuditLogEntry.objects.filter(object_id=str(world.application_b.pk)).exists()
    # the decisions' history on the page does not list the reads
    page = client.get(detail_url(world.application_a)).content.decode()
    assert "application.viewed" not in page

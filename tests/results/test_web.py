"""The results workspace through real HTTP: the review with its filters and annul form, decisions, the protocol
page with sign and publish, and committee isolation: another city is a 404 for every action."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from atomgrad.core.errors import ApplicationError
from atomgrad.results.models import CityDecision, CityProtocol, Publication, TieDecision
from atomgrad.results.services.annulment import votes_annul
from atomgrad.results.services.decisions import candidate_disqualify, city_declare_void
from atomgrad.results.services.protocol import protocol_generate, protocol_sign
from atomgrad.results.services.publication import publication_publish_city
from atomgrad.results.services.tally import city_tally
from atomgrad.voting.models import VoteAnnulment
from tests.results.helpers import city_vote, close_voting, organiser

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cities():  # type: ignore[no-untyped-def]
    """Two cities of one season, each with a committee; voting closed."""
    home = city_vote(names=["Петрова Полина", "Романов Роман", "Соколова Софья", "Титов Тимур"])
    home.cast([6, 4, 2, 1])
    away = city_vote(season=home.season, names=["Ульянова Ульяна", "Фёдоров Фёдор", "Харитонова Хана"])
    away.cast([3, 2, 1])
    close_voting(home.season)
    return home, away


def test_the_review_workspace_filters_and_annuls_a_selection(client, two_cities):
    home, _ = two_cities
    client.force_login(home.member)
    year, slug = home.season.year, home.city.slug
    first = home.candidates[0]

    page = client.get(reverse("results:review", args=[year, slug]), {"candidate": first.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert "В выборке 6 голосов" in html and 'name="vote_ids"' in html

    query = f"candidate={first.pk}"
    response = client.post(f"{reverse('results:annul', args=[year, slug])}?{query}", {
        "scope": "selection", "expected_count": 6, "reason_code": "fraud_suspected",
        "reason": "Все голоса — с номеров одного оператора за 10 минут",
    })
    assert response.status_code == 302
    assert VoteAnnulment.objects.filter(vote__candidate=first).count() == 6
    followed = client.get(response["Location"]).content.decode()
    assert "Аннулировано голосов: 6" in followed

    # bad input changes nothing and says why, in Russian
    other = home.candidates[1]
    response = client.post(f"{reverse('results:annul', args=[year, slug])}?candidate={other.pk}", {
        "scope": "selection", "expected_count": 4, "reason_code": "", "reason": "",
    })
    assert response.status_code == 422
    html = response.content.decode()
    assert "Выберите причину из списка." in html and 'role="alert"' in html
    assert not VoteAnnulment.objects.filter(vote__candidate=other).exists()

    # a checked vote, annulled alone; then reversed from the «annulled» view
    vote = home.votes[other.pk][0]
    client.post(reverse("results:annul", args=[year, slug]), {
        "scope": "checked", "vote_ids": [vote.pk], "expected_count": 0, "reason_code": "coercion",
        "reason": "Жалоба жителя",
    })
    annulment = VoteAnnulment.objects.get(vote=vote)
    response = client.post(f"{reverse('results:reverse', args=[year, slug])}?status=annulled", {
        "scope": "checked", "annulment_ids": [annulment.pk], "expected_count": 0,
        "reason_code": "annulled_by_mistake", "reason": "Не тот голос",
    })
    assert response.status_code == 302
    line = next(line for line in city_tally(season=home.season, city=home.city).candidates if line.id == other.pk)
    assert (line.cast, line.annulled, line.valid) == (4, 0, 4)


@pytest.mark.parametrize(("action", "refusal"), [
    ("results:annul", "Голоса не аннулированы: не отмечено ни одного голоса."),
    ("results:reverse", "Аннулирование не отменено: не отмечено ни одного голоса."),
])
def test_a_decision_on_ticked_votes_with_none_ticked_is_refused_and_changes_nothing(client, two_cities, action,
                                                                                     refusal):
    home, _ = two_cities
    client.force_login(home.member)
    year, slug = home.season.year, home.city.slug
    vote = home.votes[home.candidates[0].pk][0]
    if action == "results:reverse":
        votes_annul(actor=home.chair, season=home.season, city=home.city, vote_ids=[vote.pk],
                    reason_code="coercion", reason="Жалоба жителя")
    before = VoteAnnulment.objects.count()

    response = client.post(reverse(action, args=[year, slug]), {
        "scope": "checked", "expected_count": 0, "reason_code": "annulled_by_mistake" if action == "results:reverse"
        else "coercion", "reason": "Ничего не отмечено",
    })

    assert response.status_code == 422
    assert refusal in response.content.decode()
    assert VoteAnnulment.objects.count() == before
    assert not VoteAnnulment.objects.filter(reversal__isnull=False).exists()


def test_protocol_page_generate_sign_with_scan_and_publish(client, two_cities):
    home, _ = two_cities
    year, slug = home.season.year, home.city.slug
    client.force_login(home.chair)
    assert client.post(reverse("results:protocol_generate", args=[year, slug])).status_code == 302
    protocol = CityProtocol.objects.get(season=home.season, city=home.city)
    page = client.get(reverse("results:protocol", args=[year, slug])).content.decode()
    assert protocol.pdf_sha256 in page and "Отметить протокол подписанным" in page
    pdf = client.get(reverse("results:protocol_download", args=[year, slug, protocol.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"

    # without the confirmation nothing is signed
    client.post(reverse("results:protocol_sign", args=[year, slug, protocol.pk]), {})
    protocol.refresh_from_db()
    assert not protocol.is_signed
    scan = SimpleUploadedFile("signed.png", b"\x89PNG\r\n\x1a\nscan", content_type="image/png")
    client.post(reverse("results:protocol_sign", args=[year, slug, protocol.pk]), {"confirm": "on", "scan": scan})
    protocol.refresh_from_db()
    assert protocol.is_signed and protocol.signed_scan and protocol.signed_by == home.chair

    # the committee cannot publish; an organiser can
    client.post(reverse("results:publish_city", args=[year, slug]))
    assert not Publication.objects.exists()
    client.force_login(organiser())
    response = client.post(reverse("results:publish_city", args=[year, slug]))
    assert response.status_code == 302 and Publication.objects.filter(city=home.city).exists()
    public = client.get(reverse("results:city", args=[year, slug])).content.decode()
    assert protocol.pdf_sha256 in public and "verify_atomgrad.py" in public


def test_a_committee_member_gets_404_for_every_action_on_another_city(client, two_cities):
    home, away = two_cities
    year, slug = home.season.year, away.city.slug
    protocol = protocol_generate(actor=away.chair, season=away.season, city=away.city)
    decision = candidate_disqualify(actor=away.chair, season=away.season, city=away.city,
                                    candidate=away.candidates[2], reason="Основание")
    client.force_login(home.chair)
    gets = [
        reverse("results:review", args=[year, slug]),
        reverse("results:protocol", args=[year, slug]),
        reverse("results:protocol_download", args=[year, slug, protocol.pk]),
        reverse("results:protocol_scan_download", args=[year, slug, protocol.pk]),
    ]
    posts = [
        (reverse("results:annul", args=[year, slug]), {"scope": "selection", "expected_count": 6,
                                                         "reason_code": "fraud_suspected", "reason": "x"}),
        (reverse("results:reverse", args=[year, slug]), {"scope": "selection", "expected_count": 0,
                                                           "reason_code": "voter_confirmed", "reason": "x"}),
        (reverse("results:disqualify", args=[year, slug]), {"candidate": away.candidates[0].pk, "reason": "x"}),
        (reverse("results:void", args=[year, slug]), {"reason": "x"}),
        (reverse("results:withdraw", args=[year, slug, decision.pk]), {"reason": "x"}),
        (reverse("results:tie", args=[year, slug]), {"rule": "lot", "explanation": "x"}),
        (reverse("results:protocol_generate", args=[year, slug]), {}),
        (reverse("results:protocol_sign", args=[year, slug, protocol.pk]), {"confirm": "on"}),
        (reverse("results:protocol_scan", args=[year, slug, protocol.pk]), {}),
        (reverse("results:publish_city", args=[year, slug]), {}),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    # the organisers' season-wide actions are 404 for a committee member too
    for url in (reverse("results:publish_season", args=[year]), reverse("results:documents_make", args=[year])):
        assert client.post(url).status_code == 404, url
    assert client.get(reverse("results:audit_csv")).status_code == 404
    assert client.get(reverse("results:documents_download", args=[year])).status_code == 404
    # nothing changed in the other city
    assert not VoteAnnulment.objects.exists()
    assert CityDecision.objects.filter(city=away.city).count() == 1
    assert not TieDecision.objects.exists()
    assert CityProtocol.objects.filter(city=away.city).count() == 1 and not protocol.is_signed
    # the index lists only the member's own city
    index = client.get(reverse("results:committee_index")).content.decode()
    assert home.city.name_ru in index and away.city.name_ru not in index


def test_services_refuse_another_city_as_not_found(two_cities):
    home, away = two_cities
    actor, season, city = home.chair, away.season, away.city
    calls = [
        lambda: votes_annul(actor=actor, season=season, city=city, vote_ids=[away.votes[away.candidates[0].pk][0].pk],
                            reason_code="fraud_suspected", reason="x"),
        lambda: candidate_disqualify(actor=actor, season=season, city=city, candidate=away.candidates[0], reason="x"),
        lambda: city_declare_void(actor=actor, season=season, city=city, reason="x"),
        lambda: protocol_generate(actor=actor, season=season, city=city),
    ]
    for call in calls:
        with pytest.raises(ApplicationError) as error:
            call()
        assert error.value.status == 404 and error.value.code == "city_not_found"
    protocol = protocol_generate(actor=away.chair, season=season, city=city)
    with pytest.raises(ApplicationError) as error:
        protocol_sign(actor=actor, protocol=protocol)
    assert error.value.status == 404
    protocol_sign(actor=away.chair, protocol=protocol)
    with pytest.raises(ApplicationError) as error:
        publication_publish_city(actor=actor, season=season, city=city)
    assert error.value.code == "organisers_only"


def test_anonymous_visitors_are_sent_to_log_in(client, two_cities):
    home, _ = two_cities
    response = client.get(reverse("results:review", args=[home.season.year, home.city.slug]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db(transaction=True)  # the queue's worker runs here and commits like a real one
def test_organisers_build_documents_and_download_the_ledger_and_audit_log(client, two_cities):
    from atomgrad.jobs.models import Job
    from tests.jobs.helpers import run_worker

    home, away = two_cities
    year = home.season.year
    boss = organiser()
    client.force_login(boss)
    # nothing published yet: no documents, a clear message; the organisers' ledger download works already
    response = client.post(reverse("results:documents_make", args=[year]), follow=True)
    assert "Итоги сезона ещё не опубликованы" in response.content.decode()
    assert not Job.objects.exists()
    ledger_lines = b"".join(client.get(reverse("results:export_ledger", args=[year])).streaming_content)
    assert ledger_lines.count(b"\n") == 19  # 13 + 6 votes
    client.logout()
    assert client.get(reverse("results:export_ledger", args=[year])).status_code == 404

    from tests.results.helpers import sign_and_publish

    sign_and_publish(home, publisher=boss)
    client.force_login(boss)
    response = client.post(reverse("results:documents_make", args=[year]))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    run_worker()
    page = client.get(response["Location"]).content.decode()
    assert "Дипломов: 4, почётных грамот: 3" in page
    archive = client.get(reverse("results:documents_download", args=[year]), follow=True)
    assert archive.status_code == 200
    assert archive["Content-Disposition"].endswith(f'filename="ceremony-documents-{year}.zip"')
    # an archive built outside the queue (documents_store: the demo) is served when no job has finished
    from atomgrad.results.services.documents import documents_store

    Job.objects.all().delete()
    documents_store(season=home.season, actor=boss)
    stored = client.get(reverse("results:documents_download", args=[year]))
    assert stored.status_code == 200 and b"".join(stored.streaming_content)[:2] == b"PK"
    audit = b"".join(client.get(reverse("results:audit_csv")).streaming_content).decode()
    assert "results_published" in audit and "protocol_signed" in audit and home.chair.username in audit
    # the public season page lists the published city's laureates and not the other city's numbers
    client.logout()
    season_page = client.get(reverse("results:season", args=[year])).content.decode()
    assert "Петрова Полина" in season_page and "Ульянова Ульяна" not in season_page
    assert "ещё не опубликованы" in season_page

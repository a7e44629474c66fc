"""The vote on the web, through the Django test client: the button on cards and pages, the confirmation, the
receipt, «Мои голоса», refusals in plain Russian, CSRF, and no phone number anywhere."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from atomgrad.award.services.staff import organiser_grant
from atomgrad.core.models import AuditLogEntry
from atomgrad.voting.auth import SESSION_KEY
from atomgrad.voting.models import Vote, VotingExtension
from atomgrad.voting.phones import phone_hash
from atomgrad.voting.receipts import receipt_display
from atomgrad.voting.services.ballots import vote_annul, vote_cast
from tests.factories import CityFactory, CommitteeMemberFactory, UserFactory, VoterIdentityFactory
from tests.voting.ballot_helpers import VOTER_PHONE, application, election

pytestmark = pytest.mark.django_db


def log_in(client: Client, voter) -> Client:  # type: ignore[no-untyped-def]
    session = client.session
    session[SESSION_KEY] = voter.pk
    session.save()
    return client


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


# --- the button ---------------------------------------------------------------------------------------------


def test_anonymous_visitors_get_a_vote_link_to_the_login_that_comes_back(client):
    race = election(k=3)
    candidate = race.candidates[0]
    page = html(client.get(f"/cities/{race.city.slug}/"))
    assert f'href="/vote/login/?next=%2Fvote%2Fcandidates%2F{candidate.pk}%2F"' in page
    response = client.get(f"/vote/candidates/{candidate.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/vote/login/?next=%2Fvote%2Fcandidates%2F{candidate.pk}%2F"


def test_a_logged_in_voter_gets_a_post_button_with_csrf_on_cards_and_on_the_candidate_page(client):
    race = election(k=3)
    log_in(client, race.voter())
    candidate = race.candidates[0]
    for url in (f"/cities/{race.city.slug}/", f"/candidates/{candidate.pk}/"):
        page = html(client.get(url))
        form = re.search(rf'<form method="post" action="/vote/candidates/{candidate.pk}/">(.*?)</form>', page, re.S)
        assert form, url
        assert 'name="csrfmiddlewaretoken"' in form.group(1)
        assert "Голосовать" in form.group(1)
    assert "Осталось голосов: 3 из 3." in html(client.get(f"/candidates/{candidate.pk}/"))


def test_the_button_says_voted_limit_or_own_city_and_disappears_outside_the_window(client):
    race = election(k=2, candidates=3)
    voter = race.voter()
    log_in(client, voter)
    first, second, third = race.candidates
    vote_cast(voter=voter, candidate=first, channel="web")
    assert "Ваш голос учтён" in html(client.get(f"/candidates/{first.pk}/"))
    vote_cast(voter=voter, candidate=second, channel="web")
    assert "Все ваши голоса отданы: 2 из 2." in html(client.get(f"/candidates/{third.pk}/"))

    other = election(k=3)
    page = html(client.get(f"/candidates/{other.candidates[0].pk}/"))
    assert "vote/login/?next=" in page  # another season's candidate: this season's voter must register there

    outsider = Client()
    log_in(outsider, race.voter(city=CityFactory()))
    assert "Вы голосуете за соискателей своего города." in html(outsider.get(f"/candidates/{third.pk}/"))

    closed = election(k=3, phase="verification")
    page = html(Client().get(f"/candidates/{closed.candidates[0].pk}/"))
    assert "vote-box" not in page and "/vote/login/?next=" not in page


def test_the_city_page_reads_the_ballot_once_however_many_cards(client):
    def queries_for(count: int) -> int:
        race = election(k=3, candidates=count)
        voter = race.voter()
        vote_cast(voter=voter, candidate=race.candidates[0], channel="web")
        log_in(client, voter)
        with CaptureQueriesContext(connection) as context:
            response = client.get(f"/cities/{race.city.slug}/")
        assert html(response).count("/vote/candidates/") == min(count, 24) - 1
        return len(context.captured_queries)

    assert queries_for(3) == queries_for(30)


# --- confirm and cast ---------------------------------------------------------------------------------------


def test_the_button_leads_to_a_confirmation_then_the_vote_and_its_receipt(client):
    race = election(k=3)
    voter = race.voter()
    log_in(client, voter)
    candidate = race.candidates[0]

    confirm = client.post(f"/vote/candidates/{candidate.pk}/")  # the card's button: no vote yet
    assert confirm.status_code == 200
    page = html(confirm)
    # the name declined: «Вы голосуете за Кандидатову Марию …» (accusative)
    assert "Вы голосуете за" in page and "Кандидатову Марию" in page and "Подтвердить" in page
    assert not Vote.objects.exists()

    cast = client.post(f"/vote/candidates/{candidate.pk}/", {"confirm": "1"})
    vote = Vote.objects.get()
    assert (vote.voter, vote.candidate, vote.channel) == (voter, candidate, "web")
    assert cast.status_code == 302 and cast["Location"] == f"/vote/receipt/{vote.receipt}/"

    receipt = html(client.get(cast["Location"]))
    assert receipt_display(vote.receipt) in receipt
    assert "Ваш голос принят" in receipt
    assert "Позиция в реестре" in receipt
    assert "Осталось голосов: 2 из 3." in receipt
    assert f'href="/verify/{vote.receipt}/"' in receipt


def test_refusals_are_shown_in_plain_russian_with_their_status(client):
    race = election(k=1, candidates=2)
    voter = race.voter()
    log_in(client, voter)
    first, second = race.candidates
    client.post(f"/vote/candidates/{first.pk}/", {"confirm": "1"})

    again = client.post(f"/vote/candidates/{first.pk}/", {"confirm": "1"})
    assert again.status_code == 409
    assert re.search(r'role="alert"[^>]*>Вы уже проголосовали за этого соискателя', html(again))

    over = client.get(f"/vote/candidates/{second.pk}/")
    assert over.status_code == 403
    assert "Вы уже отдали все голоса" in html(over) and "Подтвердить" not in html(over)
    assert Vote.objects.count() == 1


def test_wrong_city_closed_window_and_unpublished_candidates(client):
    race = election(k=3)
    log_in(client, race.voter(city=CityFactory(name_ru="Северск")))
    refused = client.post(f"/vote/candidates/{race.candidates[0].pk}/", {"confirm": "1"})
    assert refused.status_code == 403 and "Голосовать можно только за соискателей своего города" in html(refused)

    closed = election(k=3, phase="verification")
    log_in(client, closed.voter())
    refused = client.get(f"/vote/candidates/{closed.candidates[0].pk}/")
    assert refused.status_code == 403 and "завершилось" in html(refused) and "(МСК)" in html(refused)

    unpublished = application(season=race.season, city=race.city, status="submitted")
    assert client.get(f"/vote/candidates/{unpublished.pk}/").status_code == 404
    assert not Vote.objects.exists()


def test_refusals_follow_the_language_of_the_page(client):
    race = election(k=3)
    log_in(client, race.voter(city=CityFactory()))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    refused = client.get(f"/vote/candidates/{race.candidates[0].pk}/")
    assert "You can vote only for candidates of your own city" in html(refused)


def test_casting_needs_the_csrf_token():
    race = election(k=3)
    strict = log_in(Client(enforce_csrf_checks=True), race.voter())
    response = strict.post(f"/vote/candidates/{race.candidates[0].pk}/", {"confirm": "1"})
    assert response.status_code == 403
    assert not Vote.objects.exists()

    page = html(strict.get(f"/vote/candidates/{race.candidates[0].pk}/"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = strict.post(f"/vote/candidates/{race.candidates[0].pk}/",
                           {"confirm": "1", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and Vote.objects.count() == 1


def test_someone_elses_receipt_page_is_not_shown(client):
    race = election(k=3)
    vote = vote_cast(voter=race.voter(), candidate=race.candidates[0], channel="web")
    assert client.get(f"/vote/receipt/{vote.receipt}/").status_code == 404
    log_in(client, race.voter())
    assert client.get(f"/vote/receipt/{vote.receipt}/").status_code == 404


# --- «Мои голоса» -------------------------------------------------------------------------------------------


def test_my_votes_lists_receipts_the_city_and_the_votes_left(client):
    race = election(k=3)
    voter = race.voter()
    counted = vote_cast(voter=voter, candidate=race.candidates[0], channel="web")
    annulled = vote_cast(voter=voter, candidate=race.candidates[1], channel="api")
    vote_annul(actor=CommitteeMemberFactory(city=race.city).user, vote=annulled, reason="Нарушение правил")

    assert client.get("/vote/my/")["Location"] == "/vote/login/?next=%2Fvote%2Fmy%2F"
    log_in(client, voter)
    page = html(client.get("/vote/my/"))

    assert race.city.name_ru in page
    assert re.search(r'id="votes-left">1</strong>\s*из 3', page)
    assert receipt_display(counted.receipt) in page and receipt_display(annulled.receipt) in page
    assert f'href="/verify/{counted.receipt}/"' in page
    assert "учтён" in page and "аннулирован" in page
    assert race.candidates[0].full_name in page


def test_no_page_of_the_vote_shows_the_voters_phone_or_its_hash(client):
    race = election(k=3)
    identity = VoterIdentityFactory(phone_hash=phone_hash(VOTER_PHONE))
    voter = race.voter(identity=identity)
    log_in(client, voter)
    candidate = race.candidates[0]
    responses = [
        client.get(f"/cities/{race.city.slug}/"),
        client.get(f"/candidates/{candidate.pk}/"),
        client.get(f"/vote/candidates/{candidate.pk}/"),
        client.post(f"/vote/candidates/{candidate.pk}/", {"confirm": "1"}, follow=True),
        client.post(f"/vote/candidates/{candidate.pk}/", {"confirm": "1"}),
        client.get("/vote/my/"),
    ]
    vote = Vote.objects.get()
    responses.append(client.get(f"/verify/{vote.receipt}/"))
    pseudonym = vote.ledger_entries.get().voter_pseudonym
    for response in responses:
        text = html(response)
        digits = re.sub(r"\D", "", text)
        assert VOTER_PHONE[2:] not in digits
        for secret in (identity.phone_hash, pseudonym, candidate.phone, candidate.email):
            assert secret not in text


# --- the organisers' admin ----------------------------------------------------------------------------------


def test_organisers_extend_a_city_in_the_admin_and_it_is_audited(client):
    race = election(k=3, phase="verification")
    organiser = organiser_grant(user=UserFactory(username="admin-organiser"))
    client.force_login(organiser)
    closes_at = timezone.localtime(timezone.now() + dt.timedelta(days=1))
    form = {"season": race.season.pk, "city": race.city.pk, "closes_at_0": closes_at.strftime("%d.%m.%Y"),
            "closes_at_1": closes_at.strftime("%H:%M:%S"), "reason": "Отключение электричества"}

    too_early = client.post("/admin/voting/votingextension/add/", {
        **form, "closes_at_0": timezone.localtime(race.season.voting_close_at - dt.timedelta(days=1))
        .strftime("%d.%m.%Y")})
    assert too_early.status_code == 200 and "позже окончания голосования" in html(too_early)
    assert not VotingExtension.objects.exists()

    saved = client.post("/admin/voting/votingextension/add/", form)
    assert saved.status_code == 302, html(saved)
    extension = VotingExtension.objects.get()
    assert extension.actor == organiser and extension.city == race.city
    assert AuditLogEntry.objects.filter(action="voting_extended", actor=organiser).exists()
    assert vote_cast(voter=race.voter(), candidate=race.candidates[0], channel="web")

    assert client.get(f"/admin/voting/vote/?q={receipt_display(Vote.objects.get().receipt).lower()}").status_code \
        == 200
    assert client.post(f"/admin/voting/vote/{Vote.objects.get().pk}/delete/").status_code == 403

"""«Мои голоса» of an earlier season stays reachable once the next season exists: through the same person's
registration in the new season, a session from last season, or a fresh phone check without registering anew."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.test import Client
from django.utils import timezone

from atomgrad.award.models import Season
from atomgrad.voting.auth import SESSION_KEY
from atomgrad.voting.models import SeasonVoter
from atomgrad.voting.phones import phone_hash
from atomgrad.voting.receipts import receipt_display
from atomgrad.voting.services.ballots import vote_cast
from tests.factories import SeasonVoterFactory, VoterIdentityFactory
from tests.voting.ballot_helpers import election
from tests.voting.otp_support import PHONE, last_code

pytestmark = pytest.mark.django_db


def _past_and_current():  # type: ignore[no-untyped-def]
    """Last season (over), in which the person voted, and the new one, open for voting."""
    last = election(k=2)
    identity = VoterIdentityFactory(phone_hash=phone_hash(PHONE))
    voter = SeasonVoter.objects.select_related("season", "city").get(
        pk=SeasonVoterFactory(season=last.season, city=last.city, identity=identity).pk)
    cast = vote_cast(voter=voter, candidate=last.candidates[0], channel="web")
    now = timezone.now()
    Season.objects.filter(pk=last.season.pk).update(
        year=2040, applications_open_at=now - dt.timedelta(days=60),
        applications_close_at=now - dt.timedelta(days=40), voting_open_at=now - dt.timedelta(days=30),
        voting_close_at=now - dt.timedelta(days=20),
        results_at=now - dt.timedelta(days=10), ceremony_at=now - dt.timedelta(days=5))
    current = election(k=3, year=2041)
    return last, current, identity, voter, cast


def _login_session(client: Client, voter_pk: int) -> None:
    session = client.session
    session[SESSION_KEY] = voter_pk
    session.save()


def test_last_seasons_votes_are_reachable_from_this_seasons_session(client):
    last, current, identity, _voter, cast = _past_and_current()
    now_voter = SeasonVoterFactory(season=current.season, city=current.city, identity=identity)
    _login_session(client, now_voter.pk)

    page = client.get("/vote/my/").content.decode()
    assert current.season.title in page and receipt_display(cast.receipt) not in page
    assert 'href="/vote/my/?season=2040"' in page

    page = client.get("/vote/my/?season=2040").content.decode()
    assert last.season.title in page and receipt_display(cast.receipt) in page
    assert last.candidates[0].full_name in page

    page = client.get("/vote/my/?season=1999", follow=True).content.decode()
    assert "В сезоне 1999 вы не регистрировались" in page and current.season.title in page


def test_a_session_from_last_season_still_shows_its_votes(client):
    last, _current, _identity, voter, cast = _past_and_current()
    _login_session(client, voter.pk)
    page = client.get("/vote/my/").content.decode()
    assert last.season.title in page and receipt_display(cast.receipt) in page


def test_a_phone_check_leads_to_last_seasons_votes_without_registering_again(
        client, sms_file, django_capture_on_commit_callbacks):
    last, current, _identity, _voter, cast = _past_and_current()
    response = client.get("/vote/my/?season=2040")
    assert response["Location"] == "/vote/login/?next=%2Fvote%2Fmy%2F%3Fseason%3D2040"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"], {"phone": PHONE})
    response = client.post("/vote/login/code/", {"code": last_code(sms_file)})
    assert response.status_code == 302 and response["Location"] == "/vote/my/?season=2040"
    page = client.get(response["Location"]).content.decode()
    assert receipt_display(cast.receipt) in page
    assert not SeasonVoter.objects.filter(season=current.season).exists()  # no registration was needed


def test_the_page_title_is_plain_text_and_the_my_data_link_is_in_the_body(client):
    """The browser tab and a screen reader's page name read «Мои голоса», not markup; the link to the voter's
    data is on the page itself."""
    _last, _current, _identity, voter, _cast = _past_and_current()
    _login_session(client, voter.pk)
    page = client.get("/vote/my/").content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title is not None
    assert "<" not in title.group(1) and "Мои данные" not in html.unescape(title.group(1))
    assert html.unescape(title.group(1)).startswith("Мои голоса — ")
    body = page[page.index("<body"):]
    assert 'href="/vote/my-data/"' in body and "Мои данные: копия и удаление" in body

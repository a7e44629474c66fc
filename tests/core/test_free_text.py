"""Control characters in free text: one check (core.text) refuses them in every field people type — through the
services (so web, API, bot and admin alike) and on the forms (a message at the field) — and a refused value is
never echoed into the page (the Nu HTML checker, run on every page a test renders, would fail it)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from atomgrad.award.models import Application
from atomgrad.core.errors import ApplicationError
from atomgrad.core.text import control_character_find, text_check
from atomgrad.results.services.annulment import votes_annul
from atomgrad.results.services.decisions import city_declare_void
from atomgrad.voting.models import VoteAnnulment
from tests.award.apply_support import consent_document, form_data, open_season
from tests.factories import SphereFactory
from tests.results.helpers import city_vote, close_voting

pytestmark = pytest.mark.django_db

FORBIDDEN = ["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\u009f", "\ud800"]


@pytest.mark.parametrize("character", FORBIDDEN)
def test_every_control_character_and_lone_surrogate_is_found(character):
    assert control_character_find(f"до{character}после") == character
    assert control_character_find(f"до{character}после", multiline=True) == character
    with pytest.raises(ApplicationError) as refusal:
        text_check(f"a{character}", field="reason", label_ru="Причина", label_en="Reason")
    assert refusal.value.code == "control_characters" and refusal.value.details["field"] == "reason"


def test_line_breaks_and_tabs_are_text_in_multiline_fields_only():
    assert control_character_find("строка\r\nвторая\tтаб", multiline=True) is None
    assert control_character_find("строка\nвторая") == "\n"
    assert control_character_find("Ёлка — «ёлочка» 🎄 ‘’ “” …") is None


def test_an_annulment_reason_with_a_control_character_is_refused_and_changes_nothing():
    cv = city_vote(names=["Абрамова Ася", "Баранов Борис"])
    cv.cast([2, 1])
    close_voting(cv.season)
    with pytest.raises(ApplicationError) as refusal:
        votes_annul(actor=cv.chair, season=cv.season, city=cv.city, vote_ids=[cv.votes[cv.candidates[0].pk][0].pk],
                    reason_code="fraud_suspected", reason="Накрутка\x07\x1b[31m")
    assert refusal.value.code == "control_characters"
    with pytest.raises(ApplicationError):
        city_declare_void(actor=cv.chair, season=cv.season, city=cv.city, reason="Причина\x00")
    assert not VoteAnnulment.objects.exists()


def test_the_annul_form_refuses_a_control_character_without_echoing_it(client):
    cv = city_vote(names=["Абрамова Ася", "Баранов Борис"])
    cv.cast([2, 1])
    close_voting(cv.season)
    client.force_login(cv.member)
    first = cv.candidates[0]
    url = f"{reverse('results:annul', args=[cv.season.year, cv.city.slug])}?candidate={first.pk}"
    response = client.post(url, {"scope": "selection", "expected_count": 2, "reason_code": "fraud_suspected",
                                 "reason": "Жалоба\x01 жителя"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "управляющие (невидимые) символы, например U+0001" in html
    assert "\x01" not in html and "Жалоба жителя" in html  # shown again to correct, without the character
    assert not VoteAnnulment.objects.exists()


def test_the_application_form_refuses_control_characters_at_their_field(client):
    consent_document()
    season = open_season()
    sphere = SphereFactory()
    data = form_data(season, sphere, story="Учит физике\x0bи робототехнике", workplace="Школа\x1b № 7")
    response = client.post("/apply/", data)
    assert response.status_code in (200, 422)
    html = response.content.decode()
    assert html.count("управляющие (невидимые) символы") >= 2
    assert "\x0b" not in html and "\x1b" not in html
    assert not Application.objects.exists()

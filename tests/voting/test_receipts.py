"""Receipts: the code format, GET /api/v1/receipts/{receipt}, and the /verify/ pages."""

from __future__ import annotations

import pytest

from atomgrad.voting import receipts
from atomgrad.voting.models import Vote
from atomgrad.voting.phones import phone_hash
from atomgrad.voting.services.ballots import vote_annul, vote_cast
from tests.factories import CommitteeMemberFactory, VoterIdentityFactory
from tests.voting.ballot_helpers import VOTER_PHONE, election

# --- the code -------------------------------------------------------------------------------------------------


def test_codes_are_10_crockford_characters_shown_in_groups():
    codes = {receipts.receipt_generate() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(code) == 10 and set(code) <= set(receipts.ALPHABET) for code in codes)
    assert not set("ILOU") & set(receipts.ALPHABET)
    assert receipts.receipt_display("K7Q29XMAD4") == "K7Q2-9XMA-D4"


@pytest.mark.parametrize("typed", ["K7Q2-9XMA-D4", "k7q2 9xma d4", " k7q29xmad4 ", "K7Q2-9XMA-D4\n"])
def test_a_code_typed_by_hand_is_recognised(typed):
    assert receipts.receipt_normalise(typed) == "K7Q29XMAD4"


def test_confusable_letters_are_read_as_digits():
    assert receipts.receipt_normalise("O0IL-0000-00") == "0011000000"


@pytest.mark.parametrize("typed", ["", "K7Q2-9XMA", "K7Q2-9XMA-D44", "K7Q2-9XMA-DU", "../../etc", "К7Q2-9XMA-D4"])
def test_anything_else_is_not_a_code(typed):
    assert receipts.receipt_normalise(typed) is None


# --- the API --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_receipt_api_gives_the_position_and_status_without_the_voter_or_candidate(client):
    race = election(k=3)
    identity = VoterIdentityFactory(phone_hash=phone_hash(VOTER_PHONE))
    vote_cast(voter=race.voter(), candidate=race.candidates[1], channel="web")
    vote = vote_cast(voter=race.voter(identity=identity), candidate=race.candidates[0], channel="web")

    response = client.get(f"/api/v1/receipts/{receipts.receipt_display(vote.receipt)}")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"receipt", "position", "status", "season", "city", "recorded_at", "entry_hash",
                         "annulment_position"}
    assert body["position"] == 2 and body["status"] == "counted"
    assert (body["season"], body["city"]) == (race.season.year, race.city.slug)
    assert body["entry_hash"] == vote.ledger_entry.entry_hash
    assert body["recorded_at"].endswith("+03:00")
    text = response.content.decode()
    for secret in (VOTER_PHONE, identity.phone_hash, vote.ledger_entry.voter_pseudonym,
                   race.candidates[0].full_name):
        assert secret not in text
    assert '"candidate"' not in text


@pytest.mark.django_db
def test_the_receipt_api_accepts_any_spelling_and_404s_unknown_codes(client):
    race = election(k=3)
    vote = vote_cast(voter=race.voter(), candidate=race.candidates[0], channel="web")
    assert client.get(f"/api/v1/receipts/{vote.receipt.lower()}").status_code == 200
    missing = client.get("/api/v1/receipts/ZZZZ-ZZZZ-ZZ")
    assert missing.status_code == 404 and missing.json()["code"] == "receipt_not_found"
    assert client.get("/api/v1/receipts/not-a-code").status_code == 404


@pytest.mark.django_db
def test_an_annulled_vote_reports_annulled(client):
    race = election(k=3)
    vote = vote_cast(voter=race.voter(), candidate=race.candidates[0], channel="web")
    vote_annul(actor=CommitteeMemberFactory(city=race.city).user, vote=vote, reason="Нарушение правил")
    body = client.get(f"/api/v1/receipts/{vote.receipt}").json()
    assert (body["status"], body["position"], body["annulment_position"]) == ("annulled", 1, 2)


# --- the pages ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_verify_page_says_plainly_where_the_vote_is_and_that_it_counts(client):
    race = election(k=3)
    identity = VoterIdentityFactory(phone_hash=phone_hash(VOTER_PHONE))
    vote = vote_cast(voter=race.voter(identity=identity), candidate=race.candidates[0], channel="web")

    response = client.get(f"/verify/{vote.receipt}/")

    assert response.status_code == 200
    text = response.content.decode()
    assert "на позиции 1 и учтён" in text
    assert receipts.receipt_display(vote.receipt) in text
    assert vote.ledger_entry.entry_hash in text
    assert "Что доказывает квитанция" in text and "Чего квитанция не доказывает" in text
    assert "(МСК)" in text
    for secret in (VOTER_PHONE, identity.phone_hash, vote.ledger_entry.voter_pseudonym,
                   race.candidates[0].full_name):
        assert secret not in text


@pytest.mark.django_db
def test_the_verify_page_of_an_annulled_vote_says_so_and_why(client):
    race = election(k=3)
    vote = vote_cast(voter=race.voter(), candidate=race.candidates[0], channel="web")
    vote_annul(actor=CommitteeMemberFactory(city=race.city).user, vote=vote, reason="Голос с фермы ботов")
    text = client.get(f"/verify/{vote.receipt}/").content.decode()
    assert "аннулирован" in text and "Голос с фермы ботов" in text


@pytest.mark.django_db
def test_an_unknown_code_is_a_404_page_in_plain_russian(client):
    response = client.get("/verify/ZZZZZZZZZZ/")
    assert response.status_code == 404
    assert "Квитанции с кодом «ZZZZZZZZZZ» нет" in response.content.decode()


@pytest.mark.django_db
def test_the_form_sends_a_typed_code_to_its_page_and_refuses_nonsense(client):
    race = election(k=3)
    vote = vote_cast(voter=race.voter(), candidate=race.candidates[0], channel="web")
    form = client.get("/verify/")
    assert form.status_code == 200
    assert '<label for="id_receipt_code">' in form.content.decode()

    typed = receipts.receipt_display(vote.receipt).lower()
    response = client.get("/verify/", {"code": typed})
    assert response.status_code == 302 and response["Location"] == f"/verify/{vote.receipt}/"

    refused = client.get("/verify/", {"code": "hello"})
    assert refused.status_code == 422
    assert 'role="alert"' in refused.content.decode()


@pytest.mark.django_db
def test_a_hand_spelled_code_in_the_address_redirects_to_the_canonical_one(client):
    race = election(k=3)
    vote = vote_cast(voter=race.voter(), candidate=race.candidates[0], channel="web")
    response = client.get(f"/verify/{receipts.receipt_display(vote.receipt).lower()}/")
    assert response.status_code == 302 and response["Location"] == f"/verify/{vote.receipt}/"


@pytest.mark.django_db
def test_a_receipt_collision_draws_a_new_code_instead_of_failing(monkeypatch):
    race = election(k=3)
    first = vote_cast(voter=race.voter(), candidate=race.candidates[0], channel="web")
    drawn = iter([first.receipt, first.receipt, "NEWC0DE000"])
    monkeypatch.setattr("atomgrad.voting.services.ballots.receipt_generate", lambda: next(drawn))
    second = vote_cast(voter=race.voter(), candidate=race.candidates[0], channel="web")
    assert second.receipt == "NEWC0DE000"
    assert Vote.objects.filter(receipt=first.receipt).count() == 1
    assert second.ledger_entry.sequence == 2

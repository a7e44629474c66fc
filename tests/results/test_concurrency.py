"""Parallel review actions: two members annulling the same selection, and an annulment racing the signature."""

from __future__ import annotations

import pytest

from atomgrad.core.errors import ApplicationError
from atomgrad.results.models import CityProtocol
from atomgrad.results.selectors import VoteSelection
from atomgrad.results.services.annulment import votes_annul
from atomgrad.results.services.protocol import protocol_generate, protocol_sign
from atomgrad.results.services.tally import city_tally
from atomgrad.voting.models import VoteAnnulment
from atomgrad.voting.selectors import ledger_verify
from tests.concurrency import run_together
from tests.results.helpers import city_vote, close_voting

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def test_two_members_annulling_the_same_selection_annul_it_once():
    cv = city_vote()
    cv.cast([6, 3, 2, 1])
    close_voting(cv.season)
    selection = VoteSelection(candidate_id=cv.candidates[0].pk)

    def annul(actor):  # type: ignore[no-untyped-def]
        return lambda: votes_annul(actor=actor, season=cv.season, city=cv.city, selection=selection,
                                   reason_code="fraud_suspected", reason="Накрутка", expected_count=6)

    outcomes = run_together([annul(cv.chair), annul(cv.member)])
    succeeded = [outcome for outcome in outcomes if isinstance(outcome, list)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, ApplicationError)]
    assert len(succeeded) == 1 and len(succeeded[0]) == 6
    assert len(refused) == 1 and refused[0].code in {"selection_changed", "already_annulled"}
    assert VoteAnnulment.objects.count() == 6
    assert ledger_verify(season=cv.season) is None


def test_an_annulment_racing_the_signature_never_lands_after_it():
    cv = city_vote()
    # The leader stays ahead with up to three votes annulled, so no round can end in a tie (which would refuse
    # the signature for another reason).
    cv.cast([9, 4, 2, 1])
    close_voting(cv.season)
    for round_number in range(3):
        draft = protocol_generate(actor=cv.chair, season=cv.season, city=cv.city)
        vote = cv.votes[cv.candidates[0].pk][round_number]
        signed, annulled = run_together([
            lambda draft=draft: protocol_sign(actor=cv.chair, protocol=draft),
            lambda vote=vote: votes_annul(actor=cv.member, season=cv.season, city=cv.city, vote_ids=[vote.pk],
                                          reason_code="coercion", reason="Жалоба"),
        ])
        if isinstance(signed, CityProtocol):
            # signed first: the annulment was refused, and the signed protocol states the count as it is
            assert isinstance(annulled, ApplicationError) and annulled.code == "protocol_signed"
            assert not VoteAnnulment.objects.filter(vote=vote).exists()
            assert signed.data["votes_annulled"] == city_tally(season=cv.season, city=cv.city).votes_annulled
            break
        # annulled first: the draft no longer states the count, so it was not signed
        assert isinstance(signed, ApplicationError) and signed.code == "protocol_stale"
        assert isinstance(annulled, list) and VoteAnnulment.objects.filter(vote=vote).exists()
    assert ledger_verify(season=cv.season) is None

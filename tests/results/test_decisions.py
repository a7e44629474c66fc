"""Ties among the top three, disqualification and a void city: never silent, always in the protocol."""

from __future__ import annotations

import pytest

from atomgrad.award.models import Laureate
from atomgrad.core.errors import ApplicationError
from atomgrad.results.models import TieRule
from atomgrad.results.services.annulment import votes_annul
from atomgrad.results.services.decisions import (
    candidate_disqualify,
    city_declare_void,
    decision_withdraw,
    tie_decide,
)
from atomgrad.results.services.protocol import protocol_generate, protocol_sign
from atomgrad.results.services.publication import publication_publish_city
from atomgrad.results.services.tally import city_tally
from tests.results.helpers import city_vote, close_voting, organiser, pdf_text

pytestmark = pytest.mark.django_db

NAMES = ["Андреева Алла", "Белов Богдан", "Волков Виктор", "Гусева Галина", "Дмитриев Денис"]


def _by_id(tally):  # type: ignore[no-untyped-def]
    return {line.id: line for line in tally.candidates}


def test_a_tie_touching_third_place_is_marked_and_blocks_signing_until_the_committee_decides():
    cv = city_vote(names=NAMES)
    cv.cast([5, 4, 3, 3, 1])
    close_voting(cv.season)
    first, second, third_a, third_b, last = cv.candidates

    tally = city_tally(season=cv.season, city=cv.city)
    lines = _by_id(tally)
    assert [(group.votes, sorted(group.candidates)) for group in tally.tie_groups] == \
        [(3, sorted([third_a.pk, third_b.pk]))]
    assert lines[third_a.pk].tied and lines[third_b.pk].tied and not lines[first.pk].tied
    assert lines[third_a.pk].place == lines[third_b.pk].place == 3
    assert not lines[third_a.pk].laureate and not lines[third_b.pk].laureate  # nobody is named silently
    assert [line.full_name for line in tally.laureates] == [first.full_name, second.full_name]
    assert lines[last.pk].place == 5
    assert tally.tie_unresolved

    draft = protocol_generate(actor=cv.chair, season=cv.season, city=cv.city)
    assert "не может быть подписан" in pdf_text(draft.pdf.read())
    with pytest.raises(ApplicationError) as error:
        protocol_sign(actor=cv.chair, protocol=draft)
    assert error.value.code == "tie_unresolved"

    tie_decide(actor=cv.chair, season=cv.season, city=cv.city, rule=TieRule.EARLIER_APPLICATION,
               explanation="Заявка Гусевой подана раньше", orders={3: [third_b.pk, third_a.pk]})

    decided = _by_id(city_tally(season=cv.season, city=cv.city))
    assert (decided[third_b.pk].place, decided[third_a.pk].place) == (3, 4)
    assert decided[third_b.pk].laureate and not decided[third_a.pk].laureate
    assert decided[third_a.pk].tied and decided[third_b.pk].tied  # still marked: the tie is stated, and how it went
    protocol = protocol_generate(actor=cv.chair, season=cv.season, city=cv.city)
    text = pdf_text(protocol.pdf.read())
    assert "раньше подана заявка" in text and "Заявка Гусевой подана раньше" in text
    assert "1) Гусева Галина; 2) Волков Виктор" in text
    protocol_sign(actor=cv.chair, protocol=protocol)
    publication_publish_city(actor=organiser(), season=cv.season, city=cv.city)
    assert sorted(Laureate.objects.values_list("full_name", "place")) == \
        [("Андреева Алла", 1), ("Белов Богдан", 2), ("Гусева Галина", 3)]


def test_a_tie_decision_must_order_exactly_the_tied_candidates_and_lapses_when_the_count_changes():
    cv = city_vote(names=NAMES)
    cv.cast([5, 4, 3, 3, 1])
    close_voting(cv.season)
    _, _, third_a, third_b, last = cv.candidates
    for orders in ({3: [third_a.pk]}, {3: [third_a.pk, last.pk]}, {3: [third_a.pk, third_b.pk], 1: [last.pk]}):
        with pytest.raises(ApplicationError) as error:
            tie_decide(actor=cv.chair, season=cv.season, city=cv.city, rule=TieRule.LOT, explanation="Жребий",
                       orders=orders)
        assert error.value.code == "tie_order_invalid"
    tie_decide(actor=cv.chair, season=cv.season, city=cv.city, rule=TieRule.LOT, explanation="Жребий",
               orders={3: [third_a.pk, third_b.pk]})
    assert city_tally(season=cv.season, city=cv.city).tie_decision is not None

    # An annulment changes the count: the old decision no longer applies, and there is no tie left to decide.
    votes_annul(actor=cv.chair, season=cv.season, city=cv.city, vote_ids=[cv.votes[third_a.pk][0].pk],
                reason_code="fraud_suspected", reason="Проверка")
    tally = city_tally(season=cv.season, city=cv.city)
    assert tally.tie_groups == [] and tally.tie_decision is None
    assert _by_id(tally)[third_b.pk].place == 3 and _by_id(tally)[third_b.pk].laureate
    with pytest.raises(ApplicationError) as error:
        tie_decide(actor=cv.chair, season=cv.season, city=cv.city, rule=TieRule.LOT, explanation="Жребий",
                   orders={3: [third_b.pk]})
    assert error.value.code == "no_tie"


def test_a_void_city_has_no_places_and_no_laureates():
    cv = city_vote(names=NAMES)
    cv.cast([9, 4, 3, 2, 1])
    close_voting(cv.season)
    city_declare_void(actor=cv.chair, season=cv.season, city=cv.city,
                      reason="90% голосов за двух соискателей оказались поддельными")
    with pytest.raises(ApplicationError) as error:
        city_declare_void(actor=cv.chair, season=cv.season, city=cv.city, reason="Ещё раз")
    assert error.value.code == "already_void"

    tally = city_tally(season=cv.season, city=cv.city)
    assert tally.void and tally.laureates == [] and all(line.place is None for line in tally.candidates)
    assert tally.votes_valid == 19  # the counts are still stated

    protocol = protocol_generate(actor=cv.chair, season=cv.season, city=cv.city)
    text = pdf_text(protocol.pdf.read())
    assert "Голосование в городе признано недействительным" in text
    assert "90% голосов за двух соискателей оказались поддельными" in text
    assert "призёры в городе не определяются" in text
    protocol_sign(actor=cv.chair, protocol=protocol)
    publication_publish_city(actor=organiser(), season=cv.season, city=cv.city)
    assert not Laureate.objects.exists()


def test_disqualification_takes_the_place_not_the_votes_and_can_be_withdrawn_before_signing():
    cv = city_vote(names=NAMES)
    cv.cast([9, 4, 3, 2, 1])
    close_voting(cv.season)
    leader = cv.candidates[0]
    decision = candidate_disqualify(actor=cv.member, season=cv.season, city=cv.city, candidate=leader,
                                    reason="Подкуп избирателей подтверждён")

    tally = city_tally(season=cv.season, city=cv.city)
    line = _by_id(tally)[leader.pk]
    assert line.disqualified and line.place is None and not line.laureate and line.valid == 9
    assert tally.candidates[-1].id == leader.pk
    assert [line.full_name for line in tally.laureates] == NAMES[1:4]
    text = pdf_text(protocol_generate(actor=cv.chair, season=cv.season, city=cv.city).pdf.read())
    assert "Подкуп избирателей подтверждён" in text and "снята с голосования" in text  # Андреева: feminine

    with pytest.raises(ApplicationError) as error:
        candidate_disqualify(actor=cv.member, season=cv.season, city=cv.city, candidate=leader, reason="Снова")
    assert error.value.code == "already_disqualified"
    decision_withdraw(actor=cv.chair, decision=decision, reason="Ошибка в проверке")
    assert _by_id(city_tally(season=cv.season, city=cv.city))[leader.pk].place == 1

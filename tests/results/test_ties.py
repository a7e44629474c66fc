"""Ties that block nothing: only a tie that decides who is among the top three needs the committee; a candidate
without a valid vote gets no place and is never a laureate; the season's minimum of valid votes for a laureate."""

from __future__ import annotations

import pytest

from atomgrad.award.models import Laureate, Season
from atomgrad.core.errors import ApplicationError
from atomgrad.results.models import TieRule
from atomgrad.results.services.decisions import tie_decide
from atomgrad.results.services.protocol import protocol_generate, protocol_sign
from atomgrad.results.services.tally import city_tally
from tests.results.helpers import city_vote, close_voting, organiser, pdf_text, sign_and_publish

pytestmark = pytest.mark.django_db

NAMES = ["Андреева Алла", "Белов Богдан", "Волков Виктор", "Гусева Галина", "Дмитриев Денис", "Егорова Ева"]


def _by_id(tally):  # type: ignore[no-untyped-def]
    return {line.id: line for line in tally.candidates}


def test_candidates_without_votes_get_no_place_and_their_tie_blocks_nothing():
    cv = city_vote(names=NAMES)
    cv.cast([2, 0, 0, 0, 0, 0])
    close_voting(cv.season)
    leader, *others = cv.candidates

    tally = city_tally(season=cv.season, city=cv.city)
    lines = _by_id(tally)
    assert tally.tie_groups == [] and not tally.tie_unresolved
    assert (lines[leader.pk].place, lines[leader.pk].laureate) == (1, True)
    assert all(lines[o.pk].place is None and not lines[o.pk].laureate and not lines[o.pk].tied for o in others)
    assert [line.full_name for line in tally.candidates][1:] == sorted(o.full_name for o in others)

    protocol = protocol_generate(actor=cv.chair, season=cv.season, city=cv.city)
    assert "Без действительных голосов (мест не получают): 5 соискателей" in pdf_text(protocol.pdf.read())
    protocol_sign(actor=cv.chair, protocol=protocol)  # nothing to decide


def test_a_city_where_nobody_got_a_vote_has_no_laureates_and_can_be_signed():
    cv = city_vote(names=NAMES[:3])
    close_voting(cv.season)
    tally = city_tally(season=cv.season, city=cv.city)
    assert tally.tie_groups == [] and tally.laureates == []
    protocol_sign(actor=cv.chair, protocol=protocol_generate(actor=cv.chair, season=cv.season, city=cv.city))


def test_a_tie_inside_the_top_three_shares_the_place_and_needs_no_decision():
    cv = city_vote(names=NAMES[:4])
    cv.cast([3, 3, 2, 1])
    close_voting(cv.season)
    first_a, first_b, third, fourth = cv.candidates
    tally = city_tally(season=cv.season, city=cv.city)
    lines = _by_id(tally)
    assert tally.tie_groups == []
    assert lines[first_a.pk].place == lines[first_b.pk].place == 1
    assert lines[third.pk].place == 3 and lines[fourth.pk].place == 4
    assert {line.id for line in tally.laureates} == {first_a.pk, first_b.pk, third.pk}
    assert not any(line.tied for line in tally.candidates)


def test_a_tie_across_third_place_needs_a_decision_among_exactly_the_tied():
    cv = city_vote(names=NAMES[:5], k=5)
    cv.cast([2, 2, 2, 2, 0])
    close_voting(cv.season)
    tied = cv.candidates[:4]
    tally = city_tally(season=cv.season, city=cv.city)
    assert [(group.votes, sorted(group.candidates)) for group in tally.tie_groups] == \
        [(2, sorted(c.pk for c in tied))]
    assert tally.laureates == [] and tally.tie_unresolved
    with pytest.raises(ApplicationError) as error:
        protocol_sign(actor=cv.chair, protocol=protocol_generate(actor=cv.chair, season=cv.season, city=cv.city))
    assert error.value.code == "tie_unresolved"
    tie_decide(actor=cv.chair, season=cv.season, city=cv.city, rule=TieRule.LOT, explanation="Жребий",
               orders={2: [c.pk for c in reversed(tied)]})
    decided = city_tally(season=cv.season, city=cv.city)
    assert [line.id for line in decided.laureates] == [c.pk for c in reversed(tied)][:3]
    assert _by_id(decided)[cv.candidates[4].pk].place is None


def test_the_seasons_minimum_of_valid_votes_keeps_weak_candidates_off_the_podium():
    cv = city_vote(names=NAMES[:4])
    Season.objects.filter(pk=cv.season.pk).update(laureate_min_valid_votes=3)
    cv.season.refresh_from_db()
    cv.cast([5, 4, 2, 2])
    close_voting(cv.season)
    first, second, low_a, low_b = cv.candidates
    tally = city_tally(season=cv.season, city=cv.city)
    lines = _by_id(tally)
    # The tie for third is below the minimum: nobody in it can be a laureate, so it decides nothing.
    assert tally.tie_groups == [] and tally.min_valid_votes == 3
    assert [line.id for line in tally.laureates] == [first.pk, second.pk]
    assert lines[low_a.pk].place == lines[low_b.pk].place == 3 and not lines[low_a.pk].laureate
    sign_and_publish(cv, publisher=organiser())
    assert sorted(Laureate.objects.values_list("full_name", "place")) == [(first.full_name, 1),
                                                                          (second.full_name, 2)]


def test_the_minimum_cannot_be_below_one_in_the_database():
    from django.db import IntegrityError, transaction

    cv = city_vote(names=NAMES[:2])
    with pytest.raises(IntegrityError), transaction.atomic():
        Season.objects.filter(pk=cv.season.pk).update(laureate_min_valid_votes=0)


def test_the_public_page_lists_candidates_without_votes_together_and_laureates_first(client):
    cv = city_vote(names=NAMES)
    cv.cast([1, 3, 0, 0, 0, 0])
    close_voting(cv.season)
    sign_and_publish(cv, publisher=organiser())
    page = client.get(f"/results/{cv.season.year}/{cv.city.slug}/").content.decode()
    assert "Без действительных голосов, мест нет: 4 соискателя" in page
    assert page.index(cv.candidates[1].full_name) < page.index(cv.candidates[0].full_name)
    assert "5</td>" not in page.replace(" ", "")  # nobody is listed in a shared last place

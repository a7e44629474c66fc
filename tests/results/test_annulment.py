"""Annulment after the close: selections, the tally, the ledger, the protocol; reversal restores the count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from atomgrad.core.errors import ApplicationError
from atomgrad.core.models import AuditLogEntry
from atomgrad.results.selectors import STATUS_ANNULLED, VoteSelection, vote_selection
from atomgrad.results.services.annulment import annulments_reverse, votes_annul
from atomgrad.results.services.protocol import protocol_generate, protocol_sign
from atomgrad.results.services.tally import city_tally
from atomgrad.voting import ledger
from atomgrad.voting.models import CandidateTally, LedgerEntry, Vote, VoteAnnulment
from atomgrad.voting.selectors import ledger_entries, ledger_head, ledger_verify, receipt_status, voter_vote_list
from tests.results.helpers import city_vote, close_voting, pdf_text

pytestmark = pytest.mark.django_db


def _valid(tally, candidate):  # type: ignore[no-untyped-def]
    return next(line.valid for line in tally.candidates if line.id == candidate.pk)


def test_annulling_a_candidates_votes_changes_the_tally_the_ledger_and_the_protocol():
    cv = city_vote()
    cv.cast([6, 4, 2, 1])
    close_voting(cv.season)
    first = cv.candidates[0]
    head_before = ledger_head(season=cv.season)[0]

    annulments = votes_annul(
        actor=cv.member, season=cv.season, city=cv.city, selection=VoteSelection(candidate_id=first.pk),
        reason_code="fraud_suspected", reason="90% голосов с одного диапазона номеров", expected_count=6,
    )

    assert len(annulments) == 6
    tally = city_tally(season=cv.season, city=cv.city)
    assert _valid(tally, first) == 0
    assert (tally.votes_cast, tally.votes_annulled, tally.votes_valid) == (13, 6, 7)
    assert tally.annulled_by_reason == {"fraud_suspected": 6}
    assert [line.full_name for line in tally.candidates[:3]] == [c.full_name for c in cv.candidates[1:4]]
    assert CandidateTally.objects.get(candidate=first).votes == 0  # the live counter moved in the same transaction
    # the ledger: six new annulment entries, each pointing at its vote, with the reason; the chain still verifies
    entries = list(LedgerEntry.objects.filter(season=cv.season, kind=ledger.KIND_ANNULMENT).order_by("sequence"))
    assert len(entries) == 6 and entries[0].sequence == head_before + 1
    vote_sequences = {entry.sequence for entry in LedgerEntry.objects.filter(vote__candidate=first, kind="vote")}
    assert {entry.target_sequence for entry in entries} == vote_sequences
    assert {entry.reason_code for entry in entries} == {"fraud_suspected"}
    assert ledger_verify(season=cv.season) is None
    assert ledger.chain_tally(list(ledger_entries(season=cv.season)))[first.pk] == 0
    # the vote rows are all still there, and audited per vote plus once for the selection
    assert Vote.objects.filter(candidate=first).count() == 6
    assert AuditLogEntry.objects.filter(action="vote_annulled").count() == 6
    selection_log = AuditLogEntry.objects.get(action="votes_annulled_selection")
    assert selection_log.details["count"] == 6 and selection_log.details["selection"]["candidate_id"] == first.pk
    # the protocol states it
    protocol = protocol_generate(actor=cv.chair, season=cv.season, city=cv.city)
    text = pdf_text(protocol.pdf.read())
    assert "Признаки накрутки голосов 6" in text
    assert "Голосов аннулировано 6" in text
    assert f"{first.full_name}" in text
    assert "6 6 0" in text  # cast, annulled, valid of the first candidate


def test_reversing_an_annulment_restores_the_count():
    cv = city_vote()
    cv.cast([3, 2, 1, 1])
    close_voting(cv.season)
    target = cv.votes[cv.candidates[0].pk][0]
    before = city_tally(season=cv.season, city=cv.city)

    [annulment] = votes_annul(actor=cv.chair, season=cv.season, city=cv.city, vote_ids=[target.pk],
                              reason_code="duplicate_person", reason="Второй номер того же жителя")
    assert _valid(city_tally(season=cv.season, city=cv.city), cv.candidates[0]) == 2
    assert receipt_status(code=target.receipt).status == "annulled"

    [reversal] = annulments_reverse(actor=cv.member, season=cv.season, city=cv.city, annulment_ids=[annulment.pk],
                                    reason_code="voter_confirmed", reason="Житель подтвердил, что голосовал сам")

    after = city_tally(season=cv.season, city=cv.city)
    assert [(line.id, line.cast, line.annulled, line.valid, line.place) for line in after.candidates] == \
        [(line.id, line.cast, line.annulled, line.valid, line.place) for line in before.candidates]
    assert after.annulled_by_reason == {}
    assert CandidateTally.objects.get(candidate=cv.candidates[0]).votes == 3
    entry = LedgerEntry.objects.get(season=cv.season, kind=ledger.KIND_ANNULMENT_REVERSAL)
    annulment_entry = LedgerEntry.objects.get(season=cv.season, kind=ledger.KIND_ANNULMENT)
    assert entry.target_sequence == annulment_entry.sequence and entry.reason_code == "voter_confirmed"
    assert ledger_verify(season=cv.season) is None
    assert ledger.chain_tally(list(ledger_entries(season=cv.season)))[cv.candidates[0].pk] == 3
    assert receipt_status(code=target.receipt).status == "counted"
    assert not next(v for v in voter_vote_list(voter=target.voter) if v.pk == target.pk).annulled
    assert reversal.annulment == annulment and VoteAnnulment.objects.filter(pk=annulment.pk).exists()
    # a reversal is final: the same annulment cannot be reversed twice
    with pytest.raises(ApplicationError) as error:
        annulments_reverse(actor=cv.member, season=cv.season, city=cv.city, annulment_ids=[annulment.pk],
                           reason_code="voter_confirmed", reason="ещё раз")
    assert error.value.code == "already_reversed"


def test_selection_by_time_window_and_by_voter_cohort():
    cv = city_vote()
    cv.cast([2, 2, 0, 0])
    early = set(Vote.objects.filter(city=cv.city).values_list("pk", flat=True))
    Vote.objects.filter(pk__in=early)  # cast before the window below
    cut = timezone.now()
    cv.cast([1, 0, 3, 0])
    late = set(Vote.objects.filter(city=cv.city).values_list("pk", flat=True)) - early
    close_voting(cv.season)

    window = VoteSelection(cast_from=cut, cast_to=timezone.now() + dt.timedelta(minutes=5))
    assert set(vote_selection(season=cv.season, city=cv.city, selection=window).values_list("pk", flat=True)) == late
    cohort = VoteSelection(registered_from=cut)
    assert set(vote_selection(season=cv.season, city=cv.city, selection=cohort).values_list("pk", flat=True)) == late
    both = VoteSelection(registered_from=cut, candidate_id=cv.candidates[2].pk)
    assert vote_selection(season=cv.season, city=cv.city, selection=both).count() == 3

    votes_annul(actor=cv.chair, season=cv.season, city=cv.city, selection=cohort, reason_code="fraud_suspected",
                reason="Волна регистраций за одну минуту", expected_count=len(late))
    tally = city_tally(season=cv.season, city=cv.city)
    assert tally.votes_annulled == len(late) and tally.votes_valid == len(early)
    annulled = VoteSelection(status=STATUS_ANNULLED)
    assert set(vote_selection(season=cv.season, city=cv.city, selection=annulled).values_list("pk", flat=True)) == late
    # reversing the cohort by the same selection restores everything
    annulments_reverse(actor=cv.chair, season=cv.season, city=cv.city, selection=cohort,
                       reason_code="check_not_confirmed", reason="Проверка не подтвердила", expected_count=len(late))
    assert city_tally(season=cv.season, city=cv.city).votes_annulled == 0


def test_a_selection_that_changed_meanwhile_is_refused_whole():
    cv = city_vote()
    cv.cast([3, 1, 0, 0])
    close_voting(cv.season)
    selection = VoteSelection(candidate_id=cv.candidates[0].pk)
    one = cv.votes[cv.candidates[0].pk][0]
    votes_annul(actor=cv.member, season=cv.season, city=cv.city, vote_ids=[one.pk], reason_code="coercion",
                reason="Жалоба")

    with pytest.raises(ApplicationError) as error:
        votes_annul(actor=cv.chair, season=cv.season, city=cv.city, selection=selection,
                    reason_code="fraud_suspected", reason="Накрутка", expected_count=3)

    assert error.value.code == "selection_changed" and error.value.details == {"expected": 3, "found": 2}
    assert VoteAnnulment.objects.count() == 1


@pytest.mark.parametrize(("reason_code", "reason", "code"), [
    ("fraud_suspected", "   ", "reason_required"),
    ("made_up", "Причина", "reason_code_unknown"),
])
def test_an_annulment_needs_a_listed_reason_and_words(reason_code, reason, code):
    cv = city_vote()
    cv.cast([1, 0, 0, 0])
    close_voting(cv.season)
    with pytest.raises(ApplicationError) as error:
        votes_annul(actor=cv.chair, season=cv.season, city=cv.city, vote_ids=[cv.votes[cv.candidates[0].pk][0].pk],
                    reason_code=reason_code, reason=reason)
    assert error.value.code == code
    assert not VoteAnnulment.objects.exists()


def test_no_annulment_before_the_close_or_after_the_protocol_is_signed():
    cv = city_vote()
    cv.cast([3, 2, 1, 0])
    vote = cv.votes[cv.candidates[0].pk][0]
    with pytest.raises(ApplicationError) as error:
        votes_annul(actor=cv.chair, season=cv.season, city=cv.city, vote_ids=[vote.pk],
                    reason_code="fraud_suspected", reason="Рано")
    assert error.value.code == "voting_not_closed"

    close_voting(cv.season)
    protocol_sign(actor=cv.chair, protocol=protocol_generate(actor=cv.chair, season=cv.season, city=cv.city))
    with pytest.raises(ApplicationError) as error:
        votes_annul(actor=cv.chair, season=cv.season, city=cv.city, vote_ids=[vote.pk],
                    reason_code="fraud_suspected", reason="Поздно")
    assert error.value.code == "protocol_signed"
    assert not VoteAnnulment.objects.exists()

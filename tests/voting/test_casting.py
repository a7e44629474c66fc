"""vote_cast, vote_annul and voting_extend through the services: each rule, each refusal, what is written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from atomgrad.core.errors import ApplicationError
from atomgrad.core.models import AuditLogEntry
from atomgrad.voting import ledger
from atomgrad.voting.models import CandidateTally, LedgerEntry, LedgerHead, SeasonVoter, Vote, VotingExtension
from atomgrad.voting.phones import phone_hash
from atomgrad.voting.receipts import ALPHABET, LENGTH
from atomgrad.voting.selectors import ledger_entries, ledger_head, ledger_verify
from atomgrad.voting.services.ballots import (
    vote_annul,
    vote_cast,
    voter_pseudonym,
    voting_closes_at,
    voting_extend,
)
from tests.factories import (
    CityFactory,
    CommitteeMemberFactory,
    SeasonVoterFactory,
    VoterIdentityFactory,
    make_organiser,
)
from tests.voting.ballot_helpers import VOTER_PHONE, application, election

pytestmark = pytest.mark.django_db


def refusal(callable_, **kwargs) -> ApplicationError:  # type: ignore[no-untyped-def]
    with pytest.raises(ApplicationError) as caught:
        callable_(**kwargs)
    return caught.value


def counts(season) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    return (
        Vote.objects.filter(season=season).count(),
        LedgerEntry.objects.filter(season=season).count(),
        sum(CandidateTally.objects.filter(season=season).values_list("votes", flat=True)),
    )


# --- a vote that is accepted --------------------------------------------------------------------------------


def test_a_vote_writes_the_vote_the_counter_the_tally_and_the_first_ledger_entry():
    race = election(k=3)
    voter = race.voter(identity=VoterIdentityFactory(phone_hash=phone_hash(VOTER_PHONE)))
    candidate = race.candidates[0]

    vote = vote_cast(voter=voter, candidate=candidate, channel="web")

    assert vote.voter == voter and vote.candidate == candidate and vote.city == race.city
    assert vote.channel == "web"
    assert len(vote.receipt) == LENGTH and set(vote.receipt) <= set(ALPHABET)
    assert voter.votes_cast == 1
    assert SeasonVoter.objects.get(pk=voter.pk).votes_cast == 1
    assert CandidateTally.objects.get(candidate=candidate).votes == 1

    entry = vote.ledger_entry
    assert (entry.sequence, entry.kind, entry.vote_id) == (1, "vote", vote.pk)
    assert entry.prev_hash == ledger.GENESIS_HASH
    assert entry.candidate_id == candidate.pk and entry.city_slug == race.city.slug and entry.channel == "web"
    assert entry.voter_pseudonym == voter_pseudonym(season_year=race.season.year,
                                                    phone_hash=phone_hash(VOTER_PHONE))
    stored = entry.as_ledger_dict(season_year=race.season.year)
    assert ledger.entry_hash(stored) == entry.entry_hash
    assert ledger_head(season=race.season) == (1, entry.entry_hash)


def test_votes_chain_one_after_another_and_the_stored_chain_verifies():
    race = election(k=3, candidates=3)
    voters = [race.voter() for _ in range(3)]
    for voter in voters:
        for candidate in race.candidates[:2]:
            vote_cast(voter=voter, candidate=candidate, channel="api")

    entries = list(ledger_entries(season=race.season))
    assert [entry["sequence"] for entry in entries] == list(range(1, 7))
    assert all(entries[i]["prev_hash"] == entries[i - 1]["entry_hash"] for i in range(1, 6))
    assert ledger_verify(season=race.season) is None
    assert ledger.chain_tally(entries) == {race.candidates[0].pk: 3, race.candidates[1].pk: 3}
    assert counts(race.season) == (6, 6, 6)


def test_entry_times_never_go_backwards_along_the_chain():
    race = election(k=3)
    for candidate in race.candidates:
        vote_cast(voter=race.voter(), candidate=candidate, channel="web")
    times = list(LedgerEntry.objects.filter(season=race.season).order_by("sequence").values_list("created_at",
                                                                                                flat=True))
    assert times == sorted(times)


def test_pseudonyms_are_stable_within_a_season_and_unlinkable_across_seasons():
    first, second = election(k=3, candidates=2), election(k=3, candidates=1)
    identity = VoterIdentityFactory()
    voter_first = first.voter(identity=identity)
    voter_second = second.voter(identity=identity)
    a = vote_cast(voter=voter_first, candidate=first.candidates[0], channel="web").ledger_entry
    b = vote_cast(voter=voter_first, candidate=first.candidates[1], channel="web").ledger_entry
    c = vote_cast(voter=voter_second, candidate=second.candidates[0], channel="web").ledger_entry
    assert a.voter_pseudonym == b.voter_pseudonym
    assert a.voter_pseudonym != c.voter_pseudonym
    assert identity.phone_hash not in (a.voter_pseudonym, c.voter_pseudonym)


def test_each_season_has_its_own_chain():
    first, second = election(k=1, candidates=1), election(k=1, candidates=1)
    vote_cast(voter=first.voter(), candidate=first.candidates[0], channel="web")
    entry = vote_cast(voter=second.voter(), candidate=second.candidates[0], channel="web").ledger_entry
    assert entry.sequence == 1 and entry.prev_hash == ledger.GENESIS_HASH


def test_casting_a_vote_takes_few_queries(django_assert_max_num_queries):
    race = election(k=3)
    voter = SeasonVoter.objects.select_related("season", "city").get(pk=race.voter().pk)
    vote_cast(voter=voter, candidate=race.candidates[0], channel="web")  # creates the head and the tally row
    candidate = race.candidates[1]
    other_voter = SeasonVoter.objects.select_related("season", "city").get(pk=race.voter().pk)
    vote_cast(voter=other_voter, candidate=candidate, channel="web")  # the tally row of candidate 1 exists now
    # the hot path: head and tally exist; BEGIN/savepoint + vote + its signals + cap + tally + head lock + entry
    # + head move (the signals' statement travels in the first batch: one more statement, no more round trips)
    with django_assert_max_num_queries(9):
        vote_cast(voter=voter, candidate=candidate, channel="web")


# --- refusals -----------------------------------------------------------------------------------------------


def test_a_second_vote_for_the_same_candidate_is_refused_with_409_and_changes_nothing():
    race = election(k=3)
    voter = race.voter()
    vote_cast(voter=voter, candidate=race.candidates[0], channel="web")
    error = refusal(vote_cast, voter=voter, candidate=race.candidates[0], channel="api")
    assert (error.code, error.status) == ("already_voted", 409)
    assert "уже проголосовали" in error.message_ru
    assert counts(race.season) == (1, 1, 1)
    assert SeasonVoter.objects.get(pk=voter.pk).votes_cast == 1


def test_the_k_plus_first_vote_is_refused_and_says_what_the_limit_is():
    race = election(k=2, candidates=3)
    voter = race.voter()
    vote_cast(voter=voter, candidate=race.candidates[0], channel="web")
    vote_cast(voter=voter, candidate=race.candidates[1], channel="web")
    error = refusal(vote_cast, voter=voter, candidate=race.candidates[2], channel="web")
    assert (error.code, error.status, error.details) == ("limit_reached", 403, {"limit": 2})
    assert "2 голоса" in error.message_ru and "2 votes" in error.message_en
    assert counts(race.season) == (2, 2, 2)
    assert not CandidateTally.objects.filter(candidate=race.candidates[2], votes__gt=0).exists()


def test_a_repeated_vote_at_the_limit_says_already_voted_not_limit():
    race = election(k=1)
    voter = race.voter()
    vote_cast(voter=voter, candidate=race.candidates[0], channel="web")
    assert refusal(vote_cast, voter=voter, candidate=race.candidates[0], channel="web").code == "already_voted"


def test_a_candidate_of_another_city_is_refused_when_the_season_says_own_city_only():
    race = election(k=3)
    elsewhere = CityFactory(name_ru="Саров")
    voter = race.voter(city=elsewhere)
    error = refusal(vote_cast, voter=voter, candidate=race.candidates[0], channel="web")
    assert (error.code, error.status) == ("wrong_city", 403)
    assert "Саров" in error.message_ru and race.city.name_ru in error.message_ru
    assert counts(race.season) == (0, 0, 0)


def test_a_city_change_committed_after_the_voter_was_read_is_refused_as_another_city():
    """The voter object a request holds can be stale: a city change (allowed before the first vote) may commit
    between reading the voter and casting. The counter update re-checks the city under the row lock."""
    race = election(k=3)
    voter = race.voter()
    elsewhere = CityFactory(name_ru="Саров")
    SeasonVoter.objects.filter(pk=voter.pk).update(city=elsewhere)  # the other request's committed change
    error = refusal(vote_cast, voter=voter, candidate=race.candidates[0], channel="web")
    assert error.code == "wrong_city"
    assert counts(race.season) == (0, 0, 0)
    assert SeasonVoter.objects.get(pk=voter.pk).votes_cast == 0


def test_a_candidate_of_another_city_is_accepted_when_the_season_allows_it():
    race = election(k=3, own_city_only=False)
    voter = race.voter(city=CityFactory())
    vote = vote_cast(voter=voter, candidate=race.candidates[0], channel="web")
    assert vote.city == race.city  # the vote counts where the candidate is


def test_before_the_window_opens_the_vote_is_refused_with_the_opening_time_in_moscow():
    race = election(k=3, phase="moderation")
    error = refusal(vote_cast, voter=race.voter(), candidate=race.candidates[0], channel="web")
    assert (error.code, error.status) == ("voting_not_open", 403)
    assert "(МСК)" in error.message_ru and "(MSK)" in error.message_en
    assert counts(race.season) == (0, 0, 0)


def test_after_the_window_closes_the_vote_is_refused():
    race = election(k=3, phase="verification")
    error = refusal(vote_cast, voter=race.voter(), candidate=race.candidates[0], channel="web")
    assert (error.code, error.status) == ("voting_closed", 403)
    assert "(МСК)" in error.message_ru


@pytest.mark.parametrize("status", ["submitted", "returned", "rejected"])
def test_an_unpublished_application_cannot_be_voted_for(status):
    race = election(k=3)
    unpublished = application(season=race.season, city=race.city, status=status)
    error = refusal(vote_cast, voter=race.voter(), candidate=unpublished, channel="web")
    assert (error.code, error.status) == ("candidate_not_published", 422)


def test_a_candidate_of_another_season_cannot_be_voted_for():
    race, other = election(k=3), election(k=3)
    error = refusal(vote_cast, voter=race.voter(), candidate=other.candidates[0], channel="web")
    assert error.code == "candidate_not_published"


def test_an_unknown_channel_is_a_programming_error():
    race = election(k=3)
    with pytest.raises(ValueError):
        vote_cast(voter=race.voter(), candidate=race.candidates[0], channel="fax")


# --- insert-only --------------------------------------------------------------------------------------------


def test_the_database_refuses_to_update_a_vote_or_a_ledger_entry():
    race = election(k=3)
    vote = vote_cast(voter=race.voter(), candidate=race.candidates[0], channel="web")
    with pytest.raises(DatabaseError), transaction.atomic():
        Vote.objects.filter(pk=vote.pk).update(channel="api")
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=vote.ledger_entry.pk).update(candidate_id=race.candidates[1].pk)
    assert Vote.objects.get(pk=vote.pk).channel == "web"


# --- extensions of the window -------------------------------------------------------------------------------


def test_organisers_extend_one_city_and_only_that_city_votes_on():
    race = election(k=3, phase="verification")
    other_city = CityFactory()
    race.season.cities.add(other_city)
    latecomer = application(season=race.season, city=other_city, status="accepted")
    organiser = make_organiser()
    closes_at = timezone.now() + dt.timedelta(days=1)
    assert closes_at < race.season.results_at

    extension = voting_extend(actor=organiser, season=race.season, city=race.city, closes_at=closes_at,
                              reason="Сбой связи в городе в последний день")

    assert voting_closes_at(season=race.season, city_id=race.city.pk) == closes_at
    assert vote_cast(voter=race.voter(), candidate=race.candidates[0], channel="web")
    error = refusal(vote_cast, voter=race.voter(city=other_city), candidate=latecomer, channel="web")
    assert error.code == "voting_closed"
    audit = AuditLogEntry.objects.get(action="voting_extended")
    assert audit.actor == organiser and audit.city == race.city and audit.object_id == str(extension.pk)
    assert "Сбой связи" in audit.reason


def test_the_latest_extension_is_in_force():
    race = election(k=3, phase="verification")
    organiser = make_organiser()
    now = timezone.now()
    voting_extend(actor=organiser, season=race.season, city=race.city, closes_at=now + dt.timedelta(days=2),
                  reason="Продление")
    voting_extend(actor=organiser, season=race.season, city=race.city, closes_at=now - dt.timedelta(hours=1),
                  reason="Исправление: продлили по ошибке")
    assert refusal(vote_cast, voter=race.voter(), candidate=race.candidates[0], channel="web").code == \
        "voting_closed"


def test_extension_refusals():
    race = election(k=3)
    organiser = make_organiser()
    committee = CommitteeMemberFactory(city=race.city).user
    later = race.season.voting_close_at + dt.timedelta(days=1)
    assert refusal(voting_extend, actor=committee, season=race.season, city=race.city, closes_at=later,
                   reason="x").code == "forbidden"
    assert refusal(voting_extend, actor=organiser, season=race.season, city=race.city, closes_at=later,
                   reason="  ").code == "reason_required"
    assert refusal(voting_extend, actor=organiser, season=race.season, city=race.city,
                   closes_at=race.season.voting_close_at - dt.timedelta(hours=1), reason="x").code == \
        "extension_not_later"
    assert refusal(voting_extend, actor=organiser, season=race.season, city=race.city,
                   closes_at=race.season.results_at + dt.timedelta(hours=1), reason="x").code == \
        "extension_after_results"
    assert refusal(voting_extend, actor=organiser, season=race.season, city=CityFactory(), closes_at=later,
                   reason="x").code == "city_not_in_season"
    assert not VotingExtension.objects.exists()


# --- annulment ----------------------------------------------------------------------------------------------


def test_an_annulment_is_a_new_reasoned_ledger_entry_and_the_tally_counts_valid_votes():
    race = election(k=3)
    member = CommitteeMemberFactory(city=race.city).user
    vote = vote_cast(voter=race.voter(), candidate=race.candidates[0], channel="web")
    vote_cast(voter=race.voter(), candidate=race.candidates[0], channel="web")

    annulment = vote_annul(actor=member, vote=vote, reason="Голос с фермы ботов: одинаковые устройства",
                           reason_code="fraud_signal")

    assert annulment.vote == vote and annulment.actor == member
    assert Vote.objects.filter(pk=vote.pk).exists()  # the vote row stays
    entry = LedgerEntry.objects.get(season=race.season, kind="annulment")
    assert (entry.sequence, entry.target_sequence, entry.vote_id) == (3, vote.ledger_entry.sequence, vote.pk)
    assert entry.reason_code == "fraud_signal" and entry.channel is None
    assert CandidateTally.objects.get(candidate=race.candidates[0]).votes == 1
    entries = list(ledger_entries(season=race.season))
    assert ledger.chain_verify(entries) is None
    assert ledger.chain_tally(entries) == {race.candidates[0].pk: 1}
    assert AuditLogEntry.objects.filter(action="vote_annulled", actor=member, city=race.city).count() == 1


def test_annulment_refusals():
    race = election(k=3)
    vote = vote_cast(voter=race.voter(), candidate=race.candidates[0], channel="web")
    member = CommitteeMemberFactory(city=race.city).user
    stranger = CommitteeMemberFactory(city=CityFactory()).user
    assert refusal(vote_annul, actor=stranger, vote=vote, reason="Нарушение").code == "forbidden_city"
    assert refusal(vote_annul, actor=member, vote=vote, reason=" ").code == "reason_required"
    vote_annul(actor=member, vote=vote, reason="Нарушение")
    error = refusal(vote_annul, actor=make_organiser(), vote=vote, reason="Ещё раз")
    assert (error.code, error.status) == ("already_annulled", 409)
    assert LedgerEntry.objects.filter(kind="annulment").count() == 1
    assert CandidateTally.objects.get(candidate=race.candidates[0]).votes == 0


def test_a_voter_factory_voter_without_votes_has_no_ledger_head_yet():
    race = election(k=3)
    SeasonVoterFactory(season=race.season, city=race.city)
    assert not LedgerHead.objects.filter(season=race.season).exists()
    assert ledger_head(season=race.season) == (0, ledger.GENESIS_HASH)
    assert ledger_verify(season=race.season) is None

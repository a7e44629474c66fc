"""The committee's decisions on a city's result: disqualify a candidate, declare the city's vote void, withdraw
such a decision, and record how a tie among the top three was decided. Each one reasoned and audited; all of
them only while the city is under review (after the close, before the protocol is signed)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from atomgrad.award.models import Application, Season
from atomgrad.cities.models import City
from atomgrad.core import timefmt
from atomgrad.core.errors import ApplicationError
from atomgrad.core.services import audit_record
from atomgrad.core.text import reason_clean
from atomgrad.results.models import CityDecision, DecisionKind, TieDecision, TieRule
from atomgrad.results.permissions import city_review_check, city_review_lock
from atomgrad.results.services.tally import city_tally

User = AbstractBaseUser | AnonymousUser


def candidate_disqualify(*, actor: User, season: Season, city: City, candidate: Application,
                         reason: str) -> CityDecision:
    """Disqualify a candidate of the city: their votes stay in the count, they get no place. Raises
    ApplicationError: city_not_found / candidate_not_found (404), already_disqualified (409), reason_required."""
    city_review_check(actor=actor, season=season, city=city)
    if candidate.season_id != season.pk or candidate.city_id != city.pk:
        raise ApplicationError(
            "candidate_not_found", "Такого соискателя в этом городе нет.", "There is no such candidate in this city.",
            status=404,
        )
    reason = reason_clean(reason=reason, what_ru="снятия соискателя", what_en="the disqualification")
    try:
        with transaction.atomic():
            city_review_lock(season=season, city=city)
            decision = CityDecision.objects.create(
                season=season, city=city, kind=DecisionKind.DISQUALIFICATION, candidate=candidate, reason=reason,
                actor=actor, created_at=timezone.now(),
            )
            audit_record(actor=actor, action="candidate_disqualified", obj=candidate, city=city, reason=reason,
                         details={"season": season.year, "decision": decision.pk})
    except IntegrityError:
        raise ApplicationError(
            "already_disqualified", "Этот соискатель уже снят.", "This candidate is already disqualified.",
            status=409,
        ) from None
    return decision


def city_declare_void(*, actor: User, season: Season, city: City, reason: str) -> CityDecision:
    """Declare the city's vote void: the counts are still stated, no places and no laureates."""
    city_review_check(actor=actor, season=season, city=city)
    reason = reason_clean(reason=reason, what_ru="признания голосования недействительным",
                          what_en="declaring the vote void")
    try:
        with transaction.atomic():
            city_review_lock(season=season, city=city)
            decision = CityDecision.objects.create(
                season=season, city=city, kind=DecisionKind.VOID, reason=reason, actor=actor,
                created_at=timezone.now(),
            )
            audit_record(actor=actor, action="city_vote_declared_void", obj=decision, city=city, reason=reason,
                         details={"season": season.year})
    except IntegrityError:
        raise ApplicationError(
            "already_void", "Голосование в городе уже признано недействительным.",
            "The city's vote is already declared void.", status=409,
        ) from None
    return decision


def decision_withdraw(*, actor: User, decision: CityDecision, reason: str) -> CityDecision:
    """Withdraw a disqualification or a void declaration (before the protocol is signed), with a reason."""
    season, city = decision.season, decision.city
    city_review_check(actor=actor, season=season, city=city)
    reason = reason_clean(reason=reason, what_ru="отмены решения", what_en="withdrawing the decision")
    with transaction.atomic():
        city_review_lock(season=season, city=city)
        withdrawn = CityDecision.objects.filter(pk=decision.pk, withdrawn_at__isnull=True).update(
            withdrawn_at=timezone.now(), withdrawn_by=actor, withdrawal_reason=reason
        )
        if not withdrawn:
            raise ApplicationError(
                "already_withdrawn", "Это решение уже отменено.", "This decision has already been withdrawn.",
                status=409,
            )
        audit_record(actor=actor, action=f"{decision.kind}_withdrawn", obj=decision, city=city, reason=reason,
                     details={"season": season.year, "candidate": decision.candidate_id})
    decision.refresh_from_db()
    return decision


def tie_decide(*, actor: User, season: Season, city: City, rule: str, explanation: str,
               orders: dict[int, list[int]]) -> TieDecision:
    """Record how the committee ordered each tie among the top three: `orders` maps a tie's vote count to the
    tied candidates' ids, first place first (each a permutation of that tie's candidates).

    Raises ApplicationError: no_tie (409) when there is no tie to decide, tie_order_invalid (422) when the
    orders do not cover exactly the current ties, tie_rule_unknown / reason_required (422).
    """
    city_review_check(actor=actor, season=season, city=city)
    if rule not in TieRule.values:
        raise ApplicationError("tie_rule_unknown", "Выберите правило из списка.", "Choose a rule from the list.",
                               status=422)
    explanation = reason_clean(reason=explanation, what_ru="решения: как применено правило",
                               what_en="the decision: how the rule was applied")
    with transaction.atomic():
        city_review_lock(season=season, city=city)
        tally = city_tally(season=season, city=city)
        if tally.void or not tally.tie_groups:
            raise ApplicationError(
                "no_tie", "Сейчас нет равенства голосов, от которого зависит состав призёров: решать нечего.",
                "There is no tie deciding who the laureates are now: nothing to decide.", status=409,
            )
        groups = []
        for tie in tally.tie_groups:
            order = [int(candidate_id) for candidate_id in orders.get(tie.votes, [])]
            if sorted(order) != sorted(tie.candidates) or len(set(order)) != len(order):
                raise ApplicationError(
                    "tie_order_invalid",
                    f"Укажите порядок всех соискателей, набравших по {tie.votes} "
                    f"{timefmt.plural(tie.votes, 'голосу,голоса,голосов')}, без повторов.",
                    f"Give the order of every candidate with {tie.votes} votes, each once.",
                    status=422, details={"votes": tie.votes, "candidates": tie.candidates},
                )
            groups.append({"votes": tie.votes, "order": order})
        if set(orders) - {tie.votes for tie in tally.tie_groups}:
            raise ApplicationError(
                "tie_order_invalid", "В решении есть равенство голосов, которого сейчас нет.",
                "The decision names a tie that does not exist now.", status=422,
            )
        decision = TieDecision.objects.create(
            season=season, city=city, tie_key=tally.tie_key, rule=rule, explanation=explanation, groups=groups,
            actor=actor, created_at=timezone.now(),
        )
        audit_record(actor=actor, action="tie_decided", obj=decision, city=city, reason=explanation,
                     details={"season": season.year, "rule": rule, "groups": groups})
    return decision

"""Review after the close: annul a city's votes (one, or a selection by candidate, time window or voter cohort)
and reverse annulments — each vote's annulment a reasoned, attributed ledger entry, never a delete.

The ledger mechanics are the voting app's (`vote_annul`, `annulment_reverse`); this module decides what may be
annulled, when and by whom: the city's committee or the organisers, after voting closed in the city, until the
city's protocol is signed. A selection is annulled all-or-nothing in one transaction, and only if it still
holds the number of votes the person saw (`expected_count`), so a selection that changed under someone's feet
(another member annulled some of it meanwhile) is refused rather than half-done.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from atomgrad.award.models import Season
from atomgrad.cities.models import City
from atomgrad.core.errors import ApplicationError
from atomgrad.core.services import audit_record
from atomgrad.results.permissions import city_review_check, city_review_lock
from atomgrad.results.selectors import STATUS_ANNULLED, STATUS_VALID, VoteSelection, vote_selection
from atomgrad.voting.models import AnnulmentReversal, Vote, VoteAnnulment
from atomgrad.voting.services.annulment import (
    ANNULMENT_REASONS,
    annulment_reverse,
    reason_clean,
    reason_code_check,
)
from atomgrad.voting.services.ballots import vote_annul

User = AbstractBaseUser | AnonymousUser

# A selection bigger than this is refused: split it (by time window, by candidate) so each step can be checked.
SELECTION_MAX = 100_000


def _selection_changed(expected: int, found: int) -> ApplicationError:
    return ApplicationError(
        "selection_changed",
        f"Выборка изменилась: сейчас в ней {found}, а не {expected}. Проверьте её ещё раз.",
        f"The selection has changed: it now holds {found}, not {expected}. Check it again.",
        status=409, details={"expected": expected, "found": found},
    )


def _empty_selection() -> ApplicationError:
    return ApplicationError(
        "selection_empty", "В выборке нет ни одного голоса.", "The selection holds no votes.", status=422
    )


def votes_annul(
    *,
    actor: User,
    season: Season,
    city: City,
    selection: VoteSelection | None = None,
    vote_ids: list[int] | None = None,
    reason_code: str,
    reason: str,
    expected_count: int | None = None,
) -> list[VoteAnnulment]:
    """Annul the city's valid votes in `selection` (or exactly `vote_ids`), each with the same reason.

    Raises ApplicationError: city_not_found (404), voting_not_closed / protocol_signed (409), reason_required,
    reason_code_unknown (422), selection_empty (422), selection_too_big (422), selection_changed (409) when
    the selection no longer holds `expected_count` votes, already_annulled (409) when one was annulled meanwhile.
    """
    city_review_check(actor=actor, season=season, city=city)
    reason_code = reason_code_check(code=reason_code, choices=ANNULMENT_REASONS)
    reason = reason_clean(reason=reason, what_ru="аннулирования голосов", what_en="annulling the votes")
    if (selection is None) == (vote_ids is None):
        raise ValueError("give either a selection or vote ids")
    with transaction.atomic():
        city_review_lock(season=season, city=city)
        if vote_ids is not None:
            votes = list(
                Vote.objects.filter(season=season, city=city, pk__in=vote_ids).select_related("city")
                .order_by("cast_at", "id")
            )
            if len(votes) != len(set(vote_ids)):
                raise ApplicationError(
                    "vote_not_found", "Такого голоса в этом городе нет.", "There is no such vote in this city.",
                    status=404,
                )
        else:
            assert selection is not None
            query = vote_selection(season=season, city=city, selection=VoteSelection(
                **{**selection.__dict__, "status": STATUS_VALID}
            ))
            found = query.count()
            if found > SELECTION_MAX:
                raise ApplicationError(
                    "selection_too_big",
                    f"Слишком большая выборка ({found}): не больше {SELECTION_MAX} голосов за раз. Сузьте её.",
                    f"The selection is too big ({found}): at most {SELECTION_MAX} votes at a time. Narrow it.",
                    status=422,
                )
            votes = list(
                Vote.objects.filter(pk__in=query.values("pk")).select_related("city").order_by("cast_at", "id")
            )
        if expected_count is not None and expected_count != len(votes):
            raise _selection_changed(expected_count, len(votes))
        if not votes:
            raise _empty_selection()
        annulments = [
            vote_annul(actor=actor, vote=vote, reason=reason, reason_code=reason_code) for vote in votes
        ]
        if len(annulments) > 1 or selection is not None:
            audit_record(
                actor=actor, action="votes_annulled_selection", obj=city, city=city, reason=reason,
                details={"season": season.year, "reason_code": reason_code, "count": len(annulments),
                         "selection": selection.as_details() if selection else {"votes": sorted(vote_ids or [])}},
            )
    return annulments


def annulments_reverse(
    *,
    actor: User,
    season: Season,
    city: City,
    selection: VoteSelection | None = None,
    annulment_ids: list[int] | None = None,
    reason_code: str,
    reason: str,
    expected_count: int | None = None,
) -> list[AnnulmentReversal]:
    """Reverse annulments in force: those of the annulled votes in `selection`, or exactly `annulment_ids`.
    Each reversal is a new reasoned ledger entry; the votes count again. Errors as `votes_annul`, plus
    already_reversed (409)."""
    city_review_check(actor=actor, season=season, city=city)
    if (selection is None) == (annulment_ids is None):
        raise ValueError("give either a selection or annulment ids")
    with transaction.atomic():
        city_review_lock(season=season, city=city)
        if annulment_ids is not None:
            annulments = list(
                VoteAnnulment.objects.filter(season=season, vote__city=city, pk__in=annulment_ids)
                .select_related("vote", "vote__city").order_by("created_at", "id")
            )
            if len(annulments) != len(set(annulment_ids)):
                raise ApplicationError(
                    "annulment_not_found", "Такого аннулирования в этом городе нет.",
                    "There is no such annulment in this city.", status=404,
                )
        else:
            assert selection is not None
            vote_ids = vote_selection(season=season, city=city, selection=VoteSelection(
                **{**selection.__dict__, "status": STATUS_ANNULLED}
            )).values("pk")
            annulments = list(
                VoteAnnulment.objects.filter(vote__in=vote_ids, reversal__isnull=True)
                .select_related("vote", "vote__city").order_by("created_at", "id")
            )
        if expected_count is not None and expected_count != len(annulments):
            raise _selection_changed(expected_count, len(annulments))
        if not annulments:
            raise _empty_selection()
        reversals = [
            annulment_reverse(actor=actor, annulment=annulment, reason=reason, reason_code=reason_code)
            for annulment in annulments
        ]
        if len(reversals) > 1 or selection is not None:
            audit_record(
                actor=actor, action="annulments_reversed_selection", obj=city, city=city, reason=reason,
                details={"season": season.year, "reason_code": reason_code, "count": len(reversals),
                         "selection": selection.as_details() if selection else
                         {"annulments": sorted(annulment_ids or [])}},
            )
    return reversals

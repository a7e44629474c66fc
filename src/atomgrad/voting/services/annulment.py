"""Annulment reasons and the reversal of an annulment: the ledger mechanics beside `ballots.vote_annul`.

`vote_annul` (in `ballots`) annuls one vote; `annulment_reverse` (here) undoes one annulment with a new, reasoned
entry — never by deleting anything. Both append to the season's chain under the head lock, move the candidate's
live count and write the audit log in one transaction. The review workflow that decides *which* votes to annul
(selections by candidate, time window or voter cohort; the freeze once a protocol is signed) is in
`atomgrad.results.services.annulment`; call that from views and commands, not these functions directly.

Lock order is the one `ballots` documents: the decision's own unique row, the candidate's tally row, the head.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from atomgrad.award.models import Season
from atomgrad.cities.permissions import cities_for_user
from atomgrad.core.errors import ApplicationError
from atomgrad.core.services import audit_record
from atomgrad.core.text import reason_clean
from atomgrad.voting import ledger
from atomgrad.voting.models import AnnulmentReversal, LedgerEntry, VoteAnnulment
from atomgrad.voting.services.ballots import _ledger_append_about, _tally_add

# Why a vote is annulled: the code goes into the public ledger (`reason_code`), the words are shown to people.
ANNULMENT_REASONS: dict[str, object] = {
    "fraud_suspected": _("Признаки накрутки голосов"),
    "bought_votes": _("Вознаграждение за голос (подкуп)"),
    "coercion": _("Принуждение к голосованию"),
    "duplicate_person": _("Один человек голосовал с нескольких номеров"),
    "not_resident": _("Голосовал не житель города"),
    "technical_error": _("Техническая ошибка"),
    "committee_decision": _("Иное решение оргкомитета"),
    # The kinds of integrity signal (`integrity.models.FindingKind`, same codes and words: a test keeps them
    # equal; the voting layer cannot import the integrity app above it): a committee annulling a finding's
    # votes names the signal it confirmed, so the protocol can count annulments by signal kind.
    "signal_burst": _("Всплеск голосов"),
    "signal_lockstep": _("Согласованная группа голосующих"),
    "signal_network": _("Много голосов из одной сети"),
    "signal_phone_block": _("Номера телефонов подряд"),
    "signal_regular_timing": _("Слишком ровные промежутки между голосами"),
    "signal_fast_code": _("Слишком быстрый ввод кода и голос"),
    "signal_fresh_identities": _("Много новых учётных записей"),
}

# The reason codes of annulments made on an integrity signal: `reason_code` starts with this.
SIGNAL_REASON_PREFIX = "signal_"

# Why an annulment is reversed.
REVERSAL_REASONS: dict[str, object] = {
    "annulled_by_mistake": _("Голос аннулирован по ошибке"),
    "voter_confirmed": _("Житель подтвердил свой голос"),
    "check_not_confirmed": _("Проверка не подтвердила нарушение"),
    "committee_decision": _("Иное решение оргкомитета"),
}


def reason_code_check(*, code: str, choices: dict[str, object]) -> str:
    if code not in choices:
        raise ApplicationError(
            "reason_code_unknown",
            "Выберите причину из списка.",
            "Choose a reason from the list.",
            status=422,
            details={"reason_code": code, "choices": sorted(choices)},
        )
    return code


def annulment_reverse(
    *, actor: AbstractBaseUser | AnonymousUser, annulment: VoteAnnulment, reason: str, reason_code: str
) -> AnnulmentReversal:
    """Reverse an annulment: a reasoned, attributed `AnnulmentReversal`, an `annulment_reversal` ledger entry
    pointing at the annulment's entry, the candidate's live count up by one, an audit entry — one transaction.

    Only organisers or the committee of the vote's city may do it. An annulment is reversed once; raises
    ApplicationError `already_reversed` (409) for a second reversal, `forbidden_city` (403) for another city.
    """
    reason_code = reason_code_check(code=reason_code, choices=REVERSAL_REASONS)
    reason = reason_clean(reason=reason, what_ru="отмены аннулирования", what_en="reversing the annulment")
    vote = annulment.vote
    if not cities_for_user(actor).filter(pk=vote.city_id).exists():
        raise ApplicationError(
            "forbidden_city",
            "Отменить аннулирование может только оргкомитет города, где голос подан, или организаторы премии.",
            "Only the committee of the vote's city or the award's organisers can reverse an annulment.",
            status=403,
        )
    annulment_entry = LedgerEntry.objects.get(
        season_id=annulment.season_id, vote_id=vote.pk, kind=ledger.KIND_ANNULMENT
    )
    season = Season.objects.get(pk=annulment.season_id)
    try:
        with transaction.atomic():
            reversal = AnnulmentReversal.objects.create(
                season_id=annulment.season_id, annulment=annulment, actor=actor, reason_code=reason_code,
                reason=reason, created_at=timezone.now(),
            )
            audit_record(
                actor=actor, action="vote_annulment_reversed", obj=vote, city=vote.city, reason=reason,
                details={"reason_code": reason_code, "annulment": annulment.pk,
                         "annulment_sequence": annulment_entry.sequence},
            )
            _tally_add(season_id=annulment.season_id, candidate_id=vote.candidate_id, delta=1)
            _ledger_append_about(
                season=season, vote=vote, kind=ledger.KIND_ANNULMENT_REVERSAL, target=annulment_entry,
                reason_code=reason_code, reason=reason,
            )
    except IntegrityError:
        if AnnulmentReversal.objects.filter(annulment=annulment).exists():
            raise ApplicationError(
                "already_reversed", "Это аннулирование уже отменено.", "This annulment has already been reversed.",
                status=409,
            ) from None
        raise
    return reversal

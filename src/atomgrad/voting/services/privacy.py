"""A voter's rights over their personal data (152-ФЗ, art. 14 and 21): a copy of what the platform holds about
them, and erasure. Both need the person to prove they hold the number (a one-time code: the web log-in).

What erasure removes and what it must keep is in docs/personal-data.md. In short: the link from the person to
everything else is cut — the number's keyed hash is replaced by a random tombstone, the Telegram id is dropped,
tokens, one-time codes and lock rows go, registrations without a vote go — while the votes, their ledger entries
(pseudonymous, public, hash-chained: deleting one would break the chain every published result is checked
against) and the receipts stay, belonging to nobody who can be found.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from atomgrad.core.errors import ApplicationError
from atomgrad.core.services import audit_record
from atomgrad.voting import ledger
from atomgrad.voting.models import (
    OneTimeCode,
    PhoneLockout,
    SeasonVoter,
    VoterIdentity,
    VoterSignal,
    VoterToken,
    VoteSignal,
    VotingExtension,
)
from atomgrad.voting.receipts import receipt_display
from atomgrad.voting.selectors import voter_vote_list

ERASED_PREFIX = "erased:"


def _when(moment: dt.datetime | None) -> str | None:
    return ledger.timestamp_format(moment) if moment else None


def voter_personal_data(*, identity: VoterIdentity) -> dict[str, Any]:
    """Everything the platform holds about the person behind `identity`, as one JSON-able document."""
    registrations = []
    voters = SeasonVoter.objects.filter(identity=identity).select_related("season", "city", "consent_document")
    for voter in voters.order_by("season__year"):
        registrations.append({
            "season": voter.season.year,
            "city": voter.city.slug,
            "registered_at": _when(voter.created_at),
            "registered_via": voter.registered_via,
            "consent": {"document": voter.consent_document.title, "version": voter.consent_document.version,
                        "given_at": _when(voter.consent_given_at)},
            "votes": [
                {"candidate": vote.candidate.full_name, "candidate_id": vote.candidate_id,
                 "cast_at": _when(vote.cast_at), "channel": vote.channel,
                 "receipt": receipt_display(vote.receipt), "ledger_sequence": vote.position,
                 "annulled": vote.annulled}
                for vote in voter_vote_list(voter=voter)
            ],
            "api_tokens": [{"created_at": _when(token.created_at), "expires_at": _when(token.expires_at)}
                           for token in voter.tokens.order_by("created_at")],
            "detection_signals": _signals(voter),
        })
    codes = OneTimeCode.objects.filter(phone_hash=identity.phone_hash).order_by("created_at")
    return {
        "format": "atomgrad-voter-data/1",
        "generated_at": _when(timezone.now()),
        "identity": {
            "phone": "хранится только как ключевой хеш HMAC-SHA256 (номер не хранится) / kept only as a keyed hash",
            "created_at": _when(identity.created_at),
            "telegram_linked": identity.telegram_user_id is not None,
        },
        "registrations": registrations,
        "one_time_codes": [
            {"requested_at": _when(code.created_at), "client_address": code.client_ip,
             "used_at": _when(code.used_at), "wrong_tries": code.failed_attempts}
            for code in codes
        ],
    }


def _signals(voter: SeasonVoter) -> dict[str, Any] | None:
    """What the verification recorded for fraud detection (keyed hashes are shown as held: numbers that say
    nothing without the server's key)."""
    signal = VoterSignal.objects.filter(voter=voter).first()
    if signal is None:
        return None
    return {"code_requested_at": _when(signal.code_requested_at), "verified_at": _when(signal.verified_at),
            "phone_block_hash": signal.phone_block, "telegram_bucket": signal.telegram_bucket,
            "votes_with_signals": VoteSignal.objects.filter(vote__voter=voter).count()}


def _vote_still_open(voter: SeasonVoter, now: dt.datetime) -> dt.datetime | None:
    """When the voter's city closes its vote, if it has not closed yet (extensions included)."""
    closes = voter.season.voting_close_at
    extended = VotingExtension.objects.filter(season=voter.season, city=voter.city).aggregate(
        latest=Max("closes_at"))["latest"]
    if extended is not None and extended > closes:
        closes = extended
    return closes if closes > now else None


def voter_erase(*, identity: VoterIdentity) -> dict[str, int]:
    """Erase the person behind `identity` (see the module's docstring). Returns what was removed.

    Refused (`erasure_after_vote`, 409) while a vote the person has cast is still open: erased mid-vote, the
    same number would come back as a new person and vote again; the refusal says from when it is possible."""
    now = timezone.now()
    with transaction.atomic():
        identity = VoterIdentity.objects.select_for_update().get(pk=identity.pk)
        if identity.phone_hash.startswith(ERASED_PREFIX):
            raise ApplicationError("already_erased", "Эти данные уже удалены.", "These data are already erased.",
                                   status=409)
        voters = list(SeasonVoter.objects.select_for_update().filter(identity=identity)
                      .select_related("season", "city"))
        for voter in voters:
            open_until = _vote_still_open(voter, now) if voter.votes_cast else None
            if open_until is not None:
                from atomgrad.core import timefmt

                raise ApplicationError(
                    "erasure_after_vote",
                    "Вы уже голосовали, а голосование ещё идёт: удалить данные можно после его окончания "
                    f"({timefmt.format_datetime(open_until)}). Иначе тот же номер смог бы проголосовать снова.",
                    "You have voted and the vote is still open: your data can be erased after it closes "
                    f"({open_until.isoformat()}). Otherwise the same number could vote again.",
                    status=409,
                    details={"possible_from": open_until.isoformat()},
                )
        tokens, _ = VoterToken.objects.filter(voter__identity=identity).delete()
        unused = [voter.pk for voter in voters if voter.votes_cast == 0]
        registrations, _ = SeasonVoter.objects.filter(pk__in=unused).delete()
        codes, _ = OneTimeCode.objects.filter(phone_hash=identity.phone_hash).delete()
        PhoneLockout.objects.filter(phone_hash=identity.phone_hash).delete()
        telegram_id = identity.telegram_user_id
        if telegram_id is not None:
            from atomgrad.bot.models import TelegramAccount

            TelegramAccount.objects.filter(telegram_user_id=telegram_id).delete()
        identity.phone_hash = ERASED_PREFIX + secrets.token_hex(24)  # unique, and matches no number
        identity.telegram_user_id = None
        identity.save(update_fields=["phone_hash", "telegram_user_id"])
        audit_record(actor=None, action="voter.erased", obj=identity,
                     reason="Удаление персональных данных по запросу (152-ФЗ)",
                     details={"registrations_removed": registrations, "registrations_kept": len(voters) - registrations,
                              "tokens": tokens, "codes": codes, "telegram": telegram_id is not None})
    return {"registrations": registrations, "tokens": tokens, "codes": codes}

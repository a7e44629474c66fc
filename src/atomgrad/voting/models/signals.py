"""What the vote keeps for fraud detection (issue 9 §1; docs/integrity.md has the field table).

Only what detection needs, stored apart from the votes and the ledger, never public, and deleted with
`manage.py integrity_purge` N days after the season's results are published. Networks, user agents and phone
blocks are keyed 63-bit hashes (`voting.signals`): detection can tell that two votes share one, never which.

Written by the voting app (at registration and in the vote's own transaction); read only by `integrity`
(`integrity.selectors.vote_frame`), which shows them to organisers and, after a city's close, its committee.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from atomgrad.award.models import Season
from atomgrad.voting.models.ballots import Vote
from atomgrad.voting.models.identity import SeasonVoter

TELEGRAM_BUCKET_UNKNOWN = -1


class VoterSignal(models.Model):
    """What the verification of a season's voter showed (written where the clear number is still in memory).

    The last verification counts: a voter who logs in again on another day gets the new times (each vote keeps
    its own copy of the seconds it needs, `VoteSignal`)."""

    voter = models.OneToOneField(SeasonVoter, verbose_name=_("избиратель"), on_delete=models.CASCADE,
                                 primary_key=True, related_name="signal")
    season = models.ForeignKey(Season, verbose_name=_("сезон"), on_delete=models.CASCADE, related_name="+")
    phone_block = models.BigIntegerField(_("хеш блока номеров"), default=0)
    code_requested_at = models.DateTimeField(_("код запрошен"), null=True, blank=True)
    verified_at = models.DateTimeField(_("номер подтверждён"), null=True, blank=True)
    telegram_bucket = models.SmallIntegerField(_("диапазон id в Telegram"), default=TELEGRAM_BUCKET_UNKNOWN)
    identity_first_seen_at = models.DateTimeField(_("личность впервые появилась"), null=True, blank=True)

    class Meta:
        verbose_name = _("сигналы избирателя")
        verbose_name_plural = _("сигналы избирателей")
        indexes = [models.Index(fields=["season"])]

    def __str__(self) -> str:
        return f"signals of voter {self.voter_id}"


class VoteSignal(models.Model):
    """What one vote showed besides the vote itself (whose `cast_at` and `channel` are on `Vote`). Inserted in
    the vote's own transaction, as one more statement of its first batch (`voting.queries.vote_signal_insert`)."""

    vote = models.OneToOneField(Vote, verbose_name=_("голос"), on_delete=models.CASCADE, primary_key=True,
                                related_name="signal")
    season = models.ForeignKey(Season, verbose_name=_("сезон"), on_delete=models.CASCADE, related_name="+")
    network = models.BigIntegerField(_("хеш сети"), default=0)
    user_agent = models.BigIntegerField(_("хеш браузера"), default=0)
    telegram_bucket = models.SmallIntegerField(_("диапазон id в Telegram"), default=TELEGRAM_BUCKET_UNKNOWN)
    code_to_verify = models.FloatField(_("секунд от запроса кода до подтверждения"), null=True, blank=True)
    verify_to_vote = models.FloatField(_("секунд от подтверждения до голоса"), null=True, blank=True)

    class Meta:
        verbose_name = _("сигналы голоса")
        verbose_name_plural = _("сигналы голосов")
        indexes = [models.Index(fields=["season"])]

    def __str__(self) -> str:
        return f"signals of vote {self.vote_id}"

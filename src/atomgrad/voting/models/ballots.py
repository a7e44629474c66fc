"""What was cast: votes, the per-season hash-chain ledger, annulments, extensions of the window, live tallies.

Votes and ledger entries are insert-only: nothing in the code updates or deletes them, the admin cannot, and
a database trigger refuses an UPDATE (and on PostgreSQL a DELETE too; SQLite's test runs empty tables with
DELETE, PostgreSQL's with TRUNCATE, which row triggers do not see) — see migration 0002. An annulment is a new,
reasoned record plus a new ledger entry; the tally counts valid votes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from atomgrad.award.models import Application, CityWindowExtension, Season
from atomgrad.cities.models import City
from atomgrad.voting import ledger
from atomgrad.voting.models.identity import Channel, SeasonVoter

RECEIPT_LENGTH = 10


class Vote(models.Model):
    """One accepted vote of a voter for a candidate. Never updated or deleted.

    The database holds the rules it can: one vote per voter per candidate (unique constraint); the cap of K
    votes per voter is held by the conditional update of `SeasonVoter.votes_cast` in the same transaction.
    """

    season = models.ForeignKey(Season, verbose_name=_("сезон"), on_delete=models.PROTECT, related_name="votes")
    voter = models.ForeignKey(SeasonVoter, verbose_name=_("избиратель"), on_delete=models.PROTECT,
                              related_name="votes")
    candidate = models.ForeignKey(Application, verbose_name=_("соискатель"), on_delete=models.PROTECT,
                                  related_name="votes")
    city = models.ForeignKey(City, verbose_name=_("город"), on_delete=models.PROTECT, related_name="votes")
    channel = models.CharField(_("канал"), max_length=16, choices=Channel.choices)
    cast_at = models.DateTimeField(_("время голоса"))
    # 10 characters of Crockford's base32 (50 random bits), stored without the hyphens it is shown with.
    receipt = models.CharField(_("квитанция"), max_length=RECEIPT_LENGTH, unique=True)

    class Meta:
        verbose_name = _("голос")
        verbose_name_plural = _("голоса")
        ordering = ["-cast_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["voter", "candidate"], name="vote_once_per_voter_per_candidate"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="vote_channel_known"),
        ]
        indexes = [models.Index(fields=["season", "city"])]

    def __str__(self) -> str:
        return f"{self.receipt_display} → #{self.candidate_id}"

    @property
    def receipt_display(self) -> str:
        from atomgrad.voting.receipts import receipt_display

        return receipt_display(self.receipt)


class LedgerKind(models.TextChoices):
    VOTE = ledger.KIND_VOTE, _("голос")
    ANNULMENT = ledger.KIND_ANNULMENT, _("аннулирование")
    ANNULMENT_REVERSAL = ledger.KIND_ANNULMENT_REVERSAL, _("отмена аннулирования")


class LedgerEntry(models.Model):
    """One link of a season's hash chain (see `voting.ledger` and docs/ledger.md). Never updated or deleted.

    The chain cannot fork: sequence and prev_hash are each unique within a season, and appends are serialised
    by the lock on the season's `LedgerHead`. Only pseudonyms are stored, so erasing a resident's personal data
    leaves the chain intact.
    """

    season = models.ForeignKey(Season, verbose_name=_("сезон"), on_delete=models.PROTECT,
                               related_name="ledger_entries")
    sequence = models.PositiveBigIntegerField(_("позиция"))
    kind = models.CharField(_("вид"), max_length=24, choices=LedgerKind.choices)
    created_at = models.DateTimeField(_("время записи"))
    voter_pseudonym = models.CharField(_("псевдоним избирателя"), max_length=64)
    candidate = models.ForeignKey(Application, verbose_name=_("соискатель"), on_delete=models.PROTECT,
                                  related_name="+")
    city_slug = models.CharField(_("город"), max_length=64)
    channel = models.CharField(_("канал"), max_length=16, blank=True, null=True)
    vote = models.ForeignKey(Vote, verbose_name=_("голос"), on_delete=models.PROTECT, null=True, blank=True,
                             related_name="ledger_entries")
    target_sequence = models.PositiveBigIntegerField(_("к записи"), null=True, blank=True)
    reason_code = models.CharField(_("код причины"), max_length=64, null=True, blank=True)
    reason = models.TextField(_("причина"), null=True, blank=True)
    prev_hash = models.CharField(_("хеш предыдущей записи"), max_length=64)
    entry_hash = models.CharField(_("хеш записи"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("запись реестра голосов")
        verbose_name_plural = _("реестр голосов")
        ordering = ["season", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["season", "sequence"], name="ledger_sequence_unique_in_season"),
            models.UniqueConstraint(fields=["season", "prev_hash"], name="ledger_no_fork_in_season"),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="ledger_sequence_positive"),
            models.CheckConstraint(condition=Q(kind__in=LedgerKind.values), name="ledger_kind_known"),
            models.CheckConstraint(
                condition=(Q(kind=ledger.KIND_VOTE) & Q(target_sequence__isnull=True) & Q(vote__isnull=False))
                | (~Q(kind=ledger.KIND_VOTE) & Q(target_sequence__isnull=False)),
                name="ledger_vote_or_reference",
            ),
            # the same vote appears at most once as a vote entry
            models.UniqueConstraint(fields=["vote"], condition=Q(kind=ledger.KIND_VOTE),
                                    name="ledger_one_entry_per_vote"),
        ]

    def __str__(self) -> str:
        return f"{self.season_id}#{self.sequence} {self.kind}"

    def as_ledger_dict(self, *, season_year: int) -> dict[str, object]:
        """The entry as `voting.ledger` encodes it (with entry_hash)."""
        return {
            "season": season_year,
            "sequence": self.sequence,
            "kind": self.kind,
            "created_at": ledger.timestamp_format(self.created_at),
            "voter": self.voter_pseudonym,
            "candidate": self.candidate_id,
            "city": self.city_slug,
            "channel": self.channel,
            "target_sequence": self.target_sequence,
            "reason_code": self.reason_code,
            "reason": self.reason,
            "prev_hash": self.prev_hash,
            "entry_hash": self.entry_hash,
        }


class LedgerHead(models.Model):
    """The end of a season's chain. Every append locks this row (SELECT … FOR UPDATE), reads the last sequence
    and hash, writes the entry and moves the head — so parallel appends queue up and never fork."""

    season = models.OneToOneField(Season, verbose_name=_("сезон"), on_delete=models.PROTECT, primary_key=True,
                                  related_name="ledger_head")
    last_sequence = models.PositiveBigIntegerField(_("последняя позиция"), default=0)
    last_hash = models.CharField(_("хеш последней записи"), max_length=64, default=ledger.GENESIS_HASH)
    updated_at = models.DateTimeField(_("обновлён"), null=True, blank=True)

    class Meta:
        verbose_name = _("конец реестра")
        verbose_name_plural = _("концы реестров")

    def __str__(self) -> str:
        return f"{self.season_id}: {self.last_sequence}"


class VoteAnnulment(models.Model):
    """A committee's reasoned decision that a vote does not count. The vote itself is left as it was; the
    ledger gets an `annulment` entry pointing at the vote's entry (LedgerEntry kind=annulment, vote=this vote).
    A vote is annulled at most once (one-to-one)."""

    season = models.ForeignKey(Season, verbose_name=_("сезон"), on_delete=models.PROTECT, related_name="+")
    vote = models.OneToOneField(Vote, verbose_name=_("голос"), on_delete=models.PROTECT,
                                related_name="annulment")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("кто"), on_delete=models.PROTECT,
                              related_name="+")
    reason_code = models.CharField(_("код причины"), max_length=64)
    reason = models.TextField(_("причина"))
    created_at = models.DateTimeField(_("когда"))

    class Meta:
        verbose_name = _("аннулирование голоса")
        verbose_name_plural = _("аннулирования голосов")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="annulment_has_reason"),
        ]

    def __str__(self) -> str:
        return f"annulment of vote {self.vote_id}"


class AnnulmentReversal(models.Model):
    """A reasoned, attributed decision that an annulment was wrong: the vote counts again. The annulment row is
    left as it was; the ledger gets an `annulment_reversal` entry pointing at the annulment's entry. An
    annulment is reversed at most once (one-to-one), and a reversal is final: the vote cannot be annulled again
    (`VoteAnnulment` is one per vote). Written by `voting.services.annulment.annulment_reverse`."""

    season = models.ForeignKey(Season, verbose_name=_("сезон"), on_delete=models.PROTECT, related_name="+")
    annulment = models.OneToOneField(VoteAnnulment, verbose_name=_("аннулирование"), on_delete=models.PROTECT,
                                     related_name="reversal")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("кто"), on_delete=models.PROTECT,
                              related_name="+")
    reason_code = models.CharField(_("код причины"), max_length=64)
    reason = models.TextField(_("причина"))
    created_at = models.DateTimeField(_("когда"))

    class Meta:
        verbose_name = _("отмена аннулирования")
        verbose_name_plural = _("отмены аннулирований")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="annulment_reversal_has_reason")]

    def __str__(self) -> str:
        return f"reversal of annulment {self.annulment_id}"


class VotingExtension(CityWindowExtension):
    """Organisers extend the voting window of one city. The latest extension of a city is in force (it can
    also shorten an earlier extension, never the season's own window); each one is in the audit log."""

    season = models.ForeignKey(Season, verbose_name=_("сезон"), on_delete=models.PROTECT,
                               related_name="voting_extensions")
    city = models.ForeignKey(City, verbose_name=_("город"), on_delete=models.PROTECT,
                             related_name="voting_extensions")
    closes_at = models.DateTimeField(_("голосование закрывается"))

    class Meta:
        verbose_name = _("продление голосования")
        verbose_name_plural = _("продления голосования")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="extension_has_reason")]
        indexes = [models.Index(fields=["season", "city", "-created_at"])]


class CandidateTally(models.Model):
    """Valid votes of a candidate, kept in the same transaction as every vote and annulment (F() + 1), so
    live counts are one indexed read and never a recount. Shown only where the season makes counts public."""

    season = models.ForeignKey(Season, verbose_name=_("сезон"), on_delete=models.PROTECT, related_name="+")
    candidate = models.OneToOneField(Application, verbose_name=_("соискатель"), on_delete=models.PROTECT,
                                     primary_key=True, related_name="tally")
    votes = models.IntegerField(_("голосов"), default=0)

    class Meta:
        verbose_name = _("счётчик голосов")
        verbose_name_plural = _("счётчики голосов")
        constraints = [models.CheckConstraint(condition=Q(votes__gte=0), name="tally_votes_non_negative")]

    def __str__(self) -> str:
        return f"{self.candidate_id}: {self.votes}"

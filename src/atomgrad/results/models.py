"""A city's road from counted votes to a published result: the committee's decisions, the protocols, publication.

Annulments themselves are `voting.VoteAnnulment` / `voting.AnnulmentReversal` (with their ledger entries);
this app records what the committee decides on top of the count and what it signs:

- `CityDecision`: a candidate disqualified, or the city's vote declared void, each with a reason (a decision can
  be withdrawn — with a reason — until the protocol is signed; the row keeps both);
- `TieDecision`: the rule the committee applied to a tie among the top three, and the order it gave;
- `CityProtocol`: each generated protocol PDF (a new version supersedes the previous draft), with its SHA-256,
  the ledger head it was counted at, the data it shows, and once signed who signed it and the optional scan;
- `Publication`: the organisers' act that makes a signed protocol's numbers public.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from atomgrad.award.models import Application, Season, private_storage
from atomgrad.cities.models import City


class DecisionKind(models.TextChoices):
    DISQUALIFICATION = "disqualification", _("снятие соискателя")
    VOID = "void", _("голосование в городе признано недействительным")


class CityDecision(models.Model):
    """A committee's decision about a city's result: a disqualified candidate or a void city vote."""

    season = models.ForeignKey(Season, verbose_name=_("сезон"), on_delete=models.PROTECT, related_name="+")
    city = models.ForeignKey(City, verbose_name=_("город"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("решение"), max_length=24, choices=DecisionKind.choices)
    candidate = models.ForeignKey(Application, verbose_name=_("соискатель"), on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    reason = models.TextField(_("основание"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("кто принял"), on_delete=models.PROTECT,
                              related_name="+")
    created_at = models.DateTimeField(_("когда"))
    withdrawn_at = models.DateTimeField(_("отменено"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("кто отменил"),
                                     on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    withdrawal_reason = models.TextField(_("причина отмены"), blank=True)

    class Meta:
        verbose_name = _("решение оргкомитета")
        verbose_name_plural = _("решения оргкомитетов")
        ordering = ["season", "city", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=DecisionKind.DISQUALIFICATION) & Q(candidate__isnull=False))
                | (Q(kind=DecisionKind.VOID) & Q(candidate__isnull=True)),
                name="city_decision_candidate_iff_disqualification",
            ),
            models.CheckConstraint(condition=Q(kind__in=DecisionKind.values), name="city_decision_kind_known"),
            models.CheckConstraint(condition=~Q(reason=""), name="city_decision_has_reason"),
            models.CheckConstraint(
                condition=(Q(withdrawn_at__isnull=True) & Q(withdrawn_by__isnull=True))
                | (Q(withdrawn_at__isnull=False) & Q(withdrawn_by__isnull=False) & ~Q(withdrawal_reason="")),
                name="city_decision_withdrawal_complete",
            ),
            models.UniqueConstraint(
                fields=["candidate"], condition=Q(kind=DecisionKind.DISQUALIFICATION, withdrawn_at__isnull=True),
                name="city_decision_one_disqualification_in_force",
            ),
            models.UniqueConstraint(
                fields=["season", "city"], condition=Q(kind=DecisionKind.VOID, withdrawn_at__isnull=True),
                name="city_decision_one_void_in_force",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.city} ({self.season_id})"

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None


class TieRule(models.TextChoices):
    EARLIER_APPLICATION = "earlier_application", _("раньше подана заявка")
    LOT = "lot", _("жребий на заседании оргкомитета")
    COMMITTEE_VOTE = "committee_vote", _("голосование членов оргкомитета")
    OTHER = "other", _("иное правило (описано в пояснении)")


class TieDecision(models.Model):
    """How the committee ordered candidates with equal valid votes among the top three.

    `tie_key` names the ties it decided (their votes and candidates, see `results.services.tally`); the latest
    decision whose key is the city's current key is in force. If the count changes (an annulment, a
    disqualification), the key changes and the committee decides again — a tie is never broken silently.
    `groups` is `[{"votes": 340, "order": [candidate ids, first place first]}, …]`.
    """

    season = models.ForeignKey(Season, verbose_name=_("сезон"), on_delete=models.PROTECT, related_name="+")
    city = models.ForeignKey(City, verbose_name=_("город"), on_delete=models.PROTECT, related_name="+")
    tie_key = models.CharField(_("ничьи"), max_length=2000)
    rule = models.CharField(_("правило"), max_length=32, choices=TieRule.choices)
    explanation = models.TextField(_("пояснение"))
    groups = models.JSONField(_("порядок"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("кто"), on_delete=models.PROTECT,
                              related_name="+")
    created_at = models.DateTimeField(_("когда"))

    class Meta:
        verbose_name = _("решение о равенстве голосов")
        verbose_name_plural = _("решения о равенстве голосов")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(explanation=""), name="tie_decision_has_explanation"),
            models.CheckConstraint(condition=Q(rule__in=TieRule.values), name="tie_decision_rule_known"),
        ]

    def __str__(self) -> str:
        return f"{self.city}: {self.get_rule_display()}"


class ProtocolStatus(models.TextChoices):
    DRAFT = "draft", _("проект")
    SUPERSEDED = "superseded", _("заменён новым проектом")
    SIGNED = "signed", _("подписан")


def protocol_upload_to(instance: CityProtocol, filename: str) -> str:
    return f"protocols/{instance.season.year}/{instance.city.slug}/{filename}"


class CityProtocol(models.Model):
    """One generated protocol of a city's vote (протокол итогов народного голосования).

    `data` is exactly what the PDF shows (the tally at `ledger_sequence`); `data_digest` is the SHA-256 of that
    data without the ledger head, so signing can tell whether the count has changed since the draft was made.
    At most one protocol per city is signed, and a signed protocol is final.
    """

    season = models.ForeignKey(Season, verbose_name=_("сезон"), on_delete=models.PROTECT, related_name="+")
    city = models.ForeignKey(City, verbose_name=_("город"), on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(_("версия"))
    status = models.CharField(_("статус"), max_length=16, choices=ProtocolStatus.choices,
                              default=ProtocolStatus.DRAFT)
    created_at = models.DateTimeField(_("сформирован"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("кем сформирован"),
                                   on_delete=models.PROTECT, related_name="+")
    pdf = models.FileField(_("PDF"), upload_to=protocol_upload_to, storage=private_storage)
    pdf_sha256 = models.CharField(_("SHA-256 файла PDF"), max_length=64)
    ledger_sequence = models.PositiveBigIntegerField(_("записей в реестре"))
    ledger_head_hash = models.CharField(_("хеш последней записи реестра"), max_length=64)
    data = models.JSONField(_("данные протокола"))
    data_digest = models.CharField(_("контрольная сумма данных"), max_length=64)
    signed_at = models.DateTimeField(_("подписан"), null=True, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("кто отметил подписание"),
                                  on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    signed_scan = models.FileField(_("скан подписанного протокола"), upload_to=protocol_upload_to,
                                   storage=private_storage, blank=True)
    signed_scan_sha256 = models.CharField(_("SHA-256 скана"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("протокол города")
        verbose_name_plural = _("протоколы городов")
        ordering = ["season", "city", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["season", "city", "version"], name="protocol_version_unique"),
            models.UniqueConstraint(fields=["season", "city"], condition=Q(status=ProtocolStatus.SIGNED),
                                    name="protocol_one_signed_per_city"),
            models.CheckConstraint(condition=Q(status__in=ProtocolStatus.values), name="protocol_status_known"),
            models.CheckConstraint(
                condition=~Q(status=ProtocolStatus.SIGNED) | (Q(signed_at__isnull=False) & Q(signed_by__isnull=False)),
                name="protocol_signed_has_signer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.season_id} v{self.version} ({self.status})"

    @property
    def is_signed(self) -> bool:
        return self.status == ProtocolStatus.SIGNED


class Publication(models.Model):
    """Organisers made a city's signed protocol public: from now on its numbers are shown everywhere."""

    season = models.ForeignKey(Season, verbose_name=_("сезон"), on_delete=models.PROTECT, related_name="+")
    city = models.ForeignKey(City, verbose_name=_("город"), on_delete=models.PROTECT, related_name="+")
    protocol = models.OneToOneField(CityProtocol, verbose_name=_("протокол"), on_delete=models.PROTECT,
                                    related_name="publication")
    published_at = models.DateTimeField(_("опубликовано"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("кто опубликовал"),
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("публикация итогов")
        verbose_name_plural = _("публикации итогов")
        ordering = ["season", "city"]
        constraints = [models.UniqueConstraint(fields=["season", "city"], name="publication_once_per_city")]

    def __str__(self) -> str:
        return f"{self.city} {self.season_id}"

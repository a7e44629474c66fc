"""What the detectors found: findings about a city's votes, each with the votes it covers and its evidence.

Findings are recomputed (a scan replaces a scope's earlier findings); they are never public. Who may see them
and when is in `integrity.permissions`. The per-vote signals the detectors read are stored apart from the
ledger (see docs/integrity.md).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from atomgrad.award.models import Application, Season
from atomgrad.cities.models import City
from atomgrad.voting.models import Vote


class FindingKind(models.TextChoices):
    """The kinds of signal. A kind is also the reason code of the annulments made from its findings."""

    BURST = "signal_burst", _("Всплеск голосов")
    LOCKSTEP = "signal_lockstep", _("Согласованная группа голосующих")
    NETWORK = "signal_network", _("Много голосов из одной сети")
    PHONE_BLOCK = "signal_phone_block", _("Номера телефонов подряд")
    REGULAR_TIMING = "signal_regular_timing", _("Слишком ровные промежутки между голосами")
    FAST_CODE = "signal_fast_code", _("Слишком быстрый ввод кода и голос")
    FRESH_IDENTITIES = "signal_fresh_identities", _("Много новых учётных записей")


class Finding(models.Model):
    """One signal about a set of a city's votes in a season: ranked by score, explained in plain Russian."""

    season = models.ForeignKey(Season, verbose_name=_("сезон"), on_delete=models.CASCADE, related_name="+")
    city = models.ForeignKey(City, verbose_name=_("город"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("вид"), max_length=32, choices=FindingKind.choices)
    score = models.FloatField(_("оценка"))
    explanation_ru = models.TextField(_("объяснение"))
    explanation_en = models.TextField(_("объяснение (англ.)"))
    candidates = models.ManyToManyField(Application, verbose_name=_("соискатели"), related_name="+", blank=True)
    evidence = models.JSONField(_("доказательства"), default=dict)
    vote_count = models.PositiveIntegerField(_("голосов"))
    computed_at = models.DateTimeField(_("рассчитано"))

    class Meta:
        verbose_name = _("сигнал")
        verbose_name_plural = _("сигналы")
        ordering = ["-score", "id"]
        indexes = [models.Index(fields=["season", "city", "-score"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(score__gte=0) & models.Q(score__lte=1), name="finding_score_0_1"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.city_id} · {self.score:.2f}"


class FindingVote(models.Model):
    """A vote a finding covers (a through table, so a selection of a finding's votes is one indexed join)."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="finding_votes")
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["finding", "vote"], name="finding_vote_unique")]

    def __str__(self) -> str:
        return f"{self.finding_id} → {self.vote_id}"

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from atomgrad.award.models import ConsentDocument, Season
from atomgrad.cities.models import City


class Channel(models.TextChoices):
    WEB = "web", _("сайт")
    API = "api", _("API")
    TELEGRAM = "telegram", _("Telegram")


class VoterIdentity(models.Model):
    """A person, known only by the keyed hash (HMAC-SHA256, server secret) of their E.164 phone number.

    The same number from the web or from Telegram is the same identity: that is what makes one person one
    voter across channels. The clear number is not stored.
    """

    phone_hash = models.CharField(max_length=64, unique=True)
    telegram_user_id = models.BigIntegerField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("личность избирателя")
        verbose_name_plural = _("личности избирателей")

    def __str__(self) -> str:
        return f"voter:{self.phone_hash[:10]}"


class SeasonVoter(models.Model):
    """A verified identity registered to vote in one season, with the city they chose and the consent given.

    `votes_cast` is kept in the same transaction as each vote; the vote cap is enforced against it.
    """

    season = models.ForeignKey(Season, on_delete=models.PROTECT, related_name="voters")
    identity = models.ForeignKey(VoterIdentity, on_delete=models.PROTECT, related_name="season_registrations")
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="voters")
    consent_document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT, related_name="+")
    consent_given_at = models.DateTimeField()
    registered_via = models.CharField(max_length=16, choices=Channel.choices)
    votes_cast = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("избиратель сезона")
        verbose_name_plural = _("избиратели сезона")
        constraints = [
            models.UniqueConstraint(fields=["season", "identity"], name="season_voter_once_per_season"),
            models.CheckConstraint(condition=Q(votes_cast__gte=0), name="season_voter_votes_cast_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.identity} @ {self.season.year}"


class VoterToken(models.Model):
    """A bearer token of the API. Only its SHA-256 is stored."""

    token_hash = models.CharField(max_length=64, unique=True)
    voter = models.ForeignKey(SeasonVoter, on_delete=models.CASCADE, related_name="tokens")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("токен API")
        verbose_name_plural = _("токены API")

    def __str__(self) -> str:
        return f"token for {self.voter}"


class OneTimeCode(models.Model):
    """A one-time SMS code: 6 digits, valid 5 minutes, at most 5 wrong tries. Only a keyed hash is stored.

    Rows also serve as the send log for the per-number and per-address hourly limits.
    """

    phone_hash = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    client_ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("одноразовый код")
        verbose_name_plural = _("одноразовые коды")
        indexes = [models.Index(fields=["phone_hash", "created_at"])]

    def __str__(self) -> str:
        return f"code for {self.phone_hash[:10]} at {self.created_at:%Y-%m-%d %H:%M}"


class PhoneLockout(models.Model):
    """Repeated failures lock a number out for a time that grows with each lock-out.

    There is one row per number that ever asked for a code: the one-time-code services take it with
    SELECT … FOR UPDATE and count the codes sent while holding it, so parallel requests for one number are
    serialised and cannot overrun the hourly limit.
    """

    phone_hash = models.CharField(max_length=64, unique=True)
    lockouts = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # Wrong codes of this number since `wrong_tries_since`, whatever code they were typed against: a fresh code
    # does not reset them (identity.WRONG_TRIES_WINDOW).
    wrong_tries = models.PositiveSmallIntegerField(default=0)
    wrong_tries_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("блокировка номера")
        verbose_name_plural = _("блокировки номеров")

    def __str__(self) -> str:
        return f"lockout of {self.phone_hash[:10]} until {self.locked_until}"


class ClientAddressLock(models.Model):
    """One row per client address (an IPv6 address is counted by its /64 network) that asked for codes.

    The one-time-code request takes it with SELECT … FOR UPDATE (after the number's `PhoneLockout` row, always
    in that order) and counts the codes sent to the address while holding it: the per-address hourly limit
    against SMS pumping holds under parallel requests.
    """

    address = models.GenericIPAddressField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("адрес клиента (лимит кодов)")
        verbose_name_plural = _("адреса клиентов (лимиты кодов)")

    def __str__(self) -> str:
        return f"codes lock of {self.address}"

"""What the bot keeps: conversation state, the Telegram accounts it talks to, photo file ids, and the results
broadcast queue (one job per season and kind, one delivery row per recipient).

Nothing here decides a vote: votes, voters and identities live in `atomgrad.voting`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from atomgrad.award.models import Season
from atomgrad.cities.models import City


class FSMRecord(models.Model):
    """One conversation's FSM state and data (aiogram's `StorageKey`, flattened into `key`).

    Kept in the database so that a restart of the bot does not lose a half-finished registration.
    A row whose state is empty and whose data is empty is deleted rather than kept.
    """

    key = models.CharField(max_length=255, unique=True)
    state = models.CharField(max_length=255, null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("состояние диалога")
        verbose_name_plural = _("состояния диалогов")

    def __str__(self) -> str:
        return f"{self.key}: {self.state or '-'}"


class TelegramAccount(models.Model):
    """A Telegram user who has talked to the bot: where to write to them, in which language, and whether they
    asked to be told about the results. Which voter they are is on `VoterIdentity.telegram_user_id`."""

    telegram_user_id = models.BigIntegerField(_("id пользователя Telegram"), unique=True)
    chat_id = models.BigIntegerField(_("id чата"))
    language_code = models.CharField(_("язык"), max_length=16, blank=True)
    notify_results = models.BooleanField(_("сообщить об итогах"), default=False)
    notify_changed_at = models.DateTimeField(_("согласие на уведомления изменено"), null=True, blank=True)
    # Set when Telegram answers 403 (the person blocked the bot); cleared when they write to the bot again.
    blocked_at = models.DateTimeField(_("заблокировал бота"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("аккаунт Telegram")
        verbose_name_plural = _("аккаунты Telegram")

    def __str__(self) -> str:
        return f"tg:{self.telegram_user_id}"


class TelegramPhoto(models.Model):
    """The Telegram `file_id` of an uploaded candidate photo, so each photo is uploaded once per bot."""

    bot_id = models.BigIntegerField()
    storage_name = models.CharField(max_length=255)
    file_id = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("фотография в Telegram")
        verbose_name_plural = _("фотографии в Telegram")
        constraints = [
            models.UniqueConstraint(fields=["bot_id", "storage_name"], name="telegram_photo_once_per_bot"),
        ]

    def __str__(self) -> str:
        return self.storage_name


class BroadcastKind(models.TextChoices):
    RESULTS = "results", _("итоги опубликованы")


class BroadcastJob(models.Model):
    """A notice to send to many people once: to the voters of one city (the results of that city are
    published) or of the whole season (`city` empty). At most one job per season, kind and city.

    The texts are fixed when the job is created. Exactly one worker sends at a time: the one holding the lease
    (`lease_owner` until `lease_until`), so the overall send rate holds however many bot processes run.
    """

    season = models.ForeignKey(Season, on_delete=models.PROTECT, related_name="broadcasts")
    city = models.ForeignKey(City, on_delete=models.PROTECT, null=True, blank=True, related_name="broadcasts")
    kind = models.CharField(max_length=16, choices=BroadcastKind.choices)
    text_ru = models.TextField()
    text_en = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("рассылка")
        verbose_name_plural = _("рассылки")
        constraints = [
            models.UniqueConstraint(fields=["season", "kind", "city"], name="broadcast_once_per_city"),
            models.UniqueConstraint(fields=["season", "kind"], condition=Q(city__isnull=True),
                                    name="broadcast_once_per_season"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.season}{', ' + str(self.city) if self.city_id else ''})"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("в очереди")
    SENDING = "sending", _("отправляется")
    SENT = "sent", _("доставлено")
    BLOCKED = "blocked", _("бот заблокирован")
    FAILED = "failed", _("не доставлено")
    # Claimed by a worker that died before Telegram's answer arrived: it may or may not have been delivered,
    # so it is not sent again automatically (no one gets a notice twice). See docs/bot.md.
    UNCERTAIN = "uncertain", _("неизвестно")


class BroadcastDelivery(models.Model):
    """One recipient of one broadcast. The unique constraint is what makes "nobody gets it twice" hold:
    a delivery is claimed (pending → sending) by one atomic update before the message goes out."""

    job = models.ForeignKey(BroadcastJob, on_delete=models.CASCADE, related_name="deliveries")
    account = models.ForeignKey(TelegramAccount, on_delete=models.CASCADE, related_name="deliveries")
    chat_id = models.BigIntegerField()
    language = models.CharField(max_length=8, default="ru")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.BigIntegerField(null=True, blank=True)
    error = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("доставка рассылки")
        verbose_name_plural = _("доставки рассылки")
        constraints = [
            models.UniqueConstraint(fields=["job", "account"], name="broadcast_delivery_once_per_account"),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="broadcast_delivery_sent_has_time"
            ),
        ]
        indexes = [models.Index(fields=["job", "status"])]

    def __str__(self) -> str:
        return f"{self.job} → {self.account} ({self.status})"


class SendSlot(models.Model):
    """The next moment one sending limit lets a message start, shared by every bot process (`bot.sendlimits`).

    One row per limit: "broadcast" (the notices' overall rate) and "chat:<id>" (one chat's). A sender locks the
    row, takes the slot (the later of now and `next_start`) and moves `next_start` one interval on, in one
    transaction; so senders in any number of processes get distinct slots an interval apart. `next_start` is
    a schedule in seconds since the epoch (the senders' clock), not a date shown to anyone."""

    key = models.CharField(max_length=64, primary_key=True)
    next_start = models.FloatField(default=0.0)

    class Meta:
        verbose_name = _("очередь отправки")
        verbose_name_plural = _("очереди отправки")

    def __str__(self) -> str:
        return f"{self.key} @ {self.next_start:.3f}"

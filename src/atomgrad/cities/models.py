from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class City(models.Model):
    """An atomic city (атомград). Loaded from data/cities.json, not from code."""

    slug = models.SlugField(_("код"), max_length=64, unique=True)
    name_ru = models.CharField(_("название"), max_length=128)
    name_en = models.CharField(_("название (англ.)"), max_length=128)
    region_ru = models.CharField(_("регион"), max_length=128)
    region_en = models.CharField(_("регион (англ.)"), max_length=128)
    is_closed = models.BooleanField(
        _("ЗАТО"), default=False, help_text=_("Закрытое административно-территориальное образование")
    )
    population = models.PositiveIntegerField(_("население"), default=0)

    class Meta:
        verbose_name = _("город")
        verbose_name_plural = _("города")
        ordering = ["name_ru"]

    def __str__(self) -> str:
        return self.name_ru

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "ru").startswith("en") else self.name_ru

    @property
    def region(self) -> str:
        return self.region_en if (get_language() or "ru").startswith("en") else self.region_ru


class CommitteeRole(models.TextChoices):
    CHAIR = "chair", _("председатель")
    SECRETARY = "secretary", _("секретарь")
    MEMBER = "member", _("член оргкомитета")


class CommitteeMembership(models.Model):
    """A person on a city's organising committee (городской оргкомитет). A member acts only on that city."""

    city = models.ForeignKey(City, verbose_name=_("город"), on_delete=models.CASCADE, related_name="committee")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("пользователь"), on_delete=models.CASCADE,
        related_name="committee_memberships",
    )
    role = models.CharField(_("роль"), max_length=16, choices=CommitteeRole.choices, default=CommitteeRole.MEMBER)
    full_name = models.CharField(_("ФИО для протокола"), max_length=200)

    class Meta:
        verbose_name = _("член оргкомитета")
        verbose_name_plural = _("оргкомитеты")
        ordering = ["city__name_ru", "role", "full_name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "user"], name="committee_member_once_per_city"),
            # A city has at most one chair and one secretary (they sign the protocol).
            models.UniqueConstraint(
                fields=["city", "role"], condition=models.Q(role__in=["chair", "secretary"]),
                name="committee_one_chair_one_secretary",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_role_display()}, {self.city})"

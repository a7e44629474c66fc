from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardConfig(AppConfig):
    name = "atomgrad.award"
    label = "award"
    verbose_name = _("Премия «Новые Созидатели»")

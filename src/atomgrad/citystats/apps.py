from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitystatsConfig(AppConfig):
    """Атомграды в цифрах: the cities' indices (city-development layer: needs only `cities` and `core`)."""

    name = "atomgrad.citystats"
    label = "citystats"
    verbose_name = _("Атомграды в цифрах")

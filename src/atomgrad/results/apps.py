from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    name = "atomgrad.results"
    label = "results"
    verbose_name = _("Итоги голосования")

    def ready(self) -> None:
        from atomgrad.results.jobs import register_jobs

        register_jobs()

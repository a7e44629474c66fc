from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BotConfig(AppConfig):
    name = "atomgrad.bot"
    label = "bot"
    verbose_name = _("Telegram-бот")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from atomgrad.bot.logsafety import install_token_redaction

        install_token_redaction()

        from atomgrad.bot.jobs import register_jobs

        register_jobs()

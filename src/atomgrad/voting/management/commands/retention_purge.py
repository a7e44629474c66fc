"""`manage.py retention_purge`: delete what the platform no longer needs to keep (run daily, e.g. from cron).

One-time codes older than a day and idle lock rows (`otp_purge`), expired API tokens (`token_purge`), and the
counters of old rate-limit windows (`rate_limit_purge`). The integrity signals of a finished season have their
own schedule: `manage.py integrity_purge` (docs/personal-data.md).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from atomgrad.core.ratelimit import rate_limit_purge
from atomgrad.voting.auth import token_purge
from atomgrad.voting.services.identity import otp_purge


class Command(BaseCommand):
    help = ("Удалить то, что больше не нужно хранить: старые одноразовые коды, истёкшие токены API, "
            "старые счётчики ограничения частоты (запускать раз в сутки).")

    def handle(self, *args: Any, **options: Any) -> None:
        codes = otp_purge()
        tokens = token_purge()
        counters = rate_limit_purge()
        self.stdout.write(
            f"Удалено: кодов {codes['codes']}, строк номеров {codes['numbers']}, адресов {codes['addresses']}, "
            f"истёкших токенов {tokens}, счётчиков частоты {counters}."
        )

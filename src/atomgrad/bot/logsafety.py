"""The bot token never reaches a log.

aiogram itself logs the bot's numeric id, never the token, and our code never formats it. As a second line of
defence every handler of the root logger gets a filter that replaces the token (and the secret of the webhook)
wherever it appears in a record: message, arguments and the formatted traceback (an HTTP library may put a URL
with the token into an exception's text).
"""

from __future__ import annotations

import logging

from django.conf import settings

REDACTED = "<redacted>"


def _secrets() -> list[str]:
    values = [getattr(settings, "TELEGRAM_BOT_TOKEN", ""), getattr(settings, "TELEGRAM_WEBHOOK_SECRET", "")]
    return [value for value in values if value and len(value) >= 8]


def redact(text: str) -> str:
    for secret in _secrets():
        text = text.replace(secret, REDACTED)
    return text


class TokenRedactingFilter(logging.Filter):
    """Rewrites a record in place so that no secret of the bot survives formatting. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = _secrets()
        if not secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave the record as it is, logging will report it
            return True
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        redacted_message = redact(message)
        if redacted_message != message or record.args:
            record.msg, record.args = redacted_message, None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_token_redaction(logger: logging.Logger | None = None) -> None:
    """Attach the filter to every handler of `logger` (the root logger by default); safe to call repeatedly."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(existing, TokenRedactingFilter) for existing in handler.filters):
            handler.addFilter(TokenRedactingFilter())

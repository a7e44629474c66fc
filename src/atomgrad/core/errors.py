"""The one application error type. Services raise it; the web shows `message_ru`, the API returns both."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A refusal that a person can understand and act on.

    `code` is machine-readable and stable (API clients branch on it); `status` is the HTTP status the API
    answers with; the messages are what a person reads, Russian first.
    """

    def __init__(
        self,
        code: str,
        message_ru: str,
        message_en: str,
        *,
        status: int = 422,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_ru = message_ru
        self.message_en = message_en
        self.status = status
        self.details = details or {}

    def message(self, language: str | None) -> str:
        return self.message_en if (language or "ru").startswith("en") else self.message_ru

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": {"ru": self.message_ru, "en": self.message_en},
            "details": self.details,
        }

"""Phone numbers as identity keys: normalised to E.164, stored only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac

import phonenumbers
from django.conf import settings

from atomgrad.core.errors import ApplicationError


def phone_normalise(raw: str, *, default_region: str = "RU") -> str:
    """'8 (900) 123-45-67' → '+79001234567'. Raises ApplicationError for anything that is not a valid number."""
    try:
        parsed = phonenumbers.parse((raw or "").strip(), default_region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise ApplicationError(
            "invalid_phone",
            "Введите номер мобильного телефона полностью, например +7 900 123-45-67.",
            "Enter a full mobile phone number, for example +7 900 123-45-67.",
            status=422,
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_hash(e164: str) -> str:
    """HMAC-SHA256 of the E.164 number under PHONE_HASH_KEY: the table alone cannot be reversed."""
    return hmac.new(settings.PHONE_HASH_KEY.encode(), e164.encode(), hashlib.sha256).hexdigest()

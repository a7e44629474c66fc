"""Receipt codes: 10 characters of Crockford's base32 (50 random bits from `secrets`), shown as K7Q2-9XMA-D4.

Crockford's alphabet has no I, L, O or U, so a code read aloud or copied by hand survives: input is
upper-cased, hyphens and spaces are dropped, O is read as 0 and I or L as 1.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_VALID = frozenset(ALPHABET)


def receipt_generate() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def receipt_display(code: str) -> str:
    """'K7Q29XMAD4' → 'K7Q2-9XMA-D4'."""
    return "-".join(code[index:index + 4] for index in range(0, len(code), 4))


def receipt_normalise(raw: str) -> str | None:
    """What a person typed → the stored code, or None when it cannot be a receipt."""
    code = "".join((raw or "").split()).replace("-", "").upper().translate(_CONFUSABLE)
    if len(code) != LENGTH or not set(code) <= _VALID:
        return None
    return code

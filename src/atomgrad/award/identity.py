"""Who a candidate is, as far as the award's rules care: one normalised name plus a date of birth.

`person_key_for` is the only definition of that identity. The database's unique constraint
(season, person_key) uses it to refuse a second application by the same person in a season, and the
laureate waiting period compares it with past top-three finishers, so every writer of applications and
laureates (the application form, the committee, the demo loader, imports) must call this function.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import unicodedata

_DASHES = re.compile(r"\s*[\u2010\u2011\u2012\u2013\u2014\u2015\u2212-]+\s*")
_SPACES = re.compile(r"\s+")


def person_name_normalise(full_name: str) -> str:
    """The comparable form of a full name: case, «ё», dashes and spacing do not make a different person.

    «  Иванова-Петрова  Алёна   Сергеевна » and «иванова – петрова алена сергеевна» are the same.
    """
    name = unicodedata.normalize("NFKC", full_name).casefold().replace("ё", "е")
    name = _DASHES.sub("-", name)
    return _SPACES.sub(" ", name).strip()


def person_key_for(full_name: str, birth_date: dt.date) -> str:
    """SHA-256 (hex, 64 characters) of the normalised name and the ISO date of birth."""
    material = f"{person_name_normalise(full_name)}|{birth_date.isoformat()}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def edit_token_new() -> str:
    """A fresh secret for an application's edit link (43 URL-safe characters, 256 bits)."""
    return secrets.token_urlsafe(32)

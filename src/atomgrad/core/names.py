"""People's names in the cases Russian grammar needs («Голос за соискателя Атомову Жанну Львовну», «Заявка
Проверкиной Марии Ивановны»), by pytrovich — the petrovich project's rules for Russian surnames, first names and
patronymics — never by hand-written endings. Names are stored as «Фамилия Имя Отчество»."""

from __future__ import annotations

import logging
from functools import lru_cache

from django.utils.translation import get_language
from pytrovich.detector import PetrovichGenderDetector
from pytrovich.enums import Case, Gender, NamePart
from pytrovich.maker import PetrovichDeclinationMaker

CASES = {
    "genitive": Case.GENITIVE,  # кого? чего? — «заявка Атомовой Жанны Львовны»
    "dative": Case.DATIVE,  # кому? — «письмо Атомовой Жанне Львовне»
    "accusative": Case.ACCUSATIVE,  # кого? — «голос за Атомову Жанну Львовну»
    "instrumental": Case.INSTRUMENTAL,  # кем? — «гордимся Атомовой Жанной Львовной»
    "prepositional": Case.PREPOSITIONAL,  # о ком? — «об Атомовой Жанне Львовне»
}


# The detector logs a warning for every name whose parts disagree; a name is not an event worth a log line.
logging.getLogger("pytrovich").setLevel(logging.ERROR)


@lru_cache(maxsize=1)
def _tools() -> tuple[PetrovichDeclinationMaker, PetrovichGenderDetector]:
    return PetrovichDeclinationMaker(), PetrovichGenderDetector()


def _gender(parts: list[str]) -> Gender:
    """The person's gender from all the name's parts; where they disagree (a patronymic that is not one), from
    the first name and surname alone."""
    _maker, detector = _tools()
    middle = parts[2] if len(parts) > 2 else None
    gender = detector.detect(lastname=parts[0], firstname=parts[1], middlename=middle)
    if gender == Gender.ANDROGYNOUS and middle is not None:
        gender = detector.detect(lastname=parts[0], firstname=parts[1])
    return gender


def name_gender(full_name: str) -> str:
    """"female", "male" or "" (unknown) for «Фамилия Имя Отчество»."""
    parts = full_name.split()
    if len(parts) < 2:
        return ""
    try:
        gender = _gender(parts)
    except Exception:  # noqa: BLE001 - an unusual name must never break a page
        return ""
    return {Gender.FEMALE: "female", Gender.MALE: "male"}.get(gender, "")


@lru_cache(maxsize=4096)
def _decline(full_name: str, case: str) -> str:
    parts = full_name.split()
    if not 2 <= len(parts) <= 3 or case not in CASES:
        return full_name  # not «Фамилия Имя [Отчество]»: left as written rather than guessed
    maker, _detector = _tools()
    try:
        gender = _gender(parts)
        roles = (NamePart.LASTNAME, NamePart.FIRSTNAME, NamePart.MIDDLENAME)
        declined = [maker.make(role, gender, CASES[case], part) for role, part in zip(roles, parts, strict=False)]
    except Exception:  # noqa: BLE001 - the rules cover Russian names; anything else stays as written
        return full_name
    return " ".join(declined)


def name_case(full_name: str, case: str, *, language: str | None = None) -> str:
    """The name in `case` (genitive, dative, accusative, instrumental, prepositional) for Russian text; unchanged
    for another language (English does not decline names)."""
    if not (language or get_language() or "ru").startswith("ru"):
        return full_name
    return _decline(" ".join(full_name.split()), case)

"""Shared helpers of the identity tests: the file SMS backend in a tmp folder, reading codes from it, a clock,
and a season with cities and the voter consent text. Import the fixtures you use into the test module."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from atomgrad.award.models import ConsentKind
from atomgrad.award.phases import Phase
from tests.factories import CityFactory, ConsentDocumentFactory, SeasonFactory

PHONE = "+79857654321"  # not the example number the pages show (+7 900 123-45-67)
# The same number as people type it: every one of these must be absent from every response.
PHONE_SPELLINGS = (
    "+79857654321", "79857654321", "89857654321", "9857654321", "+7 985 765-43-21", "8 985 765-43-21",
    "8 (985) 765-43-21", "+7 (985) 765-43-21", "985 765-43-21", "985 765 43 21", "765-43-21", "7654321",
)
CODE_LINE = re.compile(r"^(\+\d{6,15})\t(.*: (\d{6})\. .*)$")


def sms_lines(path: Path) -> list[tuple[str, str, str]]:
    """(phone, text, code) of every message in the file backend's file, oldest first."""
    if not path.exists():
        return []
    result = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = CODE_LINE.match(line)
        assert match, f"not a message line of the file backend: {line!r}"
        result.append((match.group(1), match.group(2), match.group(3)))
    return result


def last_code(path: Path, phone: str = PHONE) -> str:
    codes = [code for number, _text, code in sms_lines(path) if number == phone]
    assert codes, f"no code was sent to {phone}"
    return codes[-1]


def assert_no_phone(body: bytes | str, spellings: tuple[str, ...] = PHONE_SPELLINGS) -> None:
    text = body.decode() if isinstance(body, bytes) else body
    digits_only = re.sub(r"\D", "", text)
    for spelling in spellings:
        assert spelling not in text, f"the phone number appears in a response as {spelling!r}"
    # also when split by markup or spaces: the ten significant digits must never appear in a row
    assert "9857654321" not in digits_only


@pytest.fixture
def sms_file(settings, tmp_path) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "sms" / "outbox.log"
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = path
    return path


class Clock:
    """`timezone.now()` under the test's control: starts at the real now and moves only when told."""

    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += dt.timedelta(**kwargs)


@pytest.fixture
def clock(monkeypatch) -> Clock:  # type: ignore[no-untyped-def]
    value = Clock()
    monkeypatch.setattr(timezone, "now", value)
    return value


@pytest.fixture
def voting_season(db):  # type: ignore[no-untyped-def]
    """The current season (voting open) with two participating cities and the voter consent text."""
    ConsentDocumentFactory(kind=ConsentKind.VOTER, version="voter-test-1", title="Согласие участника голосования",
                           text="Я согласен на обработку номера телефона и города.")
    cities = [CityFactory(slug="sarov", name_ru="Саров", name_en="Sarov"),
              CityFactory(slug="ozersk", name_ru="Озёрск", name_en="Ozersk")]
    return SeasonFactory(phase=Phase.VOTING, cities=cities)

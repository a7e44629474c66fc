"""`person_key_for`: who counts as the same person for the one-application rule and the laureates' wait."""

from __future__ import annotations

import datetime as dt

import pytest

from atomgrad.award.identity import edit_token_new, person_key_for, person_name_normalise

BORN = dt.date(1985, 4, 12)


@pytest.mark.parametrize("spelling", [
    "Иванова-Петрова Алёна Сергеевна",
    "  иванова-петрова   алена  сергеевна ",
    "ИВАНОВА – ПЕТРОВА АЛЁНА СЕРГЕЕВНА",
    "Иванова\u2011Петрова\tАлена Сергеевна",
])
def test_case_yo_dashes_and_spacing_do_not_make_another_person(spelling):
    assert person_key_for(spelling, BORN) == person_key_for("Иванова-Петрова Алёна Сергеевна", BORN)


def test_a_different_name_or_birth_date_is_another_person():
    key = person_key_for("Атомова Анна Ивановна", BORN)
    assert person_key_for("Атомова Анна Петровна", BORN) != key
    assert person_key_for("Атомова Анна Ивановна", BORN + dt.timedelta(days=1)) != key


def test_the_key_fits_its_column_and_reveals_nothing_in_clear():
    key = person_key_for("Атомова Анна Ивановна", BORN)
    assert len(key) == 64 and int(key, 16) >= 0
    assert "1985" not in person_name_normalise("Атомова Анна Ивановна") and "атомова" not in key


def test_edit_tokens_are_long_and_fresh():
    tokens = {edit_token_new() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(token) >= 43 and len(token) <= 64 for token in tokens)

"""Russian grammar: people's names declined by pytrovich, numerals agreeing through the one `plural` helper,
and English left alone."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from atomgrad.core.names import name_case, name_gender
from atomgrad.core.timefmt import plural
from atomgrad.voting.services.ballots import limit_reached_error


@pytest.mark.parametrize(("name", "case", "expected"), [
    ("Атомова Жанна Львовна", "accusative", "Атомову Жанну Львовну"),
    ("Проверкина Мария Ивановна", "genitive", "Проверкиной Марии Ивановны"),
    ("Реакторский Илья Петрович", "genitive", "Реакторского Ильи Петровича"),
    ("Изотопова Мария Петровна", "dative", "Изотоповой Марии Петровне"),
    ("Кузьмич Олег Ильич", "accusative", "Кузьмича Олега Ильича"),
    ("Атомова  Жанна   Львовна", "accusative", "Атомову Жанну Львовну"),  # spacing normalised
])
def test_names_are_declined(name, case, expected):
    assert name_case(name, case, language="ru") == expected


def test_what_is_not_a_russian_full_name_stays_as_written():
    assert name_case("Сидоров", "genitive", language="ru") == "Сидоров"
    assert name_case("Оглы Мамед Али оглы Гасанов", "genitive", language="ru") == "Оглы Мамед Али оглы Гасанов"
    assert name_case("Атомова Жанна Львовна", "no-such-case", language="ru") == "Атомова Жанна Львовна"


def test_english_does_not_decline():
    assert name_case("Атомова Жанна Львовна", "accusative", language="en") == "Атомова Жанна Львовна"
    with translation.override("en"):
        assert name_case("Атомова Жанна Львовна", "accusative") == "Атомова Жанна Львовна"


def test_gender_from_the_name():
    assert name_gender("Атомова Жанна Львовна") == "female"
    assert name_gender("Реакторский Илья Петрович") == "male"


@pytest.mark.parametrize(("number", "word"), [(1, "голос"), (2, "голоса"), (4, "голоса"), (5, "голосов"),
                                               (11, "голосов"), (14, "голосов"), (21, "голос"), (22, "голоса"),
                                               (111, "голосов"), (0, "голосов")])
def test_numerals_agree(number, word):
    assert plural(number, "голос,голоса,голосов") == word


def test_service_messages_use_the_helper():
    assert "у каждого жителя 4 голоса" in limit_reached_error(4).message_ru
    assert "у каждого жителя 21 голос " in limit_reached_error(21).message_ru
    assert "every resident has 1 vote " in limit_reached_error(1).message_en


@pytest.mark.django_db
def test_the_receipt_and_the_committee_decline_the_name(django_capture_on_commit_callbacks, mailoutbox):
    from atomgrad.award.phases import Phase
    from atomgrad.voting.auth import SESSION_KEY
    from atomgrad.voting.services.ballots import vote_cast
    from tests.factories import CommitteeMemberFactory, SeasonFactory, UserFactory
    from tests.voting.ballot_helpers import application, election

    race = election(k=3)
    person = application(season=race.season, city=race.city, status="accepted", full_name="Атомова Жанна Львовна")
    voter = race.voter()
    vote = vote_cast(voter=voter, candidate=person, channel="web")
    client = Client()
    session = client.session
    session[SESSION_KEY] = voter.pk
    session.save()
    page = client.get(f"/vote/receipt/{vote.receipt}/").content.decode()
    assert "Голос за соискателя Атомову Жанну Львовну записан" in page

    moderating = SeasonFactory(phase=Phase.MODERATION, cities=[race.city])
    submitted = application(season=moderating, city=race.city, status="submitted",
                            full_name="Проверкина Мария Ивановна")
    member = UserFactory(username="member-check")
    CommitteeMemberFactory(city=race.city, user=member)
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/committee/applications/{submitted.pk}/decide/",
                               {"decision": "accept", "confirmed": "on"}, follow=True)
    assert "Заявка Проверкиной Марии Ивановны принята" in response.content.decode()
    assert "заявку Проверкиной Марии Ивановны" in mailoutbox[-1].body

"""The bot in every phase of the season: after the close, during the review, after publication (the city's
result as its results page states it, laureates first, with the protocol), and once a new season starts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from tests.bot.conftest import BotDriver, TgUser, register
from tests.factories import CommitteeMemberFactory, SeasonFactory, UserFactory, make_organiser

from atomgrad.award.models import Season
from atomgrad.bot.callbacks import VoteConfirmCallback
from atomgrad.cities.models import CommitteeRole
from atomgrad.voting.models import Channel, SeasonVoter, VoterIdentity
from atomgrad.voting.phones import phone_hash

pytestmark = pytest.mark.django_db

ANNA = TgUser(id=701, first_name="Анна")
BORIS = TgUser(id=702, first_name="Борис")
PHONE = "+79001230001"


def _close(season: Season, *, results_in: dt.timedelta = dt.timedelta(days=5),
           closed_ago: dt.timedelta = dt.timedelta(minutes=1)) -> None:
    now = timezone.now()
    Season.objects.filter(pk=season.pk).update(voting_close_at=now - closed_ago,
                                               results_at=now + results_in, ceremony_at=now + dt.timedelta(days=30))
    season.refresh_from_db()


def _publish(world) -> None:  # type: ignore[no-untyped-def]
    from atomgrad.results.services.protocol import protocol_generate, protocol_sign
    from atomgrad.results.services.publication import publication_publish_city

    chair = UserFactory(username="chair-sarov")
    CommitteeMemberFactory(city=world.city, user=chair, role=CommitteeRole.CHAIR, full_name="Председателева П. П.")
    protocol = protocol_sign(actor=chair, protocol=protocol_generate(actor=chair, season=world.season,
                                                                     city=world.city))
    publication_publish_city(actor=make_organiser("organiser"), season=world.season, city=world.city)
    return protocol


def _vote(driver: BotDriver, user: TgUser, candidate) -> None:  # type: ignore[no-untyped-def]
    driver.press_data(user, VoteConfirmCallback(candidate_id=candidate.pk).pack())


def test_after_publication_results_show_the_laureates_first_with_the_protocol(driver: BotDriver, world) -> None:
    first, second, third = world.candidates
    register(driver, ANNA, PHONE)
    _vote(driver, ANNA, second)
    _vote(driver, ANNA, first)
    register(driver, BORIS, "+79001230002")
    _vote(driver, BORIS, second)
    _close(world.season)

    driver.text(ANNA, "/results")
    pending = driver.fake.texts(ANNA.id)[-1]
    assert "ещё не опубликованы" in pending and "не публикуются" not in pending

    protocol = _publish(world)
    driver.text(ANNA, "/results")
    text = driver.fake.texts(ANNA.id)[-1]
    assert text.startswith("<b>Итоги народного голосования: Саров</b>")
    assert f"🥇 1 место — <b>{second.full_name}</b> (Культура): 2 голоса" in text
    assert f"🥈 2 место — <b>{first.full_name}</b> (Наука): 1 голос" in text
    assert third.full_name not in text  # no valid vote: no place, counted together
    assert "Без действительных голосов: 1 соискатель." in text
    year = world.season.year
    assert f"Протокол № {protocol.version} (PDF): https://atomgrad.example/results/{year}/sarov/protocol.pdf" in text
    assert f"https://atomgrad.example/results/{year}/sarov/" in text

    # /start says the results are published, not that the votes are still being checked
    driver.text(ANNA, "/start")
    welcome, status = driver.fake.texts(ANNA.id)[-2:]
    assert "итоги опубликованы" in welcome and "проверка голосов" not in welcome
    assert "Итоги опубликованы: /results" in welcome
    assert "Голосование закончилось" in status and "осталось голосов" not in status


def test_the_review_phase_is_stated_with_its_dates(driver: BotDriver, world) -> None:
    register(driver, ANNA, PHONE)
    _close(world.season)
    driver.text(ANNA, "/start")
    welcome = driver.fake.texts(ANNA.id)[-2]
    assert "голосование закончилось, идёт проверка голосов" in welcome
    assert "Итоги будут опубликованы" in welcome and "закончится" not in welcome
    driver.text(ANNA, "/myvotes")
    assert "вы не голосовали" in driver.fake.texts(ANNA.id)[-1]
    assert "Осталось голосов" not in driver.fake.texts(ANNA.id)[-1]


def test_after_the_close_start_asks_for_no_registration(driver: BotDriver, world) -> None:
    _close(world.season)
    driver.text(BORIS, "/start")
    last = driver.fake.texts(BORIS.id)[-1]
    assert "регистрироваться уже не нужно" in last and "Согласен" not in driver.fake.buttons(
        driver.fake.last_message(BORIS.id))


def test_a_registration_finished_after_the_close_offers_no_votes(driver: BotDriver, world) -> None:
    driver.text(BORIS, "/start")
    driver.press(BORIS, "Согласен")
    driver.press(BORIS, "Саров")
    _close(world.season)  # the vote closes while Boris looks for the contact button
    driver.contact(BORIS, "+79001230002")
    texts = " ".join(driver.fake.texts(BORIS.id)[-3:])
    assert "Голосование закончилось" in texts and "голосовать уже нельзя" in texts
    assert "У вас 2" not in texts


def test_a_voter_with_no_votes_left_is_told_zero_once(driver: BotDriver, world) -> None:
    from atomgrad.voting.services.ballots import vote_cast
    from atomgrad.voting.services.identity import voter_register

    identity = VoterIdentity.objects.create(phone_hash=phone_hash(PHONE))
    voter = voter_register(season=world.season, identity=identity, city_slug="sarov", consent=True,
                           channel=Channel.WEB)
    for candidate in world.candidates[:2]:
        voter = SeasonVoter.objects.select_related("season", "city").get(pk=voter.pk)
        vote_cast(voter=voter, candidate=candidate, channel=Channel.WEB)
    register(driver, ANNA, PHONE)
    texts = driver.fake.texts(ANNA.id)[-3:]
    assert "осталось голосов — 0 из 2" in texts[0]
    assert not any("У вас 2" in text for text in texts)


def test_before_the_vote_registration_says_when_it_opens(driver: BotDriver, world) -> None:
    now = timezone.now()
    Season.objects.filter(pk=world.season.pk).update(
        applications_close_at=now - dt.timedelta(days=1), voting_open_at=now + dt.timedelta(days=2))
    register(driver, ANNA, PHONE)
    texts = driver.fake.texts(ANNA.id)
    assert any("Голосование начнётся" in text and "у вас будет 2 голоса" in text for text in texts)
    driver.text(ANNA, "/results")
    assert "ещё не началось" in driver.fake.texts(ANNA.id)[-1]


def test_a_new_season_does_not_hide_the_last_seasons_result(driver: BotDriver, world) -> None:
    register(driver, ANNA, PHONE)
    _vote(driver, ANNA, world.candidates[0])
    _close(world.season, results_in=-dt.timedelta(days=1), closed_ago=dt.timedelta(days=2))
    _publish(world)
    Season.objects.filter(pk=world.season.pk).update(ceremony_at=timezone.now() - dt.timedelta(hours=1))
    SeasonFactory(year=world.season.year + 1, phase="applications", cities=[world.city])

    driver.text(ANNA, "/start")
    assert f"Итоги сезона {world.season.year}: /results" in driver.fake.texts(ANNA.id)[-2]
    driver.text(ANNA, "/results")
    text = driver.fake.texts(ANNA.id)[-1]
    assert f"🥇 1 место — <b>{world.candidates[0].full_name}</b>" in text


# Every phase of award/phases.py, without any publication: what /start and /results say for a registered voter.
PHASE_GRID = {
    "upcoming": ("скоро начало", "Голосование пройдёт с", "ещё не началось"),
    "applications": ("идёт приём заявок", "Голосование пройдёт с", "ещё не началось"),
    "moderation": ("оргкомитеты проверяют заявки", "Голосование пройдёт с", "ещё не началось"),
    "voting": ("идёт народное голосование", "Голосование идёт до", "Промежуточные итоги не публикуются"),
    "verification": ("идёт проверка голосов", "Итоги будут опубликованы", "ещё не опубликованы"),
    # the announced date has passed but no protocol is published: still the check, never "итоги опубликованы"
    "results": ("идёт проверка голосов", "по мере того, как оргкомитеты", "ещё не опубликованы"),
    "ceremony": ("идёт проверка голосов", "по мере того, как оргкомитеты", "ещё не опубликованы"),
}


@pytest.mark.parametrize("phase", list(PHASE_GRID))
def test_every_phase_is_worded_by_what_has_happened(driver: BotDriver, world, phase: str) -> None:
    from tests.factories import season_dates

    from atomgrad.award.phases import Phase

    register(driver, ANNA, PHONE)
    Season.objects.filter(pk=world.season.pk).update(**season_dates(Phase(phase)))
    title, dates, results = PHASE_GRID[phase]
    driver.text(ANNA, "/start")
    welcome = driver.fake.texts(ANNA.id)[-2]
    assert title in welcome and dates in welcome
    assert "(или" not in welcome and "итоги опубликованы" not in welcome
    driver.text(ANNA, "/results")
    assert results in driver.fake.texts(ANNA.id)[-1]


def test_a_published_result_states_the_committees_decisions(driver: BotDriver, world) -> None:
    from atomgrad.results.services.decisions import candidate_disqualify

    first, second, _third = world.candidates
    register(driver, ANNA, PHONE)
    _vote(driver, ANNA, first)
    _vote(driver, ANNA, second)
    _close(world.season)
    member = UserFactory(username="member-decides")
    CommitteeMemberFactory(city=world.city, user=member, role=CommitteeRole.MEMBER, full_name="Членова Ч. Ч.")
    candidate_disqualify(actor=member, season=world.season, city=world.city, candidate=first,
                         reason="Подкуп избирателей")
    _publish(world)
    driver.text(ANNA, "/results")
    text = driver.fake.texts(ANNA.id)[-1]
    assert f"Снят с голосования: {first.full_name}." in text  # one man: «Снят», not «Сняты»
    assert f"🥇 1 место — <b>{second.full_name}</b>" in text

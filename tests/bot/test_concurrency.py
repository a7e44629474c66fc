"""50 parallel vote callbacks of one person for one candidate — like a client that keeps tapping while the
network lags, fed through the webhook endpoint by 50 threads, each with its own database connection."""

from __future__ import annotations

import pytest
from django.test import Client
from tests.bot.conftest import BotDriver, TgUser, register
from tests.concurrency import raised, run_together

from atomgrad.bot.callbacks import VoteConfirmCallback
from atomgrad.voting.models import LedgerEntry, SeasonVoter, Vote
from atomgrad.voting.selectors import ledger_verify

PARALLEL = 50
ANNA = TgUser(id=701, first_name="Анна")


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_parallel_vote_callbacks_record_exactly_one_vote(driver: BotDriver, world) -> None:
    register(driver, ANNA, "79001234567")
    candidate = world.candidates[0]
    data = VoteConfirmCallback(candidate_id=candidate.pk).pack()
    card = {"message_id": 1, "date": 0, "chat": {"id": ANNA.id, "type": "private"}, "text": "card"}
    updates = [driver.callback_update(ANNA, data, card) for _ in range(PARALLEL)]
    drivers = [BotDriver(driver.fake, Client()) for _ in updates]  # one HTTP client per thread

    statuses = run_together([lambda own=own, update=update: own.post(update)
                             for own, update in zip(drivers, updates, strict=True)])

    assert not raised(statuses), raised(statuses)
    assert statuses == [200] * PARALLEL
    assert Vote.objects.filter(candidate=candidate).count() == 1
    assert SeasonVoter.objects.get().votes_cast == 1
    assert LedgerEntry.objects.filter(season=world.season).count() == 1
    assert ledger_verify(season=world.season) is None
    accepted = [text for text in driver.fake.texts(ANNA.id) if "учтён" in text]
    assert len(accepted) == 1
    refusals = [answer for answer in driver.answers(ANNA) if "уже проголосовали" in answer]
    assert len(refusals) == PARALLEL - 1

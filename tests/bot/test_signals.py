"""The bot's votes keep their detection signals: the Telegram account id's magnitude bucket (no address, no
browser), and the voter's phone block and the seconds from the contact request to the shared contact."""

from __future__ import annotations

import pytest
from tests.bot.conftest import BotDriver, TgUser, register

from atomgrad.voting import signals
from atomgrad.voting.models import Vote, VoterSignal, VoteSignal

pytestmark = pytest.mark.django_db

NEW_ACCOUNT = TgUser(id=7_912_345_678, first_name="Новичок")
PHONE = "+79001234567"


def test_a_bot_vote_records_the_telegram_bucket_and_the_voter_signals(driver: BotDriver, world) -> None:
    register(driver, NEW_ACCOUNT, PHONE.lstrip("+"))
    kept = VoterSignal.objects.get()
    assert kept.phone_block == signals.phone_block_hash(PHONE)
    assert kept.telegram_bucket == NEW_ACCOUNT.id >> 28 == signals.telegram_bucket(NEW_ACCOUNT.id)
    assert kept.code_requested_at is not None and kept.verified_at is not None
    assert kept.code_requested_at <= kept.verified_at

    driver.press(NEW_ACCOUNT, "Соискатели")
    driver.press(NEW_ACCOUNT, "Поддержать")
    driver.press(NEW_ACCOUNT, "Да, поддержать")
    vote = Vote.objects.get()
    signal = VoteSignal.objects.get(vote=vote)
    assert vote.channel == "telegram"
    assert signal.telegram_bucket == NEW_ACCOUNT.id >> 28
    assert (signal.network, signal.user_agent) == (0, 0)  # the bot knows no address and no browser
    assert signal.code_to_verify is not None and signal.code_to_verify >= 0
    assert signal.verify_to_vote is not None and signal.verify_to_vote >= 0

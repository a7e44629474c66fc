"""Browsing and voting in the bot, on the same rules and the same ledger as the web."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from tests.bot.conftest import BotDriver, TgUser, register

from atomgrad.bot.callbacks import CardCallback, VoteConfirmCallback
from atomgrad.voting.models import LedgerEntry, SeasonVoter, Vote
from atomgrad.voting.selectors import ledger_verify, receipt_status

pytestmark = pytest.mark.django_db

ANNA = TgUser(id=601, first_name="Анна")
PHONE = "+79001234567"


def receipts_in(text: str) -> list[str]:
    return re.findall(r"<code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2})</code>", text)


def sms_code(path: Path, phone: str) -> str:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith(phone)]
    assert lines, f"no SMS to {phone}"
    return re.findall(r"\b(\d{6})\b", lines[-1])[-1]


def test_the_whole_journey_and_the_web_refuses_a_repeated_vote(
    driver: BotDriver, world, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    # /start → consent → city → contact
    register(driver, ANNA, PHONE.lstrip("+"))
    driver.press(ANNA, "Соискатели")

    # browse: a card with the photo, name, sphere, short story, n/N and a link to the page on the site
    card = driver.fake.last_message(ANNA.id)
    first, second, third = world.candidates
    assert "photo" in card and card["caption"].startswith(f"<b>{first.full_name}</b>\nНаука")
    assert "1 из 3" in card["caption"]
    upload = driver.fake.calls_of("sendPhoto")[-1]
    assert upload.upload_size("photo") > 0  # the photo's bytes were uploaded
    buttons = [b for row in card["reply_markup"]["inline_keyboard"] for b in row]
    assert {"text": "🌐 Страница на сайте", "url": f"https://atomgrad.example/candidates/{first.pk}/"} in buttons

    driver.press(ANNA, "▶")
    card = driver.fake.last_message(ANNA.id)
    assert card["caption"].startswith(f"<b>{second.full_name}</b>\nКультура") and "2 из 3" in card["caption"]
    assert driver.fake.calls_of("editMessageMedia")  # paged in place

    # vote for the second: 🗳 → confirm → receipt, link, votes left
    driver.press(ANNA, "Поддержать")
    buttons = driver.fake.buttons(driver.fake.last_photo(ANNA.id))
    assert "✅ Да, поддержать" in buttons and "✖ Отмена" in buttons and "🗳 Поддержать" not in buttons
    assert "2/3" in buttons  # the rest of the card's buttons stay
    driver.press(ANNA, "Отмена")
    assert "🗳 Поддержать" in driver.fake.buttons(driver.fake.last_photo(ANNA.id))
    driver.press(ANNA, "Поддержать")
    driver.press(ANNA, "Да, поддержать")
    reply = driver.fake.texts(ANNA.id)[-1]
    assert "Ваш голос за <b>Борисову Беллу Борисовну</b> учтён" in reply  # the name declined (accusative)
    assert "Осталось голосов: 1 из 2" in reply
    (receipt,) = receipts_in(reply)
    assert f"https://atomgrad.example/verify/{receipt.replace('-', '')}/" in reply
    status = receipt_status(code=receipt)
    assert status is not None and status.counted
    assert "✅ Вы поддержали" in driver.fake.buttons(driver.fake.find_button(ANNA.id, "Вы поддержали")[0])

    # filter by sphere, vote for the third (Science, second in that list)
    driver.press(ANNA, "Сфера: все")
    driver.press(ANNA, "Наука")
    card = driver.fake.last_photo(ANNA.id)
    assert card["caption"].startswith(f"<b>{first.full_name}</b>") and "1 из 2" in card["caption"]
    driver.press(ANNA, "▶")
    assert driver.fake.last_photo(ANNA.id)["caption"].startswith(f"<b>{third.full_name}</b>")
    driver.press(ANNA, "Поддержать")
    driver.press(ANNA, "Да, поддержать")
    assert "Осталось голосов: 0 из 2" in driver.fake.texts(ANNA.id)[-1]

    # /myvotes: both votes with their receipts
    driver.text(ANNA, "/myvotes")
    mine = driver.fake.texts(ANNA.id)[-1]
    assert "Ваши голоса (2 из 2)" in mine
    assert second.full_name in mine and third.full_name in mine and receipt in mine

    voter = SeasonVoter.objects.get()
    assert set(Vote.objects.filter(voter=voter).values_list("channel", flat=True)) == {"telegram"}
    assert LedgerEntry.objects.filter(season=world.season).count() == 2
    assert ledger_verify(season=world.season) is None

    # the same phone on the web API: verified, then refused the same vote (409)
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms.log"
    web = Client()
    with django_capture_on_commit_callbacks(execute=True):  # the SMS goes out after the commit
        sent = web.post("/api/v1/auth/code", {"phone": PHONE}, content_type="application/json")
    assert sent.status_code == 202
    verified = web.post(
        "/api/v1/auth/verify",
        {"phone": PHONE, "code": sms_code(settings.SMS_FILE_PATH, PHONE), "city": "sarov", "consent": True},
        content_type="application/json",
    )
    assert verified.status_code == 200, verified.content
    auth = {"HTTP_AUTHORIZATION": f"Bearer {verified.json()['token']}"}
    repeated = web.post("/api/v1/votes", {"candidate": second.pk}, content_type="application/json", **auth)
    assert repeated.status_code == 409 and repeated.json()["code"] == "already_voted"
    over = web.post("/api/v1/votes", {"candidate": first.pk}, content_type="application/json", **auth)
    assert over.status_code == 403 and over.json()["code"] == "limit_reached"
    assert SeasonVoter.objects.count() == 1  # one person, one voter, whichever channel
    assert Vote.objects.count() == 2


def test_a_web_voter_cannot_vote_again_in_the_bot(driver: BotDriver, world) -> None:
    from atomgrad.voting.models import Channel, VoterIdentity
    from atomgrad.voting.phones import phone_hash
    from atomgrad.voting.services.ballots import vote_cast
    from atomgrad.voting.services.identity import voter_register

    identity = VoterIdentity.objects.create(phone_hash=phone_hash(PHONE))
    web_voter = voter_register(season=world.season, identity=identity, city_slug="sarov", consent=True,
                               channel=Channel.WEB)
    vote_cast(voter=web_voter, candidate=world.candidates[0], channel=Channel.WEB)

    register(driver, ANNA, PHONE)
    texts = driver.fake.texts(ANNA.id)
    # One count, the right one: never "you have 2 votes" and then "1 left".
    assert "осталось голосов — 1 из 2" in texts[-3] and "У вас 2" not in " ".join(texts)
    driver.text(ANNA, "/candidates")
    assert "✅ Вы поддержали" in driver.fake.buttons(driver.fake.last_message(ANNA.id))
    driver.press_data(ANNA, VoteConfirmCallback(candidate_id=world.candidates[0].pk).pack())

    assert "уже" in driver.answers(ANNA)[-1]
    assert Vote.objects.count() == 1


# --- refusals ------------------------------------------------------------------------------------------------


def test_a_candidate_of_another_city_is_refused(driver: BotDriver, world) -> None:
    register(driver, ANNA, PHONE)
    driver.text(ANNA, "/candidates")
    driver.press_data(ANNA, VoteConfirmCallback(candidate_id=world.other_candidate.pk).pack())
    assert "город" in driver.answers(ANNA)[-1]
    assert not Vote.objects.exists()


def test_an_unknown_candidate_is_refused(driver: BotDriver, world) -> None:
    register(driver, ANNA, PHONE)
    driver.text(ANNA, "/candidates")
    driver.press_data(ANNA, VoteConfirmCallback(candidate_id=987654).pack())
    assert "не опубликован" in driver.answers(ANNA)[-1] or "нет среди" in driver.answers(ANNA)[-1]
    assert not Vote.objects.exists()


def test_a_vote_after_voting_closed_is_refused(driver: BotDriver, world) -> None:
    register(driver, ANNA, PHONE)
    driver.text(ANNA, "/candidates")
    world.season.voting_close_at = timezone.now() - timezone.timedelta(minutes=1)
    world.season.save(update_fields=["voting_close_at"])

    driver.press(ANNA, "Поддержать")  # refused before the confirmation...
    assert "Голосование в городе Саров завершилось" in driver.answers(ANNA)[-1]
    assert "Да, поддержать" not in driver.fake.buttons(driver.fake.last_photo(ANNA.id))
    # ...and a confirmation button kept from before the close is refused as well
    driver.press_data(ANNA, VoteConfirmCallback(candidate_id=world.candidates[0].pk).pack())
    assert "Голосование в городе Саров завершилось" in driver.answers(ANNA)[-1]
    assert not Vote.objects.exists()


def test_a_vote_over_the_limit_is_refused_with_the_limit(driver: BotDriver, world) -> None:
    register(driver, ANNA, PHONE)
    driver.text(ANNA, "/candidates")
    for candidate in world.candidates[:2]:
        driver.press_data(ANNA, VoteConfirmCallback(candidate_id=candidate.pk).pack())
    driver.press_data(ANNA, VoteConfirmCallback(candidate_id=world.candidates[2].pk).pack())

    refusal = driver.answers(ANNA)[-1]
    assert "2" in refusal and "голос" in refusal
    assert Vote.objects.count() == 2


def test_voting_buttons_before_registering_send_to_start(driver: BotDriver, world) -> None:
    driver.text(ANNA, "/candidates")
    assert "/start" in driver.fake.texts(ANNA.id)[-1]
    driver.press_data(ANNA, VoteConfirmCallback(candidate_id=world.candidates[0].pk).pack(),
                      message={"message_id": 1, "date": 0, "chat": {"id": ANNA.id, "type": "private"}, "text": "x"})
    assert "/start" in driver.answers(ANNA)[-1]
    assert not Vote.objects.exists()


def test_a_forged_card_position_shows_a_card_of_the_voters_own_city(driver: BotDriver, world) -> None:
    register(driver, ANNA, PHONE)
    driver.text(ANNA, "/candidates")
    driver.press_data(ANNA, CardCallback(sphere_id=999, index=-7).pack())  # unknown sphere, negative index
    caption = driver.fake.last_message(ANNA.id)["caption"]
    assert any(caption.startswith(f"<b>{c.full_name}</b>") for c in world.candidates)


def test_garbage_callback_data_is_answered_not_crashed(driver: BotDriver, world) -> None:
    register(driver, ANNA, PHONE)
    driver.text(ANNA, "/candidates")
    driver.press_data(ANNA, "vote:not-a-number")
    driver.press_data(ANNA, "something:else:entirely")
    assert driver.answers(ANNA)[-2:] == ["Эта кнопка устарела. Откройте список заново: /candidates"] * 2


def test_the_photo_is_uploaded_once_then_sent_by_file_id(driver: BotDriver, world) -> None:
    register(driver, ANNA, PHONE)
    driver.text(ANNA, "/candidates")
    driver.text(ANNA, "/candidates")
    first, again = driver.fake.calls_of("sendPhoto")[-2:]
    assert first.upload_size("photo") > 0 and not again.files
    assert str(again.params["photo"]).startswith("photo-file-")


def test_results_only_when_public(driver: BotDriver, world) -> None:
    register(driver, ANNA, PHONE)
    driver.press_data(ANNA, VoteConfirmCallback(candidate_id=world.candidates[1].pk).pack())
    driver.text(ANNA, "/results")
    assert "не публикуются" in driver.fake.texts(ANNA.id)[-1]

    world.season.counts_public = True
    world.season.save(update_fields=["counts_public"])
    driver.text(ANNA, "/results")
    lines = driver.fake.texts(ANNA.id)[-1].splitlines()
    assert lines[0] == "<b>Итоги: Саров</b>"
    assert lines[1] == f"1. {world.candidates[1].full_name} — 1 голос"
    assert lines[2].startswith("2. ") and lines[2].endswith(" — 0 голосов")
    assert lines[3].startswith("2. ")  # equal votes share a place


def test_a_receipt_answered_429_is_sent_again_after_retry_after(driver: BotDriver, world) -> None:
    register(driver, ANNA, PHONE)
    driver.fake.answer_429("sendMessage", times=1, retry_after=1)
    driver.press_data(ANNA, VoteConfirmCallback(candidate_id=world.candidates[1].pk).pack())

    sends = driver.fake.calls_of("sendMessage", chat_id=ANNA.id)
    assert [call.status for call in sends[-2:]] == [429, 200]  # refused once, then sent again
    assert receipts_in(str(sends[-1].params["text"]))  # the voter got their receipt
    assert Vote.objects.count() == 1


def test_a_429_beyond_the_wait_budget_is_not_waited_for(driver: BotDriver, world, settings) -> None:
    settings.TELEGRAM_RETRY_MAX_WAIT = 5
    driver.fake.answer_429("sendMessage", times=1, retry_after=60)
    driver.text(ANNA, "/help")  # acknowledged; the reply is given up rather than holding the webhook a minute
    assert [call.status for call in driver.fake.calls_of("sendMessage", chat_id=ANNA.id)][:1] == [429]


def test_a_candidate_published_after_the_list_was_shown_is_on_the_next_card(driver: BotDriver, world) -> None:
    """The bot keeps each list's cards; a publication (the moderation service) makes every kept list stale."""
    from tests.factories import ApplicationFactory, make_organiser

    from atomgrad.award.services.moderation import application_decide

    register(driver, ANNA, PHONE)
    driver.text(ANNA, "/candidates")
    assert "'1/3'" in str(driver.fake.last_message(ANNA.id)["reply_markup"])
    late = ApplicationFactory(season=world.season, city=world.city, sphere=world.spheres[0],
                              full_name="Ярославцев Ярослав Ярославович")
    application_decide(actor=make_organiser(), application=late, decision="accept")
    driver.press_data(ANNA, CardCallback(index=3).pack())
    card = driver.fake.last_message(ANNA.id)
    assert "'4/4'" in str(card["reply_markup"])
    assert card["caption"].startswith("<b>Ярославцев Ярослав Ярославович</b>")

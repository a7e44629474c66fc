"""Voting from a card: 🗳 → confirm → the vote goes through `voting.services.ballots.vote_cast` (the web's own
function); the reply carries the receipt code, the link to check it and the votes left. Every refusal is the
voting service's, in plain words."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from atomgrad.bot import keyboards, services
from atomgrad.bot.callbacks import VoteAskCallback, VoteCancelCallback, VoteConfirmCallback, VotedCallback
from atomgrad.bot.services import BotRefusal, CandidateCard
from atomgrad.bot.texts import esc, t
from atomgrad.bot.ui import replace_card, set_card_buttons, tell
from atomgrad.core.errors import ApplicationError
from atomgrad.core.names import name_case

router = Router(name="vote")
logger = logging.getLogger("atomgrad.bot")


@router.callback_query(VoteAskCallback.filter())
async def vote_ask(query: CallbackQuery, callback_data: VoteAskCallback, lang: str) -> None:
    """The confirmation step; a vote that would be refused (closed, another city, withdrawn) is refused here
    already, before the person confirms."""
    try:
        name = await services.avote_check(telegram_user_id=query.from_user.id,
                                          candidate_id=callback_data.candidate_id)
    except BotRefusal as refusal:
        await tell(query, t(lang, refusal.key))
        return
    except ApplicationError as error:
        await tell(query, error.message(lang))
        return
    place = {"candidate_id": callback_data.candidate_id, "sphere_id": callback_data.sphere_id,
             "index": callback_data.index}
    markup = keyboards.with_vote_row(_markup(query), keyboards.confirm_row(lang, **place))
    await set_card_buttons(query, markup or keyboards.vote_confirm(lang, **place))
    await tell(query, t(lang, "vote_confirm_toast", name=name), alert=False)


@router.callback_query(VoteCancelCallback.filter())
async def vote_cancel(query: CallbackQuery, callback_data: VoteCancelCallback, lang: str) -> None:
    await query.answer()
    markup = keyboards.with_vote_row(_markup(query), keyboards.vote_row(
        lang, candidate_id=callback_data.candidate_id, sphere_id=callback_data.sphere_id,
        index=callback_data.index, voted=False,
    ))
    if markup is not None:
        await set_card_buttons(query, markup)
    else:
        await _refresh_card(query, callback_data, lang)


@router.callback_query(VoteConfirmCallback.filter())
async def vote_confirm(query: CallbackQuery, callback_data: VoteConfirmCallback, lang: str) -> None:
    try:
        outcome = await services.avote(telegram_user_id=query.from_user.id, candidate_id=callback_data.candidate_id)
    except BotRefusal as refusal:
        await tell(query, t(lang, refusal.key))
        return
    except ApplicationError as error:
        logger.info("telegram vote refused: %s", error.code)
        await tell(query, error.message(lang))
        try:  # the refusal is what the person must see; the card's fresh buttons are a courtesy
            await _refresh_card(query, callback_data, lang)
        except TelegramAPIError as exc:
            logger.info("card not refreshed after a refused vote: %s", type(exc).__name__)
        return
    await query.answer(t(lang, "vote_accepted_toast"))
    # The vote counts whatever Telegram does next. Where the answer waits for the end of the update (the
    # webhook's reply, bot.webhook), a failure here must not replace it with the error handler's "something
    # went wrong"; the receipt stays in /myvotes.
    try:
        await _show_vote(query, callback_data, lang, outcome)
    except TelegramAPIError as exc:
        logger.warning("vote counted, its receipt or buttons not shown: %s", type(exc).__name__)


async def _show_vote(query: CallbackQuery, callback_data: VoteConfirmCallback, lang: str,
                     outcome: services.VoteOutcome) -> None:
    """The receipt's message, and the card's buttons saying "you supported"."""
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    await query.bot.send_message(  # type: ignore[union-attr]
        chat_id,
        t(lang, "vote_accepted", name=esc(name_case(outcome.candidate_name, "accusative", language=lang)),
          receipt=esc(outcome.receipt), url=outcome.verify_url, left=outcome.votes_left, votes=outcome.votes_per_voter),
    )
    markup = keyboards.with_vote_row(_markup(query), keyboards.vote_row(
        lang, candidate_id=callback_data.candidate_id, sphere_id=callback_data.sphere_id,
        index=callback_data.index, voted=True,
    ))
    if markup is not None:  # the card's buttons, now saying "you supported", without reading the card again
        await set_card_buttons(query, markup)
    else:
        await _refresh_card(query, callback_data, lang)


def _markup(query: CallbackQuery) -> InlineKeyboardMarkup | None:
    return query.message.reply_markup if isinstance(query.message, Message) else None


async def _refresh_card(
    query: CallbackQuery, callback_data: VoteConfirmCallback | VoteCancelCallback, lang: str
) -> None:
    """Read the card again and put its own buttons back (after a refusal, or when the message does not carry
    them); if the list changed under the card (a candidate was withdrawn), show what is there now."""
    try:
        card = await services.acandidate_card(
            telegram_user_id=query.from_user.id, sphere_id=callback_data.sphere_id, index=callback_data.index,
            bot_id=query.bot.id,  # type: ignore[union-attr]
        )
    except BotRefusal:
        return
    if isinstance(card, CandidateCard) and card.candidate_id == callback_data.candidate_id:
        await set_card_buttons(query, keyboards.card(lang, card))
    else:
        await replace_card(query, lang, card)


@router.callback_query(VotedCallback.filter())
async def voted(query: CallbackQuery, lang: str) -> None:
    await query.answer(t(lang, "already_voted_toast"))

"""Browsing the candidates of the voter's city: one card at a time (photo, name, sphere, short story, a link
to the candidate's page on the website), ◀ ▶ to page, a sphere filter."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from atomgrad.bot import keyboards, services
from atomgrad.bot.callbacks import CardCallback, MenuAction, MenuCallback, NoopCallback, SphereMenuCallback
from atomgrad.bot.services import CandidateCard
from atomgrad.bot.ui import replace_card, send_card, set_card_buttons

router = Router(name="browse")


@router.message(Command("candidates"))
async def candidates(message: Message, lang: str) -> None:
    user = message.from_user
    assert user is not None
    card = await services.acandidate_card(telegram_user_id=user.id, sphere_id=0, index=0, bot_id=message.bot.id)  # type: ignore[union-attr]
    await send_card(message.bot, message.chat.id, lang, card)  # type: ignore[arg-type]


@router.callback_query(MenuCallback.filter(F.action == MenuAction.CANDIDATES))
async def candidates_from_menu(query: CallbackQuery, lang: str) -> None:
    card = await services.acandidate_card(
        telegram_user_id=query.from_user.id, sphere_id=0, index=0, bot_id=query.bot.id  # type: ignore[union-attr]
    )
    await query.answer()
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    await send_card(query.bot, chat_id, lang, card)  # type: ignore[arg-type]


@router.callback_query(CardCallback.filter())
async def card_show(query: CallbackQuery, callback_data: CardCallback, lang: str) -> None:
    card = await services.acandidate_card(
        telegram_user_id=query.from_user.id, sphere_id=callback_data.sphere_id, index=callback_data.index,
        bot_id=query.bot.id,  # type: ignore[union-attr]
    )
    await query.answer()
    await replace_card(query, lang, card)


@router.callback_query(SphereMenuCallback.filter())
async def sphere_menu(query: CallbackQuery, callback_data: SphereMenuCallback, lang: str) -> None:
    card = await services.acandidate_card(
        telegram_user_id=query.from_user.id, sphere_id=callback_data.sphere_id, index=callback_data.index,
        bot_id=query.bot.id,  # type: ignore[union-attr]
    )
    await query.answer()
    spheres = card.spheres
    back_index = card.index if isinstance(card, CandidateCard) else 0
    await set_card_buttons(
        query, keyboards.spheres(lang, spheres, back_sphere_id=callback_data.sphere_id, back_index=back_index)
    )


@router.callback_query(NoopCallback.filter())
async def noop(query: CallbackQuery) -> None:
    await query.answer()

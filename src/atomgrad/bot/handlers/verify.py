"""Verifying the phone: the person shares their own contact with the reply-keyboard button.

Telegram fills `contact.user_id` with the id of the user whose contact it is; a contact is accepted only when
that is the sender (`contact.user_id == from.id`): a forwarded or typed-in contact of someone else is refused.
The number then becomes the same identity as on the web (the same keyed hash), through `voter_register`.
"""

from __future__ import annotations

import datetime as dt
import logging

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from atomgrad.bot import keyboards, services
from atomgrad.bot.handlers.start import registered_text
from atomgrad.bot.services import BotRefusal
from atomgrad.bot.states import Registration
from atomgrad.bot.texts import t
from atomgrad.core.errors import ApplicationError

router = Router(name="verify")
logger = logging.getLogger("atomgrad.bot")


@router.message(F.contact)
async def contact_shared(message: Message, state: FSMContext, lang: str) -> None:
    user = message.from_user
    contact = message.contact
    assert user is not None and contact is not None
    if contact.user_id != user.id:
        await message.answer(t(lang, "contact_not_own"), reply_markup=keyboards.share_contact(lang))
        return
    data = await state.get_data()
    season_id, city_id = data.get("season_id"), data.get("city_id")
    if await state.get_state() != Registration.contact.state or not data.get("consent_version") or not city_id:
        await message.answer(t(lang, "contact_unexpected"), reply_markup=keyboards.remove())
        return
    try:
        await services.aregistration_complete(
            season_id=season_id, city_id=city_id, telegram_user_id=user.id, chat_id=message.chat.id,
            language_code=user.language_code, phone_raw=contact.phone_number,
            contact_asked_at=_moment(data.get("contact_asked_at")),
        )
    except BotRefusal as refusal:
        await state.clear()
        await message.answer(t(lang, refusal.key), reply_markup=keyboards.remove())
        return
    except ApplicationError as error:
        logger.info("telegram registration refused: %s", error.code)
        if error.code == "city_fixed":  # they voted elsewhere already: let them pick their city again
            await state.set_state(Registration.city)
            cities = await services.aseason_cities(season_id=season_id)
            await message.answer(error.message(lang), reply_markup=keyboards.remove())
            await message.answer(t(lang, "choose_city"), reply_markup=keyboards.cities(lang, cities))
            return
        await state.clear()
        await message.answer(error.message(lang), reply_markup=keyboards.remove())
        return
    await state.clear()
    status = await services.abot_status(telegram_user_id=user.id)
    assert status is not None and status.voter is not None
    await message.answer(registered_text(lang, status, just_now=True), reply_markup=keyboards.remove())
    if not status.city_published:
        await message.answer(t(lang, "notify_ask"), reply_markup=keyboards.notify(lang))
    await message.answer(t(lang, "menu_prompt"), reply_markup=keyboards.menu(lang))


def _moment(value: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


@router.message(StateFilter(Registration.contact), ~F.text.startswith("/"))
async def contact_expected(message: Message, lang: str) -> None:
    await message.answer(t(lang, "contact_expected"), reply_markup=keyboards.share_contact(lang))

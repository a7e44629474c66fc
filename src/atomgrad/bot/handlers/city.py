"""Choosing the city: paged buttons of the season's cities, or typing part of a name."""

from __future__ import annotations

import datetime as dt

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from atomgrad.bot import keyboards, services
from atomgrad.bot.callbacks import CityPageCallback, CityPickCallback
from atomgrad.bot.services import CityItem
from atomgrad.bot.states import Registration
from atomgrad.bot.texts import esc, t
from atomgrad.bot.ui import set_card_buttons

router = Router(name="city")


async def _consented_season_id(state: FSMContext) -> int | None:
    """The season the person accepted the consent for, or None if they have not (or the state was lost)."""
    data = await state.get_data()
    if not data.get("consent_version"):
        return None
    season_id = data.get("season_id")
    return season_id if isinstance(season_id, int) else None


async def _city_chosen(bot: Bot, chat_id: int, state: FSMContext, lang: str, city: CityItem) -> None:
    # When the contact was asked for: the bot's counterpart of the web's code request (a detection signal).
    await state.update_data(city_id=city.id, contact_asked_at=dt.datetime.now(dt.UTC).isoformat())
    await state.set_state(Registration.contact)
    await bot.send_message(chat_id, t(lang, "ask_contact", city=esc(city.name(lang))),
                           reply_markup=keyboards.share_contact(lang))


@router.callback_query(CityPageCallback.filter())
async def city_page(query: CallbackQuery, callback_data: CityPageCallback, state: FSMContext, lang: str) -> None:
    season_id = await _consented_season_id(state)
    if season_id is None:
        await query.answer(t(lang, "consent_missing"), show_alert=True)
        return
    cities = await services.aseason_cities(season_id=season_id)
    await query.answer()
    await set_card_buttons(query, keyboards.cities(lang, cities, callback_data.page))


@router.callback_query(CityPickCallback.filter())
async def city_pick(query: CallbackQuery, callback_data: CityPickCallback, state: FSMContext, lang: str) -> None:
    season_id = await _consented_season_id(state)
    if season_id is None:
        await query.answer(t(lang, "consent_missing"), show_alert=True)
        return
    city = await services.aseason_city(season_id=season_id, city_id=callback_data.city_id)
    if city is None:  # forged, or a city of another season
        await query.answer(t(lang, "city_invalid"), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(t(lang, "choose_city") + f"\n\n<b>{esc(city.name(lang))}</b>")
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    await _city_chosen(query.bot, chat_id, state, lang, city)  # type: ignore[arg-type]


@router.message(StateFilter(Registration.city), F.text, ~F.text.startswith("/"))
async def city_typed(message: Message, state: FSMContext, lang: str) -> None:
    season_id = await _consented_season_id(state)
    if season_id is None:
        await state.clear()
        await message.answer(t(lang, "consent_missing"))
        return
    query = (message.text or "")[:64]
    cities = await services.aseason_cities(season_id=season_id)
    matches = services.cities_matching(cities, query)
    if len(matches) == 1:
        await _city_chosen(message.bot, message.chat.id, state, lang, matches[0])  # type: ignore[arg-type]
    elif matches:
        await message.answer(t(lang, "city_matches"), reply_markup=keyboards.city_matches(lang, matches))
    else:
        await message.answer(t(lang, "city_not_found", query=esc(query)), reply_markup=keyboards.cities(lang, cities))

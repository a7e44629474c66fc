"""/start (the welcome, the season's phase and dates, the consent), the consent buttons, and /cancel, which
works in any state."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from atomgrad.bot import keyboards, services
from atomgrad.bot.callbacks import ConsentAction, ConsentCallback
from atomgrad.bot.services import SeasonInfo
from atomgrad.bot.states import Registration
from atomgrad.bot.texts import esc, phase_title, t, when

router = Router(name="start")


def welcome_text(lang: str, season: SeasonInfo) -> str:
    return t(
        lang, "welcome", title=esc(season.title), phase=phase_title(season.phase, lang),
        voting_open=when(season.voting_open_at, lang), voting_close=when(season.voting_close_at, lang),
        results=when(season.results_at, lang),
    )


@router.message(Command("cancel"))
async def cancel(message: Message, state: FSMContext, lang: str) -> None:
    had_state = await state.get_state() is not None
    await state.clear()
    await message.answer(t(lang, "cancelled" if had_state else "nothing_to_cancel"), reply_markup=keyboards.remove())


@router.message(CommandStart())
async def start(message: Message, state: FSMContext, lang: str) -> None:
    user = message.from_user
    assert user is not None
    await state.clear()
    await services.aaccount_touch(telegram_user_id=user.id, chat_id=message.chat.id, language_code=user.language_code)
    season = await services.aseason_info()
    if season is None:
        await message.answer(t(lang, "no_season", site=services.site_url()), reply_markup=keyboards.remove())
        return
    await message.answer(welcome_text(lang, season), reply_markup=keyboards.remove())
    voter = await services.avoter_info(telegram_user_id=user.id)
    if voter is not None:
        await message.answer(
            t(lang, "already_registered", city=esc(voter.city.name(lang)), left=voter.votes_left,
              votes=voter.season.votes_per_voter),
            reply_markup=keyboards.menu(lang),
        )
        return
    consent = await services.aconsent_info()
    await state.set_state(Registration.consent)
    await message.answer(
        t(lang, "consent", url=consent.url, title=esc(consent.title), version=esc(consent.version)),
        reply_markup=keyboards.consent(lang, consent.url),
    )


@router.callback_query(ConsentCallback.filter(F.action == ConsentAction.DECLINE))
async def consent_decline(query: CallbackQuery, state: FSMContext, lang: str) -> None:
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(t(lang, "consent_declined"))


@router.callback_query(ConsentCallback.filter(F.action == ConsentAction.ACCEPT))
async def consent_accept(query: CallbackQuery, state: FSMContext, lang: str) -> None:
    season = await services.aseason_info()
    if season is None:
        await query.answer(t(lang, "no_season", site=services.site_url()), show_alert=True)
        return
    consent = await services.aconsent_info()
    cities = await services.aseason_cities(season_id=season.id)
    await state.set_state(Registration.city)
    await state.set_data({"season_id": season.id, "consent_version": consent.version})
    await query.answer()
    markup = keyboards.cities(lang, cities, 0)
    if isinstance(query.message, Message):
        await query.message.edit_text(t(lang, "choose_city"), reply_markup=markup)
    elif query.message is not None:
        await query.bot.send_message(query.message.chat.id, t(lang, "choose_city"), reply_markup=markup)  # type: ignore[union-attr]

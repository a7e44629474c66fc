"""/start (the welcome, the season's phase and dates, the consent), the consent buttons, and /cancel, which
works in any state."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from django.utils import timezone

from atomgrad.award.phases import Phase
from atomgrad.bot import keyboards, services
from atomgrad.bot.callbacks import ConsentAction, ConsentCallback
from atomgrad.bot.services import BotStatus
from atomgrad.bot.states import Registration
from atomgrad.bot.texts import esc, phase_title, t, votes_word, when

router = Router(name="start")

# Registering asks for a phone number: only worth it while there is a vote ahead or under way.
OPEN_FOR_REGISTRATION = (Phase.UPCOMING, Phase.APPLICATIONS, Phase.MODERATION, Phase.VOTING)


def dates_text(lang: str, status: BotStatus) -> str:
    """The dates that matter in the season's phase, worded by what has actually happened (closed or not,
    published or not) — never «закончилось (или закончится)»."""
    season, phase = status.season, status.phase
    values = {"voting_open": when(season.voting_open_at, lang), "voting_close": when(status.voting_close_at, lang),
              "results": when(season.results_at, lang), "ceremony": when(season.ceremony_at, lang)}
    if phase in (Phase.UPCOMING, Phase.APPLICATIONS, Phase.MODERATION):
        text = t(lang, "dates_before", **values)
        if status.previous_results_year:
            text += "\n" + t(lang, "previous_results", year=status.previous_results_year)
        return text
    if phase == Phase.VOTING:
        return t(lang, "dates_voting", **values)
    if phase == Phase.VERIFICATION:
        late = timezone.now() >= season.results_at or status.any_published
        return t(lang, "dates_checking_late" if late else "dates_checking", **values)
    text = t(lang, "dates_published", **values)
    if timezone.now() < season.ceremony_at:
        text += "\n" + t(lang, "dates_ceremony", **values)
    return text


def welcome_text(lang: str, status: BotStatus) -> str:
    return t(lang, "welcome", title=esc(status.season.title), phase=phase_title(status.phase, lang),
             dates=dates_text(lang, status))


def registered_text(lang: str, status: BotStatus, *, just_now: bool) -> str:
    """What a registered person is told about their votes, by phase: before the vote, the votes they will
    have; during it, the votes left (not the season's K when some were used on the web); after it, no count."""
    voter = status.voter
    assert voter is not None
    votes = voter.season.votes_per_voter
    values = {"city": esc(voter.city.name(lang)), "votes": votes, "votes_word": votes_word(votes, lang),
              "left": voter.votes_left, "voting_open": when(status.season.voting_open_at, lang),
              "voting_close": when(status.voting_close_at, lang)}
    if status.phase in (Phase.UPCOMING, Phase.APPLICATIONS, Phase.MODERATION):
        key = "registered_before" if just_now else "already_registered_before"
    elif status.phase == Phase.VOTING:
        if just_now:
            key = "registered" if voter.votes_left == votes else "registered_partly_used"
        else:
            key = "already_registered"
    else:
        key = "registered_closed" if just_now else "already_registered_closed"
    return t(lang, key, **values)


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
    status = await services.abot_status(telegram_user_id=user.id)
    if status is None:
        await message.answer(t(lang, "no_season", site=services.site_url()), reply_markup=keyboards.remove())
        return
    await message.answer(welcome_text(lang, status), reply_markup=keyboards.remove())
    if status.voter is not None:
        await message.answer(registered_text(lang, status, just_now=False), reply_markup=keyboards.menu(lang))
        return
    if status.phase not in OPEN_FOR_REGISTRATION:  # nothing left to vote on: no personal data to ask for
        await message.answer(t(lang, "closed_no_registration", url=await services.aseason_results_url()))
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

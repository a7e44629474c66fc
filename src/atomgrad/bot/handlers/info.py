"""/myvotes, /rules, /help, /results, /notify and the reply to anything else (this router is matched last)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message, User
from django.utils import timezone

from atomgrad.award.phases import Phase
from atomgrad.bot import services
from atomgrad.bot.callbacks import MenuAction, MenuCallback, NotifyCallback
from atomgrad.bot.services import BotRefusal, PublishedResults, ResultsPending, SeasonInfo
from atomgrad.bot.texts import candidates_word, esc, t, votes_word, when
from atomgrad.core.names import name_gender

router = Router(name="info")


# --- texts built from data --------------------------------------------------------------------------------


async def myvotes_text(user: User, lang: str) -> str:
    try:
        mine = await services.amy_votes(telegram_user_id=user.id)
    except BotRefusal as refusal:
        return t(lang, refusal.key)
    if not mine.votes:
        if not mine.voting_open:
            return t(lang, "myvotes_empty_closed", year=mine.season_year)
        return t(lang, "myvotes_empty", left=mine.votes_left, votes=mine.votes_per_voter)
    if mine.voting_open:
        header = t(lang, "myvotes_header", used=mine.votes_used, votes=mine.votes_per_voter, left=mine.votes_left)
    else:
        header = t(lang, "myvotes_header_closed", year=mine.season_year, used=mine.votes_used,
                   votes=mine.votes_per_voter)
    lines = [header]
    for item in mine.votes:
        line = t(lang, "myvotes_item", name=esc(item.candidate_name), when=when(item.cast_at, lang),
                 receipt=esc(item.receipt), url=item.verify_url)
        lines.append(line + (t(lang, "myvotes_annulled") if item.annulled else ""))
    return "\n\n".join(lines)


def rules_text(lang: str, season: SeasonInfo | None) -> str:
    if season is None:
        return t(lang, "no_season", site=services.site_url())
    votes = season.votes_per_voter
    return t(
        lang, "rules", votes=votes, votes_word=votes_word(votes, lang),
        own_city=t(lang, "rules_own_city") if season.own_city_only else "",
        voting_open=when(season.voting_open_at, lang), voting_close=when(season.voting_close_at, lang),
        url=services.rules_url(),
    )


MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}
# A Telegram message holds 4,096 characters: the laureates always, then this many others, the rest on the site.
OTHERS_SHOWN = 15


def published_text(lang: str, result: PublishedResults) -> str:
    """The city's published result as its results page states it: laureates first, then the others, the
    candidates without a valid vote together, the committee's decisions, the protocol's link."""
    parts = [t(lang, "results_published_header", city=esc(result.city.name(lang)), title=esc(result.season_title))]
    if result.void:
        parts.append(t(lang, "results_void", reason=esc(result.void_reason)))
    elif result.laureates:
        lines = [t(lang, "results_laureates")]
        lines += [
            t(lang, "results_laureate", medal=MEDALS.get(line.place or 0, "🏅"), place=line.place,
              name=esc(line.name), sphere=esc(line.sphere), votes=line.votes, votes_word=votes_word(line.votes, lang))
            for line in result.laureates
        ]
        parts.append("\n".join(lines))
    else:
        parts.append(t(lang, "results_no_laureates"))
    if result.others:
        lines = [t(lang, "results_others")]
        lines += [
            t(lang, "results_other", place=line.place or "—", name=esc(line.name), votes=line.votes,
              votes_word=votes_word(line.votes, lang))
            for line in result.others[:OTHERS_SHOWN]
        ]
        if len(result.others) > OTHERS_SHOWN:
            lines.append(t(lang, "results_more", count=len(result.others) - OTHERS_SHOWN))
        parts.append("\n".join(lines))
    notes = []
    if result.without_votes:
        notes.append(t(lang, "results_without_votes", count=result.without_votes,
                       who=candidates_word(result.without_votes, lang)))
    if result.disqualified:
        gender = name_gender(result.disqualified[0]) if len(result.disqualified) == 1 else ""
        key = f"results_disqualified_{gender}" if gender else "results_disqualified"
        notes.append(t(lang, key, names=esc(", ".join(result.disqualified))))
    if result.tie_rule:
        notes.append(t(lang, "results_tie", rule=esc(result.tie_rule)))
    if notes:
        parts.append("\n".join(notes))
    parts.append(t(lang, "results_protocol", number=result.protocol_number, url=result.protocol_url) + "\n"
                 + t(lang, "results_page", url=result.page_url))
    return "\n\n".join(parts)


def pending_text(lang: str, pending: ResultsPending) -> str:
    season = pending.season
    values = {"city": esc(pending.city.name(lang)) if pending.city else "", "url": pending.season_url,
              "voting_open": when(season.voting_open_at, lang), "voting_close": when(pending.voting_close_at, lang),
              "results": when(season.results_at, lang)}
    if pending.phase in (Phase.UPCOMING, Phase.APPLICATIONS, Phase.MODERATION):
        return t(lang, "results_before", **values)
    if pending.phase == Phase.VOTING:
        return t(lang, "results_hidden", **values)
    late = timezone.now() >= season.results_at
    return t(lang, "results_checking_late" if late else "results_checking", **values)


async def results_text(user: User, lang: str) -> str:
    try:
        results = await services.acity_results(telegram_user_id=user.id)
    except BotRefusal:
        return t(lang, "results_choose_city", url=await services.aseason_results_url())
    if isinstance(results, PublishedResults):
        return published_text(lang, results)
    if isinstance(results, ResultsPending):
        return pending_text(lang, results)
    city = esc(results.city.name(lang))
    if not results.lines:
        return t(lang, "results_none", city=city) + f"\n\n{results.url}"
    lines = [t(lang, "results_header", city=city)]
    lines += [
        t(lang, "results_item", place=line.place, name=esc(line.name), votes=line.votes,
          votes_word=votes_word(line.votes, lang))
        for line in results.lines
    ]
    return "\n".join(lines) + f"\n\n{results.url}"


# --- commands ----------------------------------------------------------------------------------------------


@router.message(Command("myvotes"))
async def myvotes(message: Message, lang: str) -> None:
    assert message.from_user is not None
    await message.answer(await myvotes_text(message.from_user, lang))


@router.message(Command("rules"))
async def rules(message: Message, lang: str) -> None:
    await message.answer(rules_text(lang, await services.aseason_info()))


@router.message(Command("help"))
async def help_(message: Message, lang: str) -> None:
    await message.answer(t(lang, "help", site=services.site_url()))


@router.message(Command("results"))
async def results(message: Message, lang: str) -> None:
    assert message.from_user is not None
    await message.answer(await results_text(message.from_user, lang))


@router.message(Command("notify"))
async def notify_toggle(message: Message, lang: str) -> None:
    user = message.from_user
    assert user is not None
    on = not await services.anotify_get(telegram_user_id=user.id)
    await services.anotify_set(telegram_user_id=user.id, chat_id=message.chat.id, language_code=user.language_code,
                               on=on)
    await message.answer(t(lang, "notify_on" if on else "notify_off"))


# --- buttons -----------------------------------------------------------------------------------------------


@router.callback_query(NotifyCallback.filter())
async def notify_button(query: CallbackQuery, callback_data: NotifyCallback, lang: str) -> None:
    user = query.from_user
    chat_id = query.message.chat.id if query.message is not None else user.id
    await services.anotify_set(telegram_user_id=user.id, chat_id=chat_id, language_code=user.language_code,
                               on=callback_data.on)
    text = t(lang, "notify_on" if callback_data.on else "notify_off")
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(text)


@router.callback_query(MenuCallback.filter(F.action == MenuAction.MYVOTES))
async def myvotes_button(query: CallbackQuery, lang: str) -> None:
    await query.answer()
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    await query.bot.send_message(chat_id, await myvotes_text(query.from_user, lang))  # type: ignore[union-attr]


@router.callback_query(MenuCallback.filter(F.action == MenuAction.RULES))
async def rules_button(query: CallbackQuery, lang: str) -> None:
    await query.answer()
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    await query.bot.send_message(chat_id, rules_text(lang, await services.aseason_info()))  # type: ignore[union-attr]


# --- anything else -----------------------------------------------------------------------------------------


@router.message()
async def unknown(message: Message, lang: str) -> None:
    await message.answer(t(lang, "unknown"))


@router.callback_query()
async def stale_button(query: CallbackQuery, lang: str) -> None:
    """Callback data no handler recognises: an old version of the bot's buttons, or forged."""
    await query.answer(t(lang, "stale"), show_alert=True)

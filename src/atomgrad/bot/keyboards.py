"""Inline and reply keyboards. Pure functions of the data they show (no database, no network)."""

from __future__ import annotations

import math

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder

from atomgrad.bot import callbacks as cb
from atomgrad.bot.services import CandidateCard, CityItem, EmptyList, SphereItem
from atomgrad.bot.texts import t

CITIES_PER_PAGE = 8


def consent(lang: str, url: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=t(lang, "consent_accept"),
                              callback_data=cb.ConsentCallback(action=cb.ConsentAction.ACCEPT).pack())],
        [InlineKeyboardButton(text=t(lang, "consent_decline"),
                              callback_data=cb.ConsentCallback(action=cb.ConsentAction.DECLINE).pack())],
    ])


def city_pages(count: int) -> int:
    return max(1, math.ceil(count / CITIES_PER_PAGE))


def cities(lang: str, items: list[CityItem], page: int = 0) -> InlineKeyboardMarkup:
    """One page of cities, two to a row, with ◀ n/N ▶ when there is more than one page."""
    pages = city_pages(len(items))
    page %= pages
    builder = InlineKeyboardBuilder()
    for city in items[page * CITIES_PER_PAGE:(page + 1) * CITIES_PER_PAGE]:
        builder.button(text=city.name(lang), callback_data=cb.CityPickCallback(city_id=city.id))
    builder.adjust(2)
    if pages > 1:
        builder.row(
            InlineKeyboardButton(text="◀", callback_data=cb.CityPageCallback(page=(page - 1) % pages).pack()),
            InlineKeyboardButton(text=f"{page + 1}/{pages}", callback_data=cb.NoopCallback().pack()),
            InlineKeyboardButton(text="▶", callback_data=cb.CityPageCallback(page=(page + 1) % pages).pack()),
        )
    return builder.as_markup()


def city_matches(lang: str, items: list[CityItem]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for city in items[:CITIES_PER_PAGE]:
        builder.button(text=city.name(lang), callback_data=cb.CityPickCallback(city_id=city.id))
    builder.adjust(2)
    return builder.as_markup()


def share_contact(lang: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=t(lang, "contact_button"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
        is_persistent=True,
    )


def remove() -> ReplyKeyboardRemove:
    return ReplyKeyboardRemove()


def notify(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=t(lang, "notify_yes"), callback_data=cb.NotifyCallback(on=True).pack()),
        InlineKeyboardButton(text=t(lang, "notify_no"), callback_data=cb.NotifyCallback(on=False).pack()),
    ]])


def menu(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=t(lang, "menu_candidates"),
                              callback_data=cb.MenuCallback(action=cb.MenuAction.CANDIDATES).pack())],
        [
            InlineKeyboardButton(text=t(lang, "menu_myvotes"),
                                 callback_data=cb.MenuCallback(action=cb.MenuAction.MYVOTES).pack()),
            InlineKeyboardButton(text=t(lang, "menu_rules"),
                                 callback_data=cb.MenuCallback(action=cb.MenuAction.RULES).pack()),
        ],
    ])


def _sphere_label(lang: str, sphere: SphereItem | None) -> str:
    return t(lang, "card_sphere", sphere=sphere.name(lang) if sphere else t(lang, "sphere_all"))


def card(lang: str, item: CandidateCard) -> InlineKeyboardMarkup:
    """◀ n/N ▶ · support (or "you supported") · sphere filter · the page on the website."""
    sphere_id = item.sphere_filter.id if item.sphere_filter else 0
    rows: list[list[InlineKeyboardButton]] = []
    if item.total > 1:
        rows.append([
            InlineKeyboardButton(text=t(lang, "card_prev"),
                                 callback_data=cb.CardCallback(sphere_id=sphere_id, index=item.index - 1).pack()),
            InlineKeyboardButton(text=f"{item.index + 1}/{item.total}", callback_data=cb.NoopCallback().pack()),
            InlineKeyboardButton(text=t(lang, "card_next"),
                                 callback_data=cb.CardCallback(sphere_id=sphere_id, index=item.index + 1).pack()),
        ])
    rows.append(vote_row(lang, candidate_id=item.candidate_id, sphere_id=sphere_id, index=item.index,
                         voted=item.voted))
    if len(item.spheres) > 1:
        rows.append([InlineKeyboardButton(
            text=_sphere_label(lang, item.sphere_filter),
            callback_data=cb.SphereMenuCallback(sphere_id=sphere_id, index=item.index).pack(),
        )])
    rows.append([InlineKeyboardButton(text=t(lang, "card_site"), url=item.page_url)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def vote_row(lang: str, *, candidate_id: int, sphere_id: int, index: int, voted: bool) -> list[InlineKeyboardButton]:
    if voted:
        return [InlineKeyboardButton(
            text=t(lang, "card_voted"), callback_data=cb.VotedCallback(candidate_id=candidate_id).pack()
        )]
    return [InlineKeyboardButton(
        text=t(lang, "card_vote"),
        callback_data=cb.VoteAskCallback(candidate_id=candidate_id, sphere_id=sphere_id, index=index).pack(),
    )]


def confirm_row(lang: str, *, candidate_id: int, sphere_id: int, index: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=t(lang, "vote_confirm"),
            callback_data=cb.VoteConfirmCallback(candidate_id=candidate_id, sphere_id=sphere_id, index=index).pack(),
        ),
        InlineKeyboardButton(
            text=t(lang, "vote_cancel"),
            callback_data=cb.VoteCancelCallback(candidate_id=candidate_id, sphere_id=sphere_id, index=index).pack(),
        ),
    ]


_VOTE_ROW_PREFIXES = tuple(
    f"{kind.__prefix__}{kind.__separator__}"
    for kind in (cb.VoteAskCallback, cb.VoteConfirmCallback, cb.VoteCancelCallback, cb.VotedCallback)
)


def with_vote_row(markup: InlineKeyboardMarkup | None, row: list[InlineKeyboardButton]) -> InlineKeyboardMarkup | None:
    """The card's own buttons (as the message carries them) with the vote row swapped for `row`, so that
    confirming and voting change the buttons without reading the card again. None when the message has no
    vote row (an old or unexpected message: then the card is read again)."""
    if markup is None:
        return None
    rows = [list(existing) for existing in markup.inline_keyboard]
    for position, existing in enumerate(rows):
        if any((button.callback_data or "").startswith(_VOTE_ROW_PREFIXES) for button in existing):
            rows[position] = row
            return InlineKeyboardMarkup(inline_keyboard=rows)
    return None


def vote_confirm(lang: str, *, candidate_id: int, sphere_id: int, index: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(
            text=t(lang, "vote_confirm"),
            callback_data=cb.VoteConfirmCallback(candidate_id=candidate_id, sphere_id=sphere_id, index=index).pack(),
        ),
        InlineKeyboardButton(
            text=t(lang, "vote_cancel"), callback_data=cb.CardCallback(sphere_id=sphere_id, index=index).pack()
        ),
    ]])


def spheres(lang: str, items: tuple[SphereItem, ...], *, back_sphere_id: int, back_index: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t(lang, "sphere_all_button"), callback_data=cb.CardCallback(sphere_id=0, index=0))
    for sphere in items:
        builder.button(text=sphere.name(lang), callback_data=cb.CardCallback(sphere_id=sphere.id, index=0))
    builder.adjust(1)
    builder.row(InlineKeyboardButton(
        text=t(lang, "sphere_back"), callback_data=cb.CardCallback(sphere_id=back_sphere_id, index=back_index).pack()
    ))
    return builder.as_markup()


def empty_list(lang: str, item: EmptyList) -> InlineKeyboardMarkup | None:
    if not item.spheres or item.sphere_filter is None:
        return None
    return spheres(lang, item.spheres, back_sphere_id=0, back_index=0)

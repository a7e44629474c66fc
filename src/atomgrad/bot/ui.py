"""Putting things on the screen: candidate cards (photo, caption, buttons) and short answers to a button.

Shared by the handlers; talks to Telegram and, for photos, to `bot.services`.
"""

from __future__ import annotations

import contextlib
import logging
import os

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, CallbackQuery, InputMediaPhoto, Message

from atomgrad.bot import keyboards, services
from atomgrad.bot.services import CandidateCard, EmptyList
from atomgrad.bot.texts import esc, t

logger = logging.getLogger("atomgrad.bot")

# Telegram shows at most 200 characters in an answer to a button; longer refusals go to the chat.
CALLBACK_TEXT_LIMIT = 200


async def tell(query: CallbackQuery, text: str, *, alert: bool = True) -> None:
    """Answer a button press with `text`: a pop-up when it fits, else a chat message."""
    if len(text) <= CALLBACK_TEXT_LIMIT:
        await query.answer(text, show_alert=alert)
        return
    await query.answer()
    if query.message is not None:
        await query.bot.send_message(query.message.chat.id, text)  # type: ignore[union-attr]


def card_caption(lang: str, card: CandidateCard) -> str:
    return t(
        lang, "card", name=esc(card.full_name), sphere=esc(card.sphere.name(lang)), position=esc(card.position),
        workplace=esc(card.workplace), story=esc(card.story_short), index=card.index + 1, total=card.total,
    )


def empty_text(lang: str, empty: EmptyList) -> str:
    city = esc(empty.city.name(lang))
    if empty.sphere_filter is not None:
        return t(lang, "no_candidates_sphere", city=city, sphere=esc(empty.sphere_filter.name(lang)))
    return t(lang, "no_candidates", city=city)


async def _photo(bot: Bot, card: CandidateCard) -> BufferedInputFile | str | None:
    """The cached Telegram file id of the photo, else its bytes to upload, else None (a card without photo)."""
    if card.photo_file_id:
        return card.photo_file_id
    if not card.photo_name:
        return None
    data = await services.aphoto_bytes(storage_name=card.photo_name)
    if data is None:
        return None
    return BufferedInputFile(data, filename=os.path.basename(card.photo_name) or "photo.jpg")


async def _remember_photo(bot: Bot, card: CandidateCard, sent: Message | bool) -> None:
    if card.photo_file_id or not isinstance(sent, Message) or not sent.photo:
        return
    await services.aphoto_remember(bot_id=bot.id, storage_name=card.photo_name, file_id=sent.photo[-1].file_id)


async def send_card(bot: Bot, chat_id: int, lang: str, card: CandidateCard | EmptyList) -> None:
    if isinstance(card, EmptyList):
        await bot.send_message(chat_id, empty_text(lang, card), reply_markup=keyboards.empty_list(lang, card))
        return
    markup = keyboards.card(lang, card)
    caption = card_caption(lang, card)
    photo = await _photo(bot, card)
    if photo is None:
        await bot.send_message(chat_id, caption, reply_markup=markup)
        return
    try:
        sent = await bot.send_photo(chat_id, photo=photo, caption=caption, reply_markup=markup)
    except TelegramBadRequest:
        if not card.photo_file_id:
            raise
        # A file id Telegram no longer knows: forget it and upload the file again.
        await services.aphoto_forget(bot_id=bot.id, storage_name=card.photo_name)
        await send_card(bot, chat_id, lang, _without_file_id(card))
        return
    await _remember_photo(bot, card, sent)


def _without_file_id(card: CandidateCard) -> CandidateCard:
    from dataclasses import replace

    return replace(card, photo_file_id=None)


async def replace_card(query: CallbackQuery, lang: str, card: CandidateCard | EmptyList) -> None:
    """Show `card` in place of the card the button belongs to: edit the photo and caption when both are photo
    messages, edit the text when both are text, otherwise delete the old message and send a new one."""
    bot: Bot = query.bot  # type: ignore[assignment]
    message = query.message
    if not isinstance(message, Message):  # too old to edit (Telegram sends an InaccessibleMessage)
        if message is not None:
            await send_card(bot, message.chat.id, lang, card)
        return
    try:
        if isinstance(card, EmptyList):
            if message.text is not None:
                await message.edit_text(empty_text(lang, card), reply_markup=keyboards.empty_list(lang, card))
                return
        else:
            photo = await _photo(bot, card)
            if photo is not None and message.photo:
                media = InputMediaPhoto(media=photo, caption=card_caption(lang, card))
                edited = await message.edit_media(media=media, reply_markup=keyboards.card(lang, card))
                await _remember_photo(bot, card, edited)
                return
            if photo is None and message.text is not None:
                await message.edit_text(card_caption(lang, card), reply_markup=keyboards.card(lang, card))
                return
    except TelegramBadRequest as exc:
        if "not modified" in str(exc).lower():
            return
        logger.info("card could not be edited, sending it anew: %s", exc)
    with contextlib.suppress(TelegramBadRequest):
        await message.delete()
    await send_card(bot, message.chat.id, lang, card)


async def set_card_buttons(query: CallbackQuery, markup: object) -> None:
    """Replace only the buttons under the card (confirmation, sphere filter), ignoring "not modified"."""
    if not isinstance(query.message, Message):
        return
    try:
        await query.message.edit_reply_markup(reply_markup=markup)  # type: ignore[arg-type]
    except TelegramBadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise

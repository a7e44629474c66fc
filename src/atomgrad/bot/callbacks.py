"""Typed callback data of the inline buttons (aiogram's `CallbackData`; Telegram allows 64 bytes).

Callback data comes from the client and can be forged or stale: handlers treat every field as a claim to
check (the city is re-read from the voter, the candidate is re-loaded and the vote goes through the same
service as the web, which applies every rule).
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class ConsentAction(StrEnum):
    ACCEPT = "yes"
    DECLINE = "no"


class ConsentCallback(CallbackData, prefix="consent"):
    action: ConsentAction


class CityPageCallback(CallbackData, prefix="cities"):
    page: int


class CityPickCallback(CallbackData, prefix="city"):
    city_id: int


class NotifyCallback(CallbackData, prefix="notify"):
    on: bool


class MenuAction(StrEnum):
    CANDIDATES = "cand"
    MYVOTES = "mine"
    RULES = "rules"


class MenuCallback(CallbackData, prefix="menu"):
    action: MenuAction


class CardCallback(CallbackData, prefix="card"):
    """Show the card at position `index` of the voter's city list, filtered by `sphere_id` (0: all spheres)."""

    sphere_id: int = 0
    index: int = 0


class SphereMenuCallback(CallbackData, prefix="spheres"):
    """Replace the card's buttons with the sphere filter (remembering where the card was)."""

    sphere_id: int = 0
    index: int = 0


class VoteAskCallback(CallbackData, prefix="vask"):
    candidate_id: int
    sphere_id: int = 0
    index: int = 0


class VoteConfirmCallback(CallbackData, prefix="vote"):
    candidate_id: int
    sphere_id: int = 0
    index: int = 0


class VoteCancelCallback(CallbackData, prefix="vcancel"):
    """Back from the confirmation to the card's own vote button."""

    candidate_id: int
    sphere_id: int = 0
    index: int = 0


class VotedCallback(CallbackData, prefix="voted"):
    """The "you supported" marker: pressing it only says so."""

    candidate_id: int


class NoopCallback(CallbackData, prefix="noop"):
    """A button that only shows information (the "3 of 12" counter)."""

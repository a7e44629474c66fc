"""What a scenario plans: votes with their context and their ground-truth label, before anything is cast."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class CityShape:
    """A city as the scenarios see it: its slug and how many published candidates and voters it has."""

    slug: str
    candidates: int
    voters: int


@dataclass(frozen=True)
class PlannedVote:
    at: dt.datetime  # aware, UTC: when the vote is cast
    city: str  # city slug (the voter's and the candidate's)
    candidate: int  # index into the city's published candidates, alphabetical (0 … candidates-1)
    phone: str  # E.164, the voter's identity (one voter may cast several planned votes)
    channel: str  # "web", "api" or "telegram"
    ip: str  # the client's address
    user_agent: str
    code_requested_at: dt.datetime  # when the voter asked for the one-time code (web/api) or started the bot
    verified_at: dt.datetime  # when the voter verified (code entered, or contact shared in the bot)
    telegram_user_id: int | None  # bot votes only
    label: str  # "organic", "hard_negative", or "attack"
    scenario: str  # e.g. "organic", "workplace", "family", "sim_farm", "click_farm", "fresh_telegram", ...

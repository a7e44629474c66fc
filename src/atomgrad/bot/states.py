"""The conversation's states (aiogram FSM). Only registration has steps; everything else is stateless."""

from aiogram.fsm.state import State, StatesGroup


class Registration(StatesGroup):
    consent = State()  # the consent was shown, not yet accepted
    city = State()  # consent accepted, choosing the city (buttons or typing part of a name)
    contact = State()  # city chosen, waiting for the person's own contact

"""The Telegram channel of the award: an aiogram 3 bot that is a thin adapter over the voting services.

See docs/bot.md for how it runs (long polling, webhook), its state and the results broadcast.
"""

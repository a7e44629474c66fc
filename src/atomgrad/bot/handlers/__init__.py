"""One router per feature, as in aiogram's own examples. The order in `ROUTERS` is the order of matching:
`/cancel` and `/start` first (they work in any state), the catch-all reply last."""

from aiogram import Router

from atomgrad.bot.handlers import browse, city, info, start, verify, vote

ROUTERS: tuple[Router, ...] = (start.router, city.router, verify.router, browse.router, vote.router, info.router)

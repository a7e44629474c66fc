"""The webhook endpoint in the Django process: POST /telegram/webhook/.

For deployments that run the bot inside the web process (one service instead of two). The recommended
production setup is `manage.py runbot --webhook` (its own process, one long-lived HTTP session to the Bot API);
both answer the same way (see `bot.webhook`). Each request feeds its update to the dispatcher and waits for
the handlers, so Telegram retries an update only if the server did not answer.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from atomgrad.bot.webhook import SECRET_HEADER, WebhookRejected, webhook_payload

logger = logging.getLogger("atomgrad.bot")


@csrf_exempt
@require_POST
async def webhook(request: HttpRequest) -> HttpResponse:
    try:
        payload = webhook_payload(secret_header=request.headers.get(SECRET_HEADER), body=request.body)
    except WebhookRejected as rejected:
        logger.warning("webhook request rejected (%s): %s", rejected.status, rejected.reason)
        return HttpResponse(status=rejected.status)
    # aiogram is imported here, not at module level: importing it builds hundreds of pydantic models (seconds),
    # which every web worker would otherwise pay on its first request even if it never sees a webhook.
    from aiogram.types import Update

    from atomgrad.bot.dispatcher import build_bot, get_dispatcher

    dispatcher = get_dispatcher()
    # A Bot's HTTP session belongs to one event loop; under WSGI each async view runs in a loop of its own.
    bot = build_bot(request_scoped=True)
    try:
        await dispatcher.feed_update(bot, Update.model_validate(payload, context={"bot": bot}))
    finally:
        await bot.session.close()
    return HttpResponse(status=200)

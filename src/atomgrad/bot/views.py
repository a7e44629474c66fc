"""The webhook endpoint in the Django process: POST /telegram/webhook/.

Imported on the first webhook request only (`bot.urls`): aiogram builds hundreds of pydantic models on import.
For deployments that run the bot inside the web process (one service instead of two). The recommended
production setup is `manage.py runbot --webhook` (its own process, one long-lived HTTP session to the Bot API);
both check a request the same way (see `bot.webhook`). Each request feeds its update to the dispatcher and waits
for the handlers, so Telegram retries an update only if the server did not answer. A button press is answered
through the Bot API at once, as with long polling: this endpoint is the one-service fallback; the server for
load is `runbot --webhook`, which carries the answer in its HTTP reply instead.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from atomgrad.bot.dispatcher import build_bot, get_dispatcher
from atomgrad.bot.webhook import SECRET_HEADER, WebhookRejected, handle_update, webhook_payload

logger = logging.getLogger("atomgrad.bot")


@csrf_exempt
@require_POST
async def webhook(request: HttpRequest) -> HttpResponse:
    try:
        payload = webhook_payload(secret_header=request.headers.get(SECRET_HEADER), body=request.body)
        # A Bot's HTTP session belongs to one event loop; under WSGI each async view runs in a loop of its own.
        bot = build_bot(request_scoped=True)
        try:
            await handle_update(get_dispatcher(), bot, payload)
        finally:
            await bot.session.close()
    except WebhookRejected as rejected:
        logger.warning("webhook request rejected (%s): %s", rejected.status, rejected.reason)
        return HttpResponse(status=rejected.status)
    return HttpResponse(status=200)

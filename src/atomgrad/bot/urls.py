from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

app_name = "bot"


@csrf_exempt
async def webhook(request: HttpRequest) -> HttpResponse:
    """Imports the bot on first use: importing aiogram builds hundreds of pydantic models (seconds of CPU),
    which every web worker would otherwise pay at start-up even if it never receives a webhook."""
    from atomgrad.bot.views import webhook as webhook_view

    return await webhook_view(request)


urlpatterns = [path("webhook/", webhook, name="webhook")]

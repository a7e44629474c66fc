from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from atomgrad.core.http import PRIVATE_ATTRIBUTE


class RussianFirstLocaleMiddleware(LocaleMiddleware):
    """Russian unless the person chose English with the switch (the language cookie).

    Django's own middleware would follow the browser's Accept-Language, so a resident whose phone is set to
    English would get an English award site they never asked for."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class PrivateResponseMiddleware:
    """`Cache-Control: private, no-store` (and no-cache, max-age=0) on every response marked with
    `core.http.mark_private`: the pages and API answers that depend on the voter."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, PRIVATE_ATTRIBUTE, False):
            add_never_cache_headers(response)
        return response

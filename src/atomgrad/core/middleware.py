import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, RawPostDataException, UnreadablePostError
from django.middleware.locale import LocaleMiddleware
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from atomgrad.core.errors import ApplicationError
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


# --- refusing NUL anywhere in the input -------------------------------------------------------------------------

# A NUL in JSON is the escape \u0000 preceded by an even number of backslashes (an odd number would make the
# backslash before `u` itself escaped text).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path_info or any("\x00" in key or "\x00" in value for key, value in request.COOKIES.items()):
        return True
    if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
        return True
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return False
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        # Form fields only: an uploaded file's bytes may hold NUL (a PNG does) and never reach a query.
        return any("\x00" in key or any("\x00" in value for value in values) for key, values in request.POST.lists())
    body = request.body  # JSON or anything else (bounded by DATA_UPLOAD_MAX_MEMORY_SIZE)
    return b"\x00" in body or _JSON_NUL.search(body) is not None


class RefuseNulMiddleware:
    """Refuse a request with a NUL character in its path, query, cookies, form fields or JSON body: 400
    `invalid_characters`, before any view runs.

    NUL is never meaningful input, and PostgreSQL refuses any statement that carries one in a string, so without
    this every lookup by a typed value (a city's slug, a search, a receipt code, a session cookie) would be a
    500 on PostgreSQL while SQLite quietly accepted it. One guard here covers every field, present and future.
    (Other control characters are refused field by field, with a message there: `core.text`.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            refused = _has_nul(request)
        except (RawPostDataException, UnreadablePostError, ValueError):
            refused = False  # an unreadable body is the view's (or Django's) to answer
        if refused:
            return invalid_characters_response(request)
        return self.get_response(request)


def invalid_characters_response(request: HttpRequest) -> HttpResponse:
    refusal = ApplicationError(
        "invalid_characters",
        "Запрос содержит недопустимый символ NUL (U+0000). Проверьте адрес и введённые данные.",
        "The request holds the forbidden character NUL (U+0000). Check the address and what was typed.",
        status=400,
    )
    if is_api_request(request):
        return JsonResponse(refusal.as_json(), status=400)
    return HttpResponse(
        render_to_string("core/bad_request.html", {"message": refusal.message_ru, "message_en": refusal.message_en}),
        status=400,
    )


# --- one JSON error shape under /api/ ---------------------------------------------------------------------------

logger = logging.getLogger("atomgrad.api")

_API_ERRORS = {
    400: ("bad_request", "Запрос не может быть обработан.", "The request cannot be processed."),
    401: ("not_authenticated", "Нужна авторизация.", "Authentication is needed."),
    403: ("forbidden", "Доступ запрещён.", "Access is forbidden."),
    404: ("not_found", "Такого адреса в API нет.", "There is no such address in the API."),
    405: ("method_not_allowed", "Этот метод для адреса не поддерживается.",
          "This method is not supported for the address."),
    413: ("request_too_large", "Запрос слишком большой.", "The request is too large."),
    500: ("server_error", "Внутренняя ошибка сервера. Мы уже знаем о ней; попробуйте позже.",
          "Internal server error. It has been logged; please try again later."),
}


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def api_error_response(status: int) -> JsonResponse:
    code, message_ru, message_en = _API_ERRORS.get(
        status, ("http_error", "Запрос не может быть выполнен.", "The request cannot be served."))
    return JsonResponse(ApplicationError(code, message_ru, message_en, status=status).as_json(), status=status)


class ApiErrorShapeMiddleware:
    """Under /api/ every error answers the one JSON error shape (`core.errors`): an unknown address, a wrong
    method, Django's own 400 for a bad host, and an unhandled exception (500, logged with its traceback).

    The API's own refusals are already in the shape (`atomgrad.api`); this catches what happens outside its
    handlers or after them, so a client never has to parse an HTML error page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (is_api_request(request) and response.status_code >= 400
                and not response.get("Content-Type", "").startswith("application/json")):
            shaped = api_error_response(response.status_code)
            if response.has_header("Allow"):
                shaped["Allow"] = response["Allow"]
            if response.has_header("WWW-Authenticate"):
                shaped["WWW-Authenticate"] = response["WWW-Authenticate"]
            return shaped
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api_request(request) or isinstance(exception, Http404 | PermissionDenied):
            return None
        logger.exception("Unhandled error in %s %s", request.method, request.path, exc_info=exception)
        return api_error_response(500)


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

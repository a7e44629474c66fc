"""The JSON API root: /api/v1/ (each app adds its router), OpenAPI document at /api/openapi.json."""

import logging
from typing import Any

from django.http import Http404, HttpRequest, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from atomgrad.core.errors import ApplicationError
from atomgrad.core.middleware import api_error_response

logger = logging.getLogger("atomgrad.api")

# The refusals any operation can answer, documented on each operation by `AtomgradAPI` (the shape is
# `core.errors.ApplicationError.as_json()`).
ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["code", "message", "details"],
    "properties": {
        "code": {"type": "string", "description": "Стабильный код отказа / A stable, machine-readable code"},
        "message": {
            "type": "object", "required": ["ru", "en"],
            "properties": {"ru": {"type": "string"}, "en": {"type": "string"}},
        },
        "details": {"type": "object", "additionalProperties": True},
    },
}
GENERIC_REFUSALS = {
    400: "`invalid_json`: the body is not a JSON object; `invalid_characters`: NUL (U+0000) somewhere in the "
           "request / тело не JSON или в запросе символ NUL",
    401: "`not_authenticated`: no valid bearer token / нет действующего токена",
    422: "`invalid_request`: a parameter or field does not match this document (`details.errors` says where) "
           "/ запрос не соответствует описанию",
}


class AtomgradAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document lists, on every operation, the refusals any operation can answer (400 for
    a body that is not JSON or a NUL anywhere, 422 for parameters that do not match, 401 where a token is
    needed), all with the one error schema — so a client, or schemathesis, knows every status it may get."""

    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                statuses = [400]
                if operation.get("parameters") or operation.get("requestBody"):
                    statuses.append(422)
                if operation.get("security"):
                    statuses.append(401)
                for status in statuses:
                    responses.setdefault(status, {"description": GENERIC_REFUSALS[status], "content": error})
                for status, response in responses.items():
                    if int(status) in GENERIC_REFUSALS and not response.get("description", "").startswith("`"):
                        response["description"] = GENERIC_REFUSALS[int(status)] + ". " + response.get("description", "")
        return schema


api = AtomgradAPI(
    title="atomgrad API",
    version="1",
    description=(
        "Открытый API премии «Новые Созидатели» / The open API of the «New Creators» award. "
        "Ошибки: `{code, message: {ru, en}, details}` / Errors carry a code and messages in both languages."
    ),
    urls_namespace="api",
)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> JsonResponse:
    return JsonResponse(exc.as_json(), status=exc.status)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> JsonResponse:
    """401 in the one error shape (an endpoint with `auth=VoterBearer()` and no valid bearer token)."""
    refusal = ApplicationError(
        "not_authenticated",
        "Нужен действующий токен: получите его через POST /api/v1/auth/verify и передайте в заголовке "
        "Authorization: Bearer <токен>.",
        "A valid token is needed: get one from POST /api/v1/auth/verify and send it as "
        "Authorization: Bearer <token>.",
        status=401,
    )
    response = JsonResponse(refusal.as_json(), status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> JsonResponse:
    """422 in the one error shape for a body, query or path that does not match the schema (a missing field,
    text where a number is expected, …); `details.errors` says where."""
    refusal = ApplicationError(
        "invalid_request",
        "Запрос не прошёл проверку: поля и их типы должны соответствовать описанию в /api/openapi.json.",
        "The request is not valid: its fields and their types must match /api/openapi.json.",
        status=422,
        details={"errors": [{"loc": [str(part) for part in error.get("loc", ())], "msg": str(error.get("msg", "")),
                             "type": str(error.get("type", ""))} for error in exc.errors]},
    )
    return JsonResponse(refusal.as_json(), status=422)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> JsonResponse:
    """The one error shape for django-ninja's own refusals: chiefly a body that is not JSON (400)."""
    if exc.status_code == 400:
        refusal = ApplicationError(
            "invalid_json", "Тело запроса не удалось прочитать: нужен JSON-объект.",
            "The request body could not be read: a JSON object is expected.", status=400,
        )
    else:
        refusal = ApplicationError(
            "http_error", "Запрос не может быть выполнен.", f"The request cannot be served: {exc}.",
            status=exc.status_code,
        )
    return JsonResponse(refusal.as_json(), status=refusal.status)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> JsonResponse:
    return api_error_response(404)


@api.exception_handler(Exception)
def server_error(request: HttpRequest, exc: Exception) -> JsonResponse:
    """A bug or an outage (the database gone) is a 500 in the one error shape, logged with its traceback; the
    answer says nothing about the cause."""
    logger.exception("Unhandled error in %s %s", request.method, request.path, exc_info=exc)
    return api_error_response(500)


def _register_routers() -> None:
    from atomgrad.award.api import router as award_router
    from atomgrad.citystats.api import router as citystats_router
    from atomgrad.results.api import router as results_router
    from atomgrad.voting.api import router as voting_router
    from atomgrad.voting.api_auth import router as auth_router

    api.add_router("", award_router)
    api.add_router("", voting_router)
    api.add_router("", auth_router)
    api.add_router("", results_router)
    api.add_router("", citystats_router)


_register_routers()


def openapi_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(api.get_openapi_schema(path_prefix="/api/v1"))

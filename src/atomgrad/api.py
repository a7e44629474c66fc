"""The JSON API root: /api/v1/ (each app adds its router), OpenAPI document at /api/openapi.json."""

from django.http import HttpRequest, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from atomgrad.core.errors import ApplicationError

api = NinjaAPI(
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


def _register_routers() -> None:
    from atomgrad.award.api import router as award_router
    from atomgrad.results.api import router as results_router
    from atomgrad.voting.api import router as voting_router
    from atomgrad.voting.api_auth import router as auth_router

    api.add_router("", award_router)
    api.add_router("", voting_router)
    api.add_router("", auth_router)
    api.add_router("", results_router)


_register_routers()


def openapi_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(api.get_openapi_schema(path_prefix="/api/v1"))

"""The JSON API root: /api/v1/ (each app adds its router), OpenAPI document at /api/openapi.json."""

from django.http import HttpRequest, JsonResponse
from ninja import NinjaAPI

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


def _register_routers() -> None:
    from atomgrad.award.api import router as award_router
    from atomgrad.voting.api import router as voting_router
    from atomgrad.voting.api_auth import router as auth_router

    api.add_router("", award_router)
    api.add_router("", voting_router)
    api.add_router("", auth_router)


_register_routers()


def openapi_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(api.get_openapi_schema(path_prefix="/api/v1"))

"""The voter's log-in over the API: request a code, verify it (with city and consent), get a bearer token.

`VoterBearer` is the reusable ninja auth class for endpoints that need a verified voter
(`Authorization: Bearer <token>`): it resolves the token to the `SeasonVoter`, or answers 401.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.security import HttpBearer

from atomgrad.voting.auth import token_authenticate
from atomgrad.voting.models import SeasonVoter


class VoterBearer(HttpBearer):
    """`Authorization: Bearer <token>` → the `SeasonVoter` the token was issued to (`request.auth`).

    An unknown or expired token returns None, which django-ninja answers with 401.
    """

    openapi_description = "Токен жителя из POST /api/v1/auth/verify / The voter's token from POST /api/v1/auth/verify"

    def authenticate(self, request: HttpRequest, token: str) -> SeasonVoter | None:
        return token_authenticate(token)


router = Router(tags=["auth"])

"""The voter's log-in over the API: request a code, verify it (with city and consent), get a bearer token.

    POST /api/v1/auth/code    {"phone": "+7 900 123-45-67"}                          → 202 {"status": "sent", ...}
    POST /api/v1/auth/verify  {"phone", "code", "city": "<slug>", "consent": true}   → 200 {"token": "...", ...}

Refusals are `{code, message: {ru, en}, details}` (see `voting.services.identity` for the codes). Nothing
the API answers contains the phone number. `VoterBearer` is the reusable ninja auth class for endpoints that
need a verified voter (`Authorization: Bearer <token>`): it resolves the token to the `SeasonVoter`
(`request.auth`), or the endpoint answers 401.
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, RawPostDataException, UnreadablePostError
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.security import HttpBearer

from atomgrad.award.models import Application
from atomgrad.award.schemas import ErrorOut
from atomgrad.award.selectors import season_current
from atomgrad.core.apitypes import StrictIn
from atomgrad.core.http import client_ip, mark_private
from atomgrad.core.timefmt import to_moscow
from atomgrad.voting.auth import (
    TOKEN_LIFETIME,
    token_authenticate,
    token_authenticate_with_candidate,
    token_expiry,
    token_issue,
    token_revoke,
)
from atomgrad.voting.models import Channel, SeasonVoter
from atomgrad.voting.services.identity import CODE_LIFETIME, otp_limits, otp_request, voter_verify_and_register


class VoterBearer(HttpBearer):
    """`Authorization: Bearer <token>` → the `SeasonVoter` the token was issued to (`request.auth`).

    An unknown or expired token returns None, which django-ninja answers with 401.
    """

    openapi_description = "Токен жителя из POST /api/v1/auth/verify / The voter's token from POST /api/v1/auth/verify"

    def __init__(self, *, with_vote_candidate: bool = False) -> None:
        """`with_vote_candidate` (POST /votes only): the published candidate the JSON body names is read in the
        same round trip as the token and left on the request (`vote_candidate_prefetched`), for the endpoint to
        use once the body has passed validation. What the endpoint answers does not change: authentication
        still comes first, and a body that fails validation is refused as before."""
        super().__init__()
        self.with_vote_candidate = with_vote_candidate

    def authenticate(self, request: HttpRequest, token: str) -> SeasonVoter | None:
        if self.with_vote_candidate:
            candidate_id = _candidate_id_in_body(request)
            voter, candidate = token_authenticate_with_candidate(token, candidate_id=candidate_id)
            setattr(request, _PREFETCHED_CANDIDATE, (candidate_id, candidate))
        else:
            voter = token_authenticate(token)
        if voter is not None:
            mark_private(request)  # the answer depends on the voter: Cache-Control: private, no-store
            request.atomgrad_bearer_token = token  # type: ignore[attr-defined]  # for /auth/logout
        return voter


_PREFETCHED_CANDIDATE = "atomgrad_vote_candidate"


def _candidate_id_in_body(request: HttpRequest) -> int | None:
    """The integer `candidate` of a JSON object body, before validation (None for anything else: validation
    then refuses the body as usual)."""
    try:
        data = json.loads(request.body)
    except (ValueError, RecursionError, RawPostDataException, UnreadablePostError, RequestDataTooBig):
        return None  # (RecursionError: JSON nested too deep) whatever the body is, the answer is the endpoint's
    value = data.get("candidate") if isinstance(data, dict) else None
    return value if type(value) is int else None


def vote_candidate_prefetched(request: HttpRequest, candidate_id: int) -> tuple[bool, Application | None]:
    """(True, the candidate or None) when `VoterBearer(with_vote_candidate=True)` already read candidate
    `candidate_id` for this request; (False, None) when it did not, and the caller must read it."""
    prefetched_id, candidate = getattr(request, _PREFETCHED_CANDIDATE, (None, None))
    if prefetched_id is None or prefetched_id != candidate_id:
        return False, None
    return True, candidate


router = Router(tags=["auth"])


# What a typed phone number may hold: digits, a leading plus, spaces, brackets, dots and hyphens.
PHONE_PATTERN = r"^\+?[0-9 ().-]{0,39}$"


class CodeIn(StrictIn):
    phone: str = Field(
        "", max_length=40, pattern=PHONE_PATTERN,
        description="Номер мобильного телефона (+7 …, 8 …) / Mobile phone number", examples=["+7 900 123-45-67"],
    )


class CodeSentOut(Schema):
    status: str = Field(description="`sent`: код отправлен в SMS / the code has been sent by SMS")
    expires_in_seconds: int = Field(description="Сколько секунд действует код / How long the code is valid")
    resend_after_seconds: int = Field(description="Когда можно запросить новый код / When a new code may be asked")


class VerifyIn(StrictIn):
    phone: str = Field("", max_length=40, pattern=PHONE_PATTERN,
                       description="Тот же номер, что в /auth/code / The same number")
    code: str = Field("", max_length=20, pattern=r"^[0-9 -]*$",
                      description="Код из SMS, 6 цифр / The 6-digit code from the SMS")
    city: str = Field(
        "", max_length=64, pattern=r"^[a-z0-9-]*$",
        description="Код (slug) города проживания / The slug of the city you live in", examples=["zheleznogorsk"],
    )
    consent: bool = Field(
        False, description="Согласие на обработку персональных данных (обязательно) / Consent (required)"
    )


class TokenOut(Schema):
    token: str = Field(description="Для заголовка `Authorization: Bearer <token>` / For the Authorization header")
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_at: dt.datetime
    season: int = Field(description="Год сезона / The season's year")
    city: str = Field(description="Город голосования (slug) / The city the voter votes in")
    votes_cast: int
    votes_per_voter: int


@router.post(
    "/auth/code",
    response={202: CodeSentOut, 422: ErrorOut, 429: ErrorOut, 503: ErrorOut},
    summary="Отправить код в SMS / Send a one-time code by SMS",
    description=(
        "Шлёт 6-значный код на номер (действует 5 минут). Лимиты: не чаще раза в минуту и не больше 5 кодов в час "
        "на номер; общие бюджеты на блок из 10 000 номеров, на «людные» адреса и на всю платформу "
        "(`too_many_codes`, 429, `details.reason`). Номера диапазонов, тарифицируемых как международные "
        "(+7 940 …), отклоняются (`invalid_phone`). / Sends a 6-digit code valid for 5 minutes; limited per "
        "number, per block of numbers, for crowded addresses and globally (`too_many_codes`, 429)."
    ),
)
def auth_code(request: HttpRequest, payload: CodeIn) -> tuple[int, CodeSentOut]:
    otp_request(phone_raw=payload.phone, client_ip=client_ip(request))
    return 202, CodeSentOut(
        status="sent",
        expires_in_seconds=int(CODE_LIFETIME.total_seconds()),
        resend_after_seconds=int(otp_limits().resend_interval.total_seconds()),
    )


@router.post(
    "/auth/verify",
    response={200: TokenOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut, 503: ErrorOut},
    summary="Проверить код и получить токен / Verify the code and get a token",
    description=(
        "Проверяет код, записывает город проживания и согласие в текущем сезоне и выдаёт токен для "
        "`Authorization: Bearer`. Коды отказов: `invalid_phone`, `invalid_code`, `code_expired`, "
        "`too_many_attempts`, `locked_out`, `unknown_city`, `consent_required`, `city_fixed`, `voting_not_open`. "
        "/ Checks the code, records the city and consent in the current season and issues a bearer token."
    ),
)
def auth_verify(request: HttpRequest, payload: VerifyIn) -> TokenOut:
    season = season_current()
    voter = voter_verify_and_register(
        season=season, phone_raw=payload.phone, code=payload.code, city_slug=payload.city,
        consent=payload.consent, channel=Channel.API, client_ip=client_ip(request),
    )
    mark_private(request)  # a token is never cached
    token = token_issue(voter=voter)
    return TokenOut(
        token=token,
        expires_at=to_moscow(token_expiry(token) or timezone.now() + TOKEN_LIFETIME),
        season=voter.season.year,
        city=voter.city.slug,
        votes_cast=voter.votes_cast,
        votes_per_voter=voter.season.votes_per_voter,
    )


class LoggedOutOut(Schema):
    status: str = Field(description="`logged_out`: токен отозван / the token is revoked")


@router.post(
    "/auth/logout",
    auth=VoterBearer(),
    response={200: LoggedOutOut, 401: ErrorOut},
    summary="Выйти: отозвать токен / Log out: revoke the token",
    description=(
        "Отзывает токен из заголовка `Authorization: Bearer`: дальше он отвечает 401. Новый вход "
        "(`/auth/verify`) тоже отзывает прежние токены того же человека. / Revokes the bearer token sent with "
        "the request (it answers 401 afterwards); a new log-in also retires the person's earlier tokens."
    ),
)
def auth_logout(request: HttpRequest) -> LoggedOutOut:
    token_revoke(raw=request.atomgrad_bearer_token)  # type: ignore[attr-defined]
    return LoggedOutOut(status="logged_out")

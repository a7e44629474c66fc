"""How a verified voter is recognised on each request: a session on the web, a bearer token in the API.

Both resolve to a `SeasonVoter`. Tokens are random; only their SHA-256 is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.http import HttpRequest
from django.utils import timezone

from atomgrad.award.models import Season
from atomgrad.voting import queries
from atomgrad.voting.models import SeasonVoter, VoterToken

SESSION_KEY = "atomgrad_season_voter_id"
# The verified person (VoterIdentity) of the session, whatever the season: «Мои голоса» of earlier seasons.
IDENTITY_KEY = "atomgrad_voter_identity_id"
TOKEN_LIFETIME = dt.timedelta(days=30)


def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_issue(*, voter: SeasonVoter) -> str:
    raw = secrets.token_urlsafe(32)
    VoterToken.objects.create(
        token_hash=_token_digest(raw), voter=voter, expires_at=timezone.now() + TOKEN_LIFETIME
    )
    return raw


def token_authenticate(raw: str) -> SeasonVoter | None:
    """The voter of an unexpired token, with `season` and `city` loaded (one statement: this runs on every API
    vote, so it is written as SQL in `voting.queries`)."""
    if not raw:
        return None
    return queries.voter_by_token(token_hash=_token_digest(raw), now=timezone.now())


def token_expiry(raw: str) -> dt.datetime | None:
    """When the token stops working (None for an unknown token)."""
    return VoterToken.objects.filter(token_hash=_token_digest(raw)).values_list("expires_at", flat=True).first()


def session_login(request: HttpRequest, *, voter: SeasonVoter) -> None:
    request.session.cycle_key()  # a fresh session id at the moment of verification (no fixation)
    request.session[SESSION_KEY] = voter.pk
    request.session[IDENTITY_KEY] = voter.identity_id


def session_identity_remember(request: HttpRequest, *, identity_id: int) -> None:
    """The person proved their phone (a code): remember who they are, before any season's registration."""
    request.session[IDENTITY_KEY] = identity_id


def session_identity_id(request: HttpRequest) -> int | None:
    """The verified person of this session (from the code check or a season's registration), or None."""
    identity_id = request.session.get(IDENTITY_KEY)
    if identity_id is not None:
        return int(identity_id)
    voter_id = request.session.get(SESSION_KEY)
    if voter_id is None:
        return None
    return SeasonVoter.objects.filter(pk=voter_id).values_list("identity_id", flat=True).first()


def session_logout(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.pop(IDENTITY_KEY, None)


def session_voter(request: HttpRequest, *, season: Season | None = None) -> SeasonVoter | None:
    voter_id = request.session.get(SESSION_KEY)
    if voter_id is None:
        return None
    voters = SeasonVoter.objects.select_related("season", "city").filter(pk=voter_id)
    if season is not None:
        voters = voters.filter(season=season)
    return voters.first()


"""How a verified voter is recognised on each request: a session on the web, a bearer token in the API.

Both resolve to a `SeasonVoter`. Tokens are random; only their SHA-256 is stored. A new API log-in retires the
voter's earlier tokens, `POST /api/v1/auth/logout` revokes the token it carries, and `token_purge` (run by
`manage.py retention_purge`) deletes expired ones.

Every response that depends on who the voter is (anything that looked the voter up) is marked private
(`mark_private`), and `core.middleware.PrivateResponseMiddleware` sends it with
`Cache-Control: private, no-store`: on a shared family phone the browser must not keep the receipts either.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from atomgrad.award.models import Application, Season
from atomgrad.core.http import mark_private
from atomgrad.voting import queries
from atomgrad.voting.models import SeasonVoter, VoterIdentity, VoterToken

SESSION_KEY = "atomgrad_season_voter_id"
# The verified person (VoterIdentity) of the session, whatever the season: «Мои голоса» of earlier seasons.
IDENTITY_KEY = "atomgrad_voter_identity_id"
TOKEN_LIFETIME = dt.timedelta(days=30)


def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_issue(*, voter: SeasonVoter) -> str:
    """A new bearer token for the voter; every earlier token of the same person (any season) stops working.

    The person's identity row is locked (SELECT … FOR UPDATE) so that parallel log-ins leave one token."""
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        VoterIdentity.objects.select_for_update().filter(pk=voter.identity_id).exists()
        VoterToken.objects.filter(voter__identity_id=voter.identity_id).delete()
        VoterToken.objects.create(
            token_hash=_token_digest(raw), voter=voter, expires_at=timezone.now() + TOKEN_LIFETIME
        )
    return raw


def token_revoke(*, raw: str) -> bool:
    """Revoke one token (the API's log-out). True if it existed."""
    deleted, _ = VoterToken.objects.filter(token_hash=_token_digest(raw)).delete()
    return bool(deleted)


def token_purge(*, now: dt.datetime | None = None) -> int:
    """Delete expired tokens (they authenticate nobody any more). Returns how many."""
    deleted, _ = VoterToken.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


def token_authenticate(raw: str) -> SeasonVoter | None:
    """The voter of an unexpired token, with `season` and `city` loaded (one statement: this runs on every API
    vote, so it is written as SQL in `voting.queries`)."""
    if not raw:
        return None
    return queries.voter_by_token(token_hash=_token_digest(raw), now=timezone.now())


def token_authenticate_with_candidate(raw: str, *, candidate_id: int | None,
                                      ) -> tuple[SeasonVoter | None, Application | None]:
    """`token_authenticate`, and the published candidate `candidate_id` as
    `selectors.candidate_get_for_vote` reads it, in one round trip: the API's vote needs both first. The
    candidate is None when there is no such published candidate, when `candidate_id` is None, and when there
    is no token at all."""
    if not raw:
        return None, None
    return queries.voter_by_token_and_candidate(token_hash=_token_digest(raw), now=timezone.now(),
                                                candidate_id=candidate_id)


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
    if IDENTITY_KEY in request.session or SESSION_KEY in request.session:
        mark_private(request)
    identity_id = request.session.get(IDENTITY_KEY)
    if identity_id is not None:
        return int(identity_id)
    voter_id = request.session.get(SESSION_KEY)
    if voter_id is None:
        return None
    return SeasonVoter.objects.filter(pk=voter_id).values_list("identity_id", flat=True).first()


def session_logout(request: HttpRequest) -> None:
    """Forget the voter. Without a committee log-in in the same browser the whole session goes (the log-in
    flow, the applicant's «заявка отправлена» page, everything); otherwise only the voter's part."""
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        request.session.pop(SESSION_KEY, None)
        request.session.pop(IDENTITY_KEY, None)
        request.session.cycle_key()
    else:
        request.session.flush()
    mark_private(request)


def session_has_voter(request: HttpRequest) -> bool:
    """Whether a voter (or a verified person not yet registered in a season) is logged in — no database query:
    for the header's «Выйти» button."""
    return SESSION_KEY in request.session or IDENTITY_KEY in request.session


def session_voter(request: HttpRequest, *, season: Season | None = None) -> SeasonVoter | None:
    voter_id = request.session.get(SESSION_KEY)
    if voter_id is None:
        return None
    mark_private(request)
    voters = SeasonVoter.objects.select_related("season", "city").filter(pk=voter_id)
    if season is not None:
        voters = voters.filter(season=season)
    return voters.first()


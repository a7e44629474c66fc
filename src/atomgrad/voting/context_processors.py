from django.http import HttpRequest

from atomgrad.core.http import mark_private
from atomgrad.voting.auth import session_has_voter


def voter(request: HttpRequest) -> dict[str, object]:
    """`voter_signed_in` for the header's «Выйти» button (no database query). A page that shows it depends on
    the voter, so it is marked private."""
    signed_in = hasattr(request, "session") and session_has_voter(request)
    if signed_in:
        mark_private(request)
    return {"voter_signed_in": signed_in}

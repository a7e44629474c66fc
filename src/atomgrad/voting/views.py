"""The vote on the web: confirm and cast, the receipt, «Мои голоса», and the public receipt check.

Thin: the service decides (`vote_cast`), selectors read, these views pick a template. Everything works
without JavaScript; every state-changing form has CSRF. Refusals are shown in the person's language.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from atomgrad.award.models import Application
from atomgrad.award.selectors import season_current
from atomgrad.core.errors import ApplicationError
from atomgrad.voting import selectors
from atomgrad.voting.auth import session_identity_id, session_voter
from atomgrad.voting.models import Channel, SeasonVoter, Vote
from atomgrad.voting.receipts import receipt_display, receipt_normalise
from atomgrad.voting.services.ballots import (
    already_voted_error,
    limit_reached_error,
    vote_cast,
    vote_precheck,
)
from atomgrad.voting.signals import VoteContext


def _login_redirect(request: HttpRequest, next_url: str) -> HttpResponseRedirect:
    return redirect(f"{reverse('voting:login')}?{urlencode({'next': next_url})}")


def _refusal_before_confirm(voter: SeasonVoter, candidate: Application) -> ApplicationError | None:
    """Why the vote would be refused, known before the person confirms (the service decides again on POST)."""
    try:
        vote_precheck(voter=voter, candidate=candidate)
    except ApplicationError as error:
        return error
    ballot = selectors.ballot_for(season=voter.season, voter=voter)
    if candidate.pk in ballot.voted:
        return already_voted_error(candidate)
    if ballot.votes_left <= 0:
        return limit_reached_error(voter.season.votes_per_voter)
    return None


@require_http_methods(["GET", "POST"])
def vote_confirm(request: HttpRequest, candidate_id: int) -> HttpResponse:
    """«Вы голосуете за … Подтвердить». GET, or a POST from a vote button, shows the confirmation; a POST with
    `confirm=1` from this page casts the vote and sends the voter to the receipt."""
    candidate = selectors.candidate_get_for_vote(candidate_id=candidate_id)
    if candidate is None:
        raise Http404
    here = reverse("voting:confirm", args=[candidate.pk])
    voter = session_voter(request, season=candidate.season)
    if voter is None:
        return _login_redirect(request, here)
    error: ApplicationError | None
    if request.method == "POST" and request.POST.get("confirm") == "1":
        try:
            vote = vote_cast(voter=voter, candidate=candidate, channel=Channel.WEB,
                             context=VoteContext.from_request(request))
        except ApplicationError as refusal:
            error = refusal
        else:
            return redirect("voting:receipt", code=vote.receipt)
    else:
        error = _refusal_before_confirm(voter, candidate)
    context = {
        "candidate": candidate, "voter": voter, "votes_left": selectors.votes_left(voter=voter),
        "error": error.message(get_language()) if error else "", "error_code": error.code if error else "",
    }
    return render(request, "voting/confirm.html", context, status=error.status if error else 200)


@require_GET
def vote_receipt(request: HttpRequest, code: str) -> HttpResponse:
    """The receipt of a vote just cast, shown to the voter who cast it (anyone else: 404)."""
    normalised = receipt_normalise(code)
    voter = session_voter(request)
    if normalised is None or voter is None:
        raise Http404
    vote = (
        Vote.objects.filter(receipt=normalised, voter=voter)
        .select_related("candidate", "candidate__city")
        .only("receipt", "cast_at", "voter_id", "candidate__full_name", "candidate__city__slug",
              "candidate__city__name_ru", "candidate__city__name_en")
        .first()
    )
    if vote is None:
        raise Http404
    status = selectors.receipt_status(code=normalised)
    return render(request, "voting/receipt.html", {
        "vote": vote, "status": status, "receipt": receipt_display(vote.receipt), "voter": voter,
        "votes_left": selectors.votes_left(voter=voter),
    })


@require_GET
def my_votes(request: HttpRequest) -> HttpResponse:
    """«Мои голоса»: the voter's city, the votes left, and every vote with its receipt — of the current season
    or, with `?season=YEAR`, of any earlier season the same person (phone) voted in."""
    identity_id = session_identity_id(request)
    registrations = selectors.identity_season_voters(identity_id=identity_id) if identity_id is not None else []
    if not registrations:
        return _login_redirect(request, request.get_full_path())
    current = season_current()
    by_year = {voter.season.year: voter for voter in registrations}
    requested = request.GET.get("season", "")
    voter = by_year.get(int(requested)) if requested.isdigit() else None
    if requested and voter is None:
        messages.info(request, _("В сезоне %(year)s вы не регистрировались для голосования.") % {"year": requested})
    if voter is None:
        voter = (by_year.get(current.year) if current else None) or registrations[0]
    votes = list(selectors.voter_vote_list(voter=voter))
    return render(request, "voting/my_votes.html", {
        "voter": voter, "season": voter.season, "votes": votes, "votes_left": selectors.votes_left(voter=voter),
        "voting_open": selectors.ballot_for(season=voter.season, voter=None).is_open_in(voter.city_id),
        "registrations": registrations,
    })


@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    """The receipt check form (`?code=` sends to the receipt's page)."""
    raw = request.GET.get("code")
    error = ""
    if raw is not None:
        code = receipt_normalise(raw)
        if code is not None:
            return redirect("voting:verify_code", code=code)
        error = "bad_format"
    return render(request, "voting/verify.html", {"code_value": (raw or "")[:40], "error": error},
                  status=422 if error else 200)


@require_GET
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    """What the ledger says about a receipt: position N, counted or annulled. Public; names nobody."""
    status = selectors.receipt_status(code=code)
    normalised = receipt_normalise(code)
    if status is not None and normalised != code:
        return redirect("voting:verify_code", code=normalised)
    return render(request, "voting/verify_code.html", {
        "status": status, "code_value": code[:40], "receipt": receipt_display(status.receipt) if status else "",
    }, status=200 if status else 404)

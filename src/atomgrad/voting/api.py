"""The vote API: cast a vote, list one's votes, check a receipt, read a city's results.

Thin: schemas in, a service or selector, schemas out. Refusals are `ApplicationError`s, answered as
`{code, message: {ru, en}, details}` with their status (409 already_voted; 403/422 for the others; 401 from
`VoterBearer` without a valid token). The paths are a contract external clients and checks rely on.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from ninja import Field as NinjaField
from ninja import Path as PathParam
from ninja import Query, Router, Schema

from atomgrad.cities.models import City
from atomgrad.core.apitypes import Slug, Year
from atomgrad.core.errors import ApplicationError
from atomgrad.voting import selectors
from atomgrad.voting.api_auth import VoterBearer, vote_candidate_prefetched
from atomgrad.voting.models import Channel, SeasonVoter
from atomgrad.voting.receipts import receipt_display
from atomgrad.voting.schemas import (
    CityResultsOut,
    MyVotesOut,
    ReceiptOut,
    RefusalOut,
    VoteIn,
    VoteOut,
)
from atomgrad.voting.services.ballots import not_published_error, vote_cast
from atomgrad.voting.signals import VoteContext

router = Router(tags=["voting"])

# What django-ninja's JSON renderer sends.
JSON_CONTENT_TYPE = "application/json; charset=utf-8"

REFUSALS = {401: RefusalOut, 403: RefusalOut, 409: RefusalOut, 422: RefusalOut}


def _voter(request: HttpRequest) -> SeasonVoter:
    return request.auth  # type: ignore[attr-defined,no-any-return]


@router.post("/votes", auth=VoterBearer(with_vote_candidate=True), response={201: VoteOut, **REFUSALS},
             url_name="vote_cast", summary="Проголосовать")
def vote_create(request: HttpRequest, payload: VoteIn) -> JsonResponse:
    """Vote for a candidate of the voter's season. Refusals carry a reason code: `already_voted` (409),
    `limit_reached` (403, `details.limit`), `wrong_city` (403), `voting_not_open` / `voting_closed` (403),
    `candidate_not_published` (422)."""
    voter = _voter(request)
    # The candidate was read with the token, in one round trip (`VoterBearer(with_vote_candidate=True)`).
    prefetched, candidate = vote_candidate_prefetched(request, payload.candidate)
    if not prefetched:
        candidate = selectors.candidate_get_for_vote(candidate_id=payload.candidate)
    if candidate is None:
        raise not_published_error(payload.candidate)
    vote = vote_cast(voter=voter, candidate=candidate, channel=Channel.API, context=VoteContext.from_request(request))
    # The answer as VoteOut describes it, written directly: every vote pays for this endpoint's answer, and
    # these four values need no schema to be serialised (the same JSON django-ninja would write).
    return JsonResponse({
        "receipt": receipt_display(vote.receipt),
        "ledger_position": vote.ledger_entry.sequence,  # type: ignore[attr-defined]
        "votes_left": selectors.votes_left(voter=voter),
        "verify_url": request.build_absolute_uri(reverse("voting:verify_code", args=[vote.receipt])),
    }, status=201, content_type=JSON_CONTENT_TYPE)


@router.get("/votes", auth=VoterBearer(), response={200: MyVotesOut, 401: RefusalOut}, url_name="vote_list",
            summary="Мои голоса")
def vote_list(request: HttpRequest) -> dict[str, Any]:
    """The voter's own votes with their receipts, and how many votes are left."""
    voter = _voter(request)
    votes = [
        {
            "candidate": vote.candidate_id,
            "candidate_name": vote.candidate.full_name,
            "receipt": receipt_display(vote.receipt),
            "ledger_position": vote.position,  # type: ignore[attr-defined]
            "status": "annulled" if vote.annulled else "counted",  # type: ignore[attr-defined]
            "cast_at": vote.cast_at,
        }
        for vote in selectors.voter_vote_list(voter=voter)
    ]
    return {
        "season": voter.season.year, "city": voter.city.slug, "votes_per_voter": voter.season.votes_per_voter,
        "votes_left": selectors.votes_left(voter=voter), "votes": votes,
    }


@router.get("/receipts/{receipt}", response={200: ReceiptOut, 404: RefusalOut}, url_name="receipt_detail",
            summary="Проверить квитанцию")
def receipt_detail(request: HttpRequest, receipt: PathParam[Slug]) -> dict[str, Any]:
    """Where the receipt's vote is in the ledger and whether it is counted. Anyone holding the code may ask;
    the answer names neither the voter nor the candidate. Hyphens and case do not matter."""
    status = selectors.receipt_status(code=receipt)
    if status is None:
        raise ApplicationError(
            "receipt_not_found",
            "Квитанции с таким кодом нет. Проверьте код: 10 знаков, например K7Q2-9XMA-D4.",
            "There is no receipt with this code. Check it: 10 characters, for example K7Q2-9XMA-D4.",
            status=404,
        )
    return {
        "receipt": receipt_display(status.receipt), "position": status.position, "status": status.status,
        "season": status.season_year, "city": status.city_slug, "recorded_at": status.recorded_at,
        "entry_hash": status.entry_hash, "annulment_position": status.annulment_position,
    }


class ResultsFilters(Schema):
    season: Year | None = NinjaField(None, description="Год сезона; по умолчанию текущий")


@router.get("/cities/{slug}/results", response={200: CityResultsOut, 404: RefusalOut}, url_name="city_results",
            summary="Итоги голосования в городе")
def city_results(request: HttpRequest, slug: PathParam[Slug], filters: Query[ResultsFilters]) -> dict[str, Any]:
    """Once the city's result is published: the signed protocol's valid votes and places (`counts: "published"`).
    Before that, valid votes per candidate when the season makes counts public (`counts: "public"`, most votes first).
    While counts are hidden (`counts: "hidden"`), the candidates come alphabetically and without a `votes`
    field: nothing in the answer depends on the votes."""
    season = selectors.season_for_results(year=filters.season)
    if season is None:
        raise ApplicationError("season_not_found", "Такого сезона нет.", "There is no such season.", status=404)
    city = City.objects.filter(slug=slug).first()
    if city is None:
        raise ApplicationError(
            "city_not_found", "Такого города нет среди атомградов.", "There is no such atomic city.", status=404,
            details={"slug": slug},
        )
    # Once organisers publish the city's result, the answer is the signed protocol's numbers (results app).
    from atomgrad.results.selectors import published_city_data

    published = published_city_data(season=season, city=city)
    if published is not None:
        candidates = [
            {"id": line["id"], "full_name": line["full_name"], "sphere": line["sphere_slug"], "votes": line["valid"],
             "place": line["place"], "laureate": line["laureate"], "disqualified": line["disqualified"]}
            for line in published["candidates"]
        ]
        return {"counts": "published", "season": season.year, "city": city.slug, "void": published["void"],
                "protocol_sha256": published["protocol"]["sha256"], "candidates": candidates}
    results = selectors.city_results(season=season, city=city)
    if results.counts_public:
        candidates = [
            {"id": c.pk, "full_name": c.full_name, "sphere": c.sphere.slug, "votes": c.vote_count}  # type: ignore[attr-defined]
            for c in results.candidates
        ]
        return {"counts": "public", "season": season.year, "city": city.slug, "candidates": candidates}
    candidates = [{"id": c.pk, "full_name": c.full_name, "sphere": c.sphere.slug} for c in results.candidates]
    return {"counts": "hidden", "season": season.year, "city": city.slug, "candidates": candidates}

"""Reads of the results workflow: seasons and their cities, vote selections for review, protocols, publications.

Rule 5 of DESIGN.md for results: a count leaves this module for the public only through `published_*` readers,
which read nothing but the data of a published, signed protocol.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from atomgrad.award.models import Application, ApplicationStatus, Season
from atomgrad.cities.models import City, CommitteeMembership, CommitteeRole
from atomgrad.core.models import AuditLogEntry
from atomgrad.integrity.models import FindingVote
from atomgrad.results.models import CityDecision, CityProtocol, ProtocolStatus, Publication
from atomgrad.voting import ledger
from atomgrad.voting.models import LedgerEntry, Vote, VoteAnnulment

STATUS_VALID = "valid"
STATUS_ANNULLED = "annulled"
STATUS_ALL = "all"


# --- seasons and cities -------------------------------------------------------------------------------------


def season_get(*, year: int | str | None) -> Season | None:
    """The season of that year, or the latest season when `year` is None."""
    seasons = Season.objects.order_by("-year")
    if year is None or year == "":
        return seasons.first()
    try:
        return seasons.filter(year=int(year)).first()
    except (TypeError, ValueError):
        return None


def season_cities(*, season: Season) -> QuerySet[City]:
    """The cities whose vote has a result to state: those with published candidates in the season."""
    with_candidates = Application.objects.filter(
        season=season, city=OuterRef("pk"), status=ApplicationStatus.ACCEPTED
    )
    with_votes = Vote.objects.filter(season=season, city=OuterRef("pk"))
    return City.objects.filter(Q(Exists(with_candidates)) | Q(Exists(with_votes))).order_by("name_ru")


# --- review: vote selections --------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoteSelection:
    """A selection of a city's votes for review. Every given filter narrows it; none means all the votes.

    A cohort is the voters who registered for the season in a time window and/or through a channel.
    """

    candidate_id: int | None = None
    cast_from: dt.datetime | None = None
    cast_to: dt.datetime | None = None
    registered_from: dt.datetime | None = None
    registered_to: dt.datetime | None = None
    channel: str | None = None
    registered_via: str | None = None
    finding_id: int | None = None  # the votes an integrity finding covers (integrity.models.FindingVote)
    status: str = STATUS_VALID

    def as_details(self) -> dict[str, Any]:
        """The filters as the audit log records them."""
        return {
            key: (value.isoformat() if isinstance(value, dt.datetime) else value)
            for key, value in self.__dict__.items() if value is not None
        }

    @property
    def is_empty(self) -> bool:
        return all(
            value is None for key, value in self.__dict__.items() if key != "status"
        )


def vote_selection(*, season: Season, city: City, selection: VoteSelection) -> QuerySet[Vote]:
    """The city's votes matching the selection, oldest first, each with `position` (ledger sequence),
    `annulled` (an annulment in force) and `pseudonym` (the voter's ledger pseudonym)."""
    in_force = VoteAnnulment.objects.filter(vote=OuterRef("pk"), reversal__isnull=True)
    vote_entry = LedgerEntry.objects.filter(vote=OuterRef("pk"), kind=ledger.KIND_VOTE)
    votes = Vote.objects.filter(season=season, city=city)
    if selection.candidate_id is not None:
        votes = votes.filter(candidate_id=selection.candidate_id)
    if selection.cast_from is not None:
        votes = votes.filter(cast_at__gte=selection.cast_from)
    if selection.cast_to is not None:
        votes = votes.filter(cast_at__lt=selection.cast_to)
    if selection.registered_from is not None:
        votes = votes.filter(voter__created_at__gte=selection.registered_from)
    if selection.registered_to is not None:
        votes = votes.filter(voter__created_at__lt=selection.registered_to)
    if selection.channel:
        votes = votes.filter(channel=selection.channel)
    if selection.registered_via:
        votes = votes.filter(voter__registered_via=selection.registered_via)
    if selection.finding_id is not None:
        votes = votes.filter(Exists(FindingVote.objects.filter(finding_id=selection.finding_id, vote=OuterRef("pk"))))
    votes = votes.annotate(annulled=Exists(in_force))
    if selection.status == STATUS_VALID:
        votes = votes.filter(annulled=False)
    elif selection.status == STATUS_ANNULLED:
        votes = votes.filter(annulled=True)
    return (
        votes.annotate(
            position=Subquery(vote_entry.values("sequence")[:1]),
            pseudonym=Subquery(vote_entry.values("voter_pseudonym")[:1]),
        )
        .select_related("candidate", "voter")
        .only("id", "cast_at", "channel", "candidate_id", "candidate__full_name", "voter_id",
              "voter__created_at", "voter__registered_via", "city_id", "season_id")
        .order_by("cast_at", "id")
    )


def annulment_list(*, season: Season, city: City, in_force_only: bool = False) -> QuerySet[VoteAnnulment]:
    """The city's annulments, newest first, with the vote, candidate, actor and any reversal."""
    annulments = VoteAnnulment.objects.filter(season=season, vote__city=city)
    if in_force_only:
        annulments = annulments.filter(reversal__isnull=True)
    return annulments.select_related("vote", "vote__candidate", "actor", "reversal", "reversal__actor").order_by(
        "-created_at", "-id"
    )


def decision_list(*, season: Season, city: City) -> QuerySet[CityDecision]:
    return CityDecision.objects.filter(season=season, city=city).select_related(
        "candidate", "actor", "withdrawn_by"
    ).order_by("created_at", "id")


def committee_members(*, city: City) -> list[CommitteeMembership]:
    """The committee as the protocol lists it: chair, secretary, then members alphabetically."""
    order = {CommitteeRole.CHAIR: 0, CommitteeRole.SECRETARY: 1, CommitteeRole.MEMBER: 2}
    members = list(CommitteeMembership.objects.filter(city=city))
    return sorted(members, key=lambda member: (order.get(member.role, 3), member.full_name))


# --- protocols and publication ------------------------------------------------------------------------------


def protocol_latest(*, season: Season, city: City) -> CityProtocol | None:
    """The signed protocol if there is one, otherwise the newest draft."""
    protocols = CityProtocol.objects.filter(season=season, city=city)
    return protocols.filter(status=ProtocolStatus.SIGNED).first() or protocols.order_by("-version").first()


def protocol_signed(*, season: Season, city: City) -> CityProtocol | None:
    return CityProtocol.objects.filter(season=season, city=city, status=ProtocolStatus.SIGNED).first()


def publication_get(*, season: Season, city: City) -> Publication | None:
    return Publication.objects.filter(season=season, city=city).select_related("protocol").first()


@dataclass(frozen=True)
class CityStatus:
    city: City
    protocol: CityProtocol | None
    publication: Publication | None

    @property
    def state(self) -> str:
        if self.publication is not None:
            return "published"
        if self.protocol is not None and self.protocol.is_signed:
            return "signed"
        if self.protocol is not None:
            return "draft"
        return "review"


def season_city_statuses(*, season: Season, cities: QuerySet[City] | list[City] | None = None) -> list[CityStatus]:
    """Each city of the season (or of `cities`) with its latest protocol and its publication."""
    city_list = list(season_cities(season=season) if cities is None else cities)
    protocols: dict[int, CityProtocol] = {}
    for protocol in CityProtocol.objects.filter(season=season, city__in=city_list).order_by("version"):
        current = protocols.get(protocol.city_id)
        if current is None or not current.is_signed:
            protocols[protocol.city_id] = protocol
    publications = {
        publication.city_id: publication for publication in Publication.objects.filter(season=season)
    }
    return [CityStatus(city=city, protocol=protocols.get(city.pk), publication=publications.get(city.pk))
            for city in city_list]


def published_city_data(*, season: Season, city: City) -> dict[str, Any] | None:
    """The published result of a city — the signed protocol's data plus its PDF hash and dates — or None
    while it is not published. The only reader of counts for the public."""
    publication = publication_get(season=season, city=city)
    if publication is None:
        return None
    return published_data_of(publication)


def published_data_of(publication: Publication) -> dict[str, Any]:
    protocol = publication.protocol
    data = dict(protocol.data)
    data["protocol"] = {
        "version": protocol.version,
        "sha256": protocol.pdf_sha256,
        "ledger_sequence": protocol.ledger_sequence,
        "ledger_head_hash": protocol.ledger_head_hash,
        "signed_at": ledger.timestamp_format(protocol.signed_at) if protocol.signed_at else None,
        "signed_scan_sha256": protocol.signed_scan_sha256 or None,
    }
    data["published_at"] = ledger.timestamp_format(publication.published_at)
    return data


def published_season_data(*, season: Season) -> list[dict[str, Any]]:
    """Every published city's result in the season, by city name."""
    publications = (
        Publication.objects.filter(season=season).select_related("protocol", "city").order_by("city__name_ru")
    )
    return [published_data_of(publication) for publication in publications]


def season_fully_published(*, season: Season) -> bool:
    """Every city of the season has a published result (then the whole ledger can be public)."""
    city_ids = set(season_cities(season=season).values_list("pk", flat=True))
    published = set(Publication.objects.filter(season=season).values_list("city_id", flat=True))
    return bool(city_ids) and city_ids <= published


def audit_entries(*, since: dt.datetime | None = None, until: dt.datetime | None = None) -> QuerySet[AuditLogEntry]:
    """The audit log (every decision of every person, for organisers), oldest first, optionally in a window."""
    entries = AuditLogEntry.objects.select_related("actor", "city").order_by("created_at", "id")
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    if until is not None:
        entries = entries.filter(created_at__lt=until)
    return entries


# --- a city's published result as the public reads it (the site, the bot) --------------------------------


@dataclass(frozen=True)
class PublicCityResult:
    """A published city result split the way every public surface shows it: the laureates first (by place),
    then the other ranked candidates, the candidates without a valid vote together (no place), the
    disqualified; with the tie decision's names and the protocol. `data` is the published data itself."""

    season: Season
    city: City
    data: dict[str, Any]
    laureates: list[dict[str, Any]]
    ranked: list[dict[str, Any]]
    without_votes: list[dict[str, Any]]
    disqualified: list[dict[str, Any]]
    tie_groups: list[dict[str, Any]]

    @property
    def void(self) -> bool:
        return bool(self.data["void"])

    @property
    def has_decisions(self) -> bool:
        return self.void or bool(self.data.get("tie_decision")) or bool(self.disqualified)


def public_city_result(*, season: Season, city: City) -> PublicCityResult | None:
    """The city's published result for the public, or None while it is not published (then nothing about
    its counts may be shown). Also reads protocols published before candidates without a valid vote lost
    their place: such lines are listed without votes whatever place the old data gave them."""
    data = published_city_data(season=season, city=city)
    if data is None:
        return None
    lines = data["candidates"]
    disqualified = [line for line in lines if line["disqualified"]]
    without_votes = sorted((line for line in lines if not line["disqualified"] and not line["valid"]),
                           key=lambda line: (line["full_name"], line["id"]))
    placed = [line for line in lines if not line["disqualified"] and line["valid"]]
    laureates = sorted((line for line in placed if line["laureate"]), key=lambda line: (line["place"] or 0))
    ranked = [line for line in placed if not line["laureate"]]
    names = {line["id"]: line["full_name"] for line in lines}
    tie_groups = [
        {"votes": group["votes"], "names": [names.get(i, str(i)) for i in group["order"]]}
        for group in (data.get("tie_decision") or {}).get("groups", [])
    ]
    return PublicCityResult(season=season, city=city, data=data, laureates=laureates, ranked=ranked,
                            without_votes=without_votes, disqualified=disqualified, tie_groups=tie_groups)


# --- every season, for ever: the archive ------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveSeason:
    season: Season
    phase_title: str
    city_count: int
    published_count: int
    laureate_count: int


def season_archive() -> list[ArchiveSeason]:
    """Every season, newest first, with how far its results are published and how many laureates it named
    (earlier seasons' laureates are recorded even where their protocols predate this platform)."""
    from django.db.models import Count

    from atomgrad.award.models import Laureate

    seasons = list(Season.objects.annotate(city_count=Count("cities", distinct=True)).order_by("-year"))
    published: dict[int, int] = {}
    for season_id in Publication.objects.values_list("season_id", flat=True):
        published[season_id] = published.get(season_id, 0) + 1
    laureates = dict(Laureate.objects.values_list("season_id").annotate(n=Count("id")))
    return [
        ArchiveSeason(season=season, phase_title=str(season.phase_rules.title),
                      city_count=season.city_count,  # type: ignore[attr-defined]
                      published_count=published.get(season.pk, 0), laureate_count=laureates.get(season.pk, 0))
        for season in seasons
    ]


def city_published_years(*, city: City) -> set[int]:
    """The years whose result of the city is published (their pages have counts)."""
    return set(Publication.objects.filter(city=city).values_list("season__year", flat=True))

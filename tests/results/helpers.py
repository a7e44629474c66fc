"""Builders of the results tests: a city whose vote has closed, with votes cast through the real `vote_cast`."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from atomgrad.award.models import Application, Season
from atomgrad.cities.models import City, CommitteeRole
from atomgrad.voting.models import Channel, SeasonVoter, Vote
from atomgrad.voting.services.ballots import vote_cast
from tests.factories import (
    ApplicationFactory,
    CityFactory,
    CommitteeMemberFactory,
    SeasonFactory,
    SeasonVoterFactory,
    UserFactory,
    make_organiser,
)


def candidate(**kwargs: object) -> Application:
    kwargs.setdefault("person_key", f"results-test-{uuid.uuid4().hex}")
    kwargs.setdefault("status", "accepted")
    return ApplicationFactory(**kwargs)


@dataclass
class CityVote:
    season: Season
    city: City
    candidates: list[Application]
    chair: AbstractBaseUser
    member: AbstractBaseUser
    votes: dict[int, list[Vote]] = field(default_factory=dict)

    def cast(self, counts: list[int], *, k: int | None = None) -> None:
        """Cast `counts[i]` votes for candidate i, each voter voting for as many candidates as it can (≤ K)."""
        remaining = list(counts)
        limit = k or self.season.votes_per_voter
        while any(remaining):
            voter = voter_for(self.season, self.city)
            chosen = [index for index, left in enumerate(remaining) if left > 0][:limit]
            for index in chosen:
                vote = vote_cast(voter=voter, candidate=self.candidates[index], channel=Channel.WEB)
                self.votes.setdefault(self.candidates[index].pk, []).append(vote)
                remaining[index] -= 1


def voter_for(season: Season, city: City) -> SeasonVoter:
    voter = SeasonVoterFactory(season=season, city=city)
    return SeasonVoter.objects.select_related("season", "city").get(pk=voter.pk)


def city_vote(*, names: list[str] | None = None, season: Season | None = None, k: int = 3,
              chair_username: str | None = None) -> CityVote:
    """A season in voting (K votes per voter), one city with published candidates and a committee (a chair and a
    member). Cast votes with `.cast([...])`, then `close_voting(season)`."""
    season = season or SeasonFactory(phase="voting", votes_per_voter=k)
    city = CityFactory()
    season.cities.add(city)
    names = names or ["Алексеева Анна Петровна", "Борисов Борис Иванович", "Васильева Вера Олеговна",
                      "Григорьев Глеб Андреевич"]
    people = [candidate(season=season, city=city, full_name=name) for name in names]
    chair = UserFactory(username=chair_username or f"chair-{city.slug}")
    CommitteeMemberFactory(city=city, user=chair, role=CommitteeRole.CHAIR,
                           full_name=f"Председателев П. П. ({city.slug})")
    member = UserFactory(username=f"member-{city.slug}")
    CommitteeMemberFactory(city=city, user=member, role=CommitteeRole.MEMBER, full_name="Членова Ч. Ч.")
    return CityVote(season=season, city=city, candidates=people, chair=chair, member=member)


def close_voting(season: Season, *, ago: dt.timedelta = dt.timedelta(minutes=1)) -> None:
    """Move the season's close into the past (the review phase starts)."""
    Season.objects.filter(pk=season.pk).update(voting_close_at=timezone.now() - ago)
    season.refresh_from_db()


def organiser(username: str = "organiser") -> AbstractBaseUser:
    return make_organiser(username)  # type: ignore[return-value]


def pdf_text(data: bytes) -> str:
    """The text of a PDF (pypdf), whitespace collapsed, for assertions on what a document says."""
    import io
    import re

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def sign_and_publish(cv: CityVote, *, publisher: AbstractBaseUser) -> object:
    """Make the protocol, have the chair sign it, and publish it (the happy path). Returns the protocol."""
    from atomgrad.results.services.protocol import protocol_generate, protocol_sign
    from atomgrad.results.services.publication import publication_publish_city

    protocol = protocol_generate(actor=cv.chair, season=cv.season, city=cv.city)
    protocol = protocol_sign(actor=cv.chair, protocol=protocol)
    publication_publish_city(actor=publisher, season=cv.season, city=cv.city)
    return protocol


def assert_tagged_pdf(data: bytes, *, title_part: str) -> None:
    """A tagged PDF a screen reader can read: a structure tree (/StructTreeRoot) whose elements include headings
    or paragraphs, /MarkInfo /Marked true, the document's language (/Lang ru), and the title shown as the
    window title (PDF/UA)."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root, "no structure tree: the PDF is not tagged"
    assert bool(root["/MarkInfo"]["/Marked"]) is True
    assert str(root["/Lang"]).startswith("ru")
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"]) is True
    assert title_part in (reader.metadata.title or "")
    kinds: set[str] = set()

    def walk(node, depth: int = 0) -> None:  # type: ignore[no-untyped-def]
        node = node.get_object()
        if isinstance(node, dict):
            if "/S" in node:
                kinds.add(str(node["/S"]))
            children = node.get("/K")
            if children is not None and depth < 60:
                for child in children if isinstance(children, list) else [children]:
                    walk(child, depth + 1)
        elif isinstance(node, list):
            for child in node:
                walk(child, depth + 1)

    walk(root["/StructTreeRoot"])
    assert kinds & {"/H1", "/H2", "/P"}, kinds

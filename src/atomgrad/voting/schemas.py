"""Input and output schemas of the vote API. Every field that leaves the building is named here: no phone,
no identity, no pseudonym, and vote counts only in the results schema for seasons that make them public."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator

from atomgrad.core.apitypes import ObjectId, StrictIn
from atomgrad.core.timefmt import to_moscow

# A moment as ISO 8601 with the Moscow offset, e.g. "2026-10-04T00:00:00.123456+03:00".
MoscowDateTime = Annotated[dt.datetime, AfterValidator(to_moscow)]


class LocalizedMessage(Schema):
    ru: str
    en: str


class RefusalOut(Schema):
    """Why a request was refused: `code` is stable and machine-readable, `message` is for people."""

    code: str = Field(description="already_voted, limit_reached, wrong_city, voting_not_open, voting_closed, "
                                  "candidate_not_published, receipt_not_found, city_not_found, season_not_found")
    message: LocalizedMessage
    details: dict[str, Any] = Field(default_factory=dict)


class VoteIn(StrictIn):
    candidate: ObjectId = Field(description="Идентификатор соискателя из GET /api/v1/cities/{slug}/candidates "
                                            "(целое число, не строка)")


class VoteOut(Schema):
    receipt: str = Field(description="Код квитанции, например K7Q2-9XMA-D4: проверка — GET /api/v1/receipts/{code}")
    ledger_position: int = Field(description="Позиция голоса в реестре сезона")
    votes_left: int = Field(description="Сколько голосов у жителя осталось")
    verify_url: str = Field(description="Страница проверки квитанции")


class MyVoteOut(Schema):
    candidate: int
    candidate_name: str
    receipt: str
    ledger_position: int | None
    status: Literal["counted", "annulled"]
    cast_at: MoscowDateTime


class MyVotesOut(Schema):
    season: int
    city: str = Field(description="Код (slug) города, в котором житель голосует")
    votes_per_voter: int
    votes_left: int
    votes: list[MyVoteOut]


class ReceiptOut(Schema):
    receipt: str
    position: int = Field(description="Позиция голоса в реестре (хеш-цепочке) сезона")
    status: Literal["counted", "annulled"] = Field(description="counted — голос учтён; annulled — аннулирован")
    season: int = Field(description="Год сезона")
    city: str = Field(description="Код (slug) города")
    recorded_at: MoscowDateTime
    entry_hash: str = Field(description="SHA-256 записи реестра (hex)")
    annulment_position: int | None = Field(None, description="Позиция записи об аннулировании, если голос аннулирован")


class ResultCandidateOut(Schema):
    id: int
    full_name: str
    sphere: str = Field(description="Код (slug) сферы")


class ResultCandidateCountedOut(ResultCandidateOut):
    votes: int = Field(description="Действительные голоса (без аннулированных)")


class CityResultsPublicOut(Schema):
    counts: Literal["public"] = Field(description="public — промежуточные итоги открыты")
    season: int
    city: str
    candidates: list[ResultCandidateCountedOut] = Field(description="По убыванию голосов, затем по алфавиту")


class CityResultsHiddenOut(Schema):
    counts: Literal["hidden"] = Field(description="hidden — итоги скрыты до объявления: ни чисел, ни порядка")
    season: int
    city: str
    candidates: list[ResultCandidateOut] = Field(description="По алфавиту (ФИО), без числа голосов")


class ResultCandidatePublishedOut(ResultCandidateCountedOut):
    place: int | None = Field(description="Место по протоколу; нет у снятых и в недействительном голосовании")
    laureate: bool = Field(description="Призёр (1–3 место)")
    disqualified: bool


class CityResultsPublishedOut(Schema):
    counts: Literal["published"] = Field(description="published — итоги утверждены подписанным протоколом и "
                                                     "опубликованы (числа протокола; подробнее /api/v1/results/…)")
    season: int
    city: str
    void: bool = Field(description="Голосование в городе признано недействительным")
    protocol_sha256: str = Field(description="SHA-256 PDF протокола")
    candidates: list[ResultCandidatePublishedOut] = Field(description="В порядке мест; снятые — в конце")


CityResultsOut = Annotated[
    CityResultsPublicOut | CityResultsHiddenOut | CityResultsPublishedOut, Field(discriminator="counts")
]

"""Output schemas of the results API: only published results, exactly as the signed protocols state them."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Schema


class PublishedCandidateOut(Schema):
    id: int
    full_name: str
    sphere: str = Field(description="Сфера (название)")
    sphere_slug: str = Field(description="Код (slug) сферы")
    cast: int = Field(description="Подано голосов")
    annulled: int = Field(description="Аннулировано голосов")
    valid: int = Field(description="Действительных голосов (подано минус аннулировано)")
    place: int | None = Field(description="Место; нет у соискателей без действительных голосов, у снятых и в городе, "
                                          "где голосование недействительно")
    laureate: bool = Field(description="Призёр (1–3 место и не меньше минимума действительных голосов)")
    tied: bool = Field(description="Равенство голосов решало, кто войдёт в первую тройку (решено оргкомитетом)")
    disqualified: bool
    disqualification_reason: str | None = None


class ProtocolOut(Schema):
    version: int = Field(description="Номер протокола")
    sha256: str = Field(description="SHA-256 файла PDF протокола")
    ledger_sequence: int = Field(description="Записей в реестре голосов на момент подсчёта")
    ledger_head_hash: str = Field(description="Хеш последней из них")
    signed_at: str | None = Field(description="Когда оргкомитет отметил протокол подписанным (UTC)")
    signed_scan_sha256: str | None = None


class TieDecisionOut(Schema):
    rule: str
    rule_label: str
    explanation: str
    groups: list[dict[str, object]]
    decided_at: str


class CityPublishedOut(Schema):
    status: Literal["published"] = "published"
    season_year: int
    city_slug: str
    city_name: str
    voting_open_at: str
    voting_close_at: str
    voters_voted: int = Field(description="Жителей города, принявших участие в голосовании")
    votes_cast: int
    votes_annulled: int
    votes_valid: int
    annulled_by_reason: dict[str, int] = Field(description="Аннулировано голосов по кодам причин")
    void: bool = Field(description="Голосование в городе признано недействительным")
    void_reason: str | None
    tie_decision: TieDecisionOut | None
    min_valid_votes: int | None = Field(None, description="Минимум действительных голосов для призёра (сезонная "
                                                          "настройка; нет у протоколов, подписанных до неё)")
    candidates: list[PublishedCandidateOut] = Field(description="В порядке мест; без действительных голосов — "
                                                                "после мест, снятые соискатели — в конце")
    protocol: ProtocolOut
    published_at: str


class SeasonResultsOut(Schema):
    format: Literal["atomgrad-results/1"]
    season: int
    title: str
    generated_at: str
    cities: list[CityPublishedOut] = Field(description="Опубликованные итоги городов")
    pending: list[str] = Field(description="Коды городов, итоги которых ещё не опубликованы (без чисел)")

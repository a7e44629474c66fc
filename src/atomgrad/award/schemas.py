"""Output schemas of the public read API. Every field that leaves the building is listed here by name:
nothing private (phone, e-mail, date of birth, petition, consent record, nominator, moderation comments)
and no vote counts."""


import datetime as dt
from typing import Annotated, Any

from django.urls import reverse
from django.utils import translation
from ninja import Field, Schema
from pydantic import AfterValidator

from atomgrad.award.models import Application, Season
from atomgrad.award.phases import PHASE_RULES, Phase
from atomgrad.core.timefmt import to_moscow

# A moment as ISO 8601 with the Moscow offset, e.g. "2026-10-04T00:00:00+03:00".
MoscowDateTime = Annotated[dt.datetime, AfterValidator(to_moscow)]


def _absolute(context: Any, path: str) -> str:
    request = (context or {}).get("request")
    return request.build_absolute_uri(path) if request is not None else path


class LocalizedText(Schema):
    ru: str
    en: str


def _localized(lazy_text: Any) -> LocalizedText:
    with translation.override("ru"):
        ru = str(lazy_text)
    with translation.override("en"):
        en = str(lazy_text)
    return LocalizedText(ru=ru, en=en)


class SeasonSettingsOut(Schema):
    min_age: int = Field(description="Минимальный возраст соискателя на дату окончания приёма заявок")
    laureate_cooldown_years: int = Field(description="Сколько лет призёр (1–3 место) не может снова подать заявку")
    votes_per_voter: int = Field(description="За скольких разных соискателей может проголосовать один житель")
    own_city_only: bool = Field(description="Житель голосует только за соискателей своего города")
    counts_public: bool = Field(description="Показываются ли промежуточные итоги во время голосования")


class SeasonOut(Schema):
    year: int
    title: str
    phase: Phase = Field(description="Текущий этап, вычисленный по датам сезона")
    phase_title: LocalizedText
    applications_open_at: MoscowDateTime
    applications_close_at: MoscowDateTime
    voting_open_at: MoscowDateTime
    voting_close_at: MoscowDateTime
    results_at: MoscowDateTime
    ceremony_at: MoscowDateTime
    settings: SeasonSettingsOut
    cities: list[str] = Field(description="Коды (slug) городов-участников")

    @staticmethod
    def resolve_phase(obj: Season) -> Phase:
        return obj.phase

    @staticmethod
    def resolve_phase_title(obj: Season) -> LocalizedText:
        return _localized(PHASE_RULES[obj.phase].title)

    @staticmethod
    def resolve_settings(obj: Season) -> Season:
        return obj

    @staticmethod
    def resolve_cities(obj: Season) -> list[str]:
        return sorted(city.slug for city in obj.cities.all())


class CityOut(Schema):
    slug: str
    name_ru: str
    name_en: str
    region_ru: str
    region_en: str
    is_closed: bool = Field(description="ЗАТО — закрытое административно-территориальное образование")
    population: int
    participates: bool = Field(description="Участвует ли город в текущем сезоне")
    candidate_count: int = Field(description="Опубликованные соискатели города в текущем сезоне")
    page_url: str
    candidates_url: str

    @staticmethod
    def resolve_page_url(obj: Any, context: Any) -> str:
        return _absolute(context, reverse("award:city_detail", args=[obj.slug]))

    @staticmethod
    def resolve_candidates_url(obj: Any, context: Any) -> str:
        return _absolute(context, reverse("api:city_candidates", args=[obj.slug]))


class CityRef(Schema):
    slug: str
    name_ru: str
    name_en: str


class SphereOut(Schema):
    slug: str
    name_ru: str
    name_en: str


class CandidateOut(Schema):
    """A published candidate as a list shows them."""

    id: int
    full_name: str
    city: CityRef
    sphere: SphereOut
    workplace: str
    position: str
    story_short: str
    photo_url: str | None
    page_url: str

    @staticmethod
    def resolve_photo_url(obj: Application, context: Any) -> str | None:
        return _absolute(context, obj.photo.url) if obj.photo else None

    @staticmethod
    def resolve_page_url(obj: Application, context: Any) -> str:
        return _absolute(context, reverse("award:candidate_detail", args=[obj.pk]))


class CandidateDetailOut(CandidateOut):
    """A published candidate with the whole story and the season."""

    story: str
    season_year: int
    published_at: MoscowDateTime | None

    @staticmethod
    def resolve_season_year(obj: Application) -> int:
        return obj.season.year


class ErrorOut(Schema):
    code: str
    message: LocalizedText
    details: dict[str, Any] = {}

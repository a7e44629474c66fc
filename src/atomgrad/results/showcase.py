"""What the public results pages show around the published numbers: the laureates as people (photo, sphere,
a link to their story), the chart of the votes and its one-sentence summary, and each city's laureates at a
glance for the season page.

Reads only. Every number comes from a published protocol's data (`results.selectors.published_*`); this module
adds public candidate fields (the photo, the short story) and never a count of an unpublished city.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from atomgrad.award.models import Application, ApplicationStatus
from atomgrad.core import timefmt
from atomgrad.core.charts import Bar, BarChart, bar_chart

# The chart shows the leaders; the full count is in the protocol's table under it.
CHART_MAX_BARS = 12


@dataclass(frozen=True)
class LaureateCard:
    id: int
    place: int
    full_name: str
    sphere: str
    position: str
    workplace: str
    valid: int
    photo_url: str
    story_short: str
    published: bool  # the candidate page exists (the application is still published)


def _public_fields(ids: list[int]) -> dict[int, Application]:
    """Photo and story of the published candidates among `ids` (public fields only)."""
    return Application.objects.filter(pk__in=ids, status=ApplicationStatus.ACCEPTED).only(
        "id", "photo", "story"
    ).in_bulk()


def _laureate_lines(data: dict[str, Any]) -> list[dict[str, Any]]:
    if data["void"]:
        return []
    return sorted((line for line in data["candidates"] if line["laureate"]), key=lambda line: line["place"] or 0)


def laureate_cards(*, datas: list[dict[str, Any]]) -> dict[str, list[LaureateCard]]:
    """The laureates of each published city (by city slug), by place, with their photo and story: one query
    for all the cities of a season."""
    lines_by_city = {data["city_slug"]: _laureate_lines(data) for data in datas}
    people = _public_fields([line["id"] for lines in lines_by_city.values() for line in lines])
    cards: dict[str, list[LaureateCard]] = {}
    for slug, lines in lines_by_city.items():
        cards[slug] = []
        for line in lines:
            person = people.get(line["id"])
            cards[slug].append(LaureateCard(
                id=line["id"], place=line["place"], full_name=line["full_name"], sphere=line["sphere"],
                position=line["position"], workplace=line["workplace"], valid=line["valid"],
                photo_url=person.photo.url if person is not None and person.photo else "",
                story_short=person.story_short if person is not None else "",
                published=person is not None,
            ))
    return cards


def _votes(number: int) -> str:
    return f"{number} {timefmt.plural(number, _('голос,голоса,голосов'))}"


def votes_chart(*, data: dict[str, Any], city_name: str) -> BarChart | None:
    """The chart of the valid votes of the city's candidates who have any, the leaders first (at most
    CHART_MAX_BARS), laureates highlighted; None when no candidate has a valid vote."""
    lines = sorted((line for line in data["candidates"] if not line["disqualified"] and line["valid"] > 0),
                   key=lambda line: (-line["valid"], line["full_name"]))
    if not lines:
        return None
    shown = lines[:CHART_MAX_BARS]
    laureates = [line for line in _laureate_lines(data)]
    if laureates:
        who = "; ".join(f"{line['place']} — {line['full_name']}, {_votes(line['valid'])}" for line in laureates)
        summary = _("Призёры: %(who)s.") % {"who": who}
    else:
        leader = lines[0]
        summary = _("Больше всего действительных голосов у соискателя %(name)s: %(votes)s.") % {
            "name": leader["full_name"], "votes": _votes(leader["valid"])}
    if len(lines) > len(shown):
        summary += " " + _("На диаграмме %(shown)s из %(total)s соискателей с голосами; все — в таблице ниже.") % {
            "shown": len(shown), "total": len(lines)}
    return bar_chart(
        title=_("Действительные голоса: %(city)s") % {"city": city_name},
        summary=summary,
        bars=[Bar(line["full_name"], line["valid"], highlight=bool(line["laureate"]) and not data["void"],
                  note=_("%(place)s место") % {"place": line["place"]} if line["laureate"] and not data["void"]
                  else "") for line in shown],
        label_heading=_("Соискатель"), value_heading=_("Действительных голосов"), id_prefix="votes",
    )

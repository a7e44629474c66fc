"""The public pages of the award: the cities, a city's candidates, a candidate. Thin: selectors do the reading
(and never load private fields); these views only parse the query string and pick a template."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from atomgrad.award import selectors
from atomgrad.award.models import Sphere
from atomgrad.core.text import FreeTextFormMixin

CANDIDATES_PER_PAGE = 24


class CitySearchForm(FreeTextFormMixin, forms.Form):
    q = forms.CharField(label=_("Название города или региона"), required=False)


class CandidateFilterForm(FreeTextFormMixin, forms.Form):
    """The city page's filters. The sphere choices are the spheres listed on the page (with their counts)."""

    q = forms.CharField(label=_("Имя, место работы или должность"), required=False)
    sphere = forms.ChoiceField(label=_("Сфера"), required=False)

    def __init__(self, *args: object, spheres: list[Sphere], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.spheres = {sphere.slug: sphere for sphere in spheres}
        self.fields["sphere"].choices = [("", _("Все сферы"))] + [
            (sphere.slug, sphere.name) for sphere in spheres
        ]
        self.fields["sphere"].error_messages["invalid_choice"] = _("Такой сферы нет, показаны все сферы.")

    def filters(self) -> tuple[str, Sphere | None]:
        """The valid part of the filters: a bad sphere is dropped (and reported), the search is kept."""
        if not self.is_bound:
            return "", None
        self.is_valid()
        data = self.cleaned_data
        return (data.get("q") or "").strip(), self.spheres.get(data.get("sphere") or "")


@require_safe
def city_list(request: HttpRequest) -> HttpResponse:
    current = selectors.season_current()
    season = selectors.season_from_query(request.GET.get("season"), current=current)
    form = CitySearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_bound and form.is_valid() else ""
    cities = list(selectors.city_list_for_season(season=season, query=query))
    return render(request, "award/public/city_list.html", {
        "season": season, "form": form, "query": query, "cities": cities,
        "seasons": list(selectors.season_list()), "past_season": bool(current and season and season != current),
        "closed_count": sum(1 for city in cities if city.is_closed),
    })


@require_safe
def city_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The city's candidates of the current season, or of any earlier one with `?season=YEAR`."""
    current = selectors.season_current()
    season = selectors.season_from_query(request.GET.get("season"), current=current)
    city = selectors.city_get_with_participation(slug=slug, season=season)
    if city is None:
        raise Http404
    spheres = list(selectors.sphere_list_with_counts(season=season, city=city)) if season else []
    form = CandidateFilterForm(request.GET or None, spheres=spheres)
    query, sphere = form.filters()
    page = None
    if season is not None:
        candidates = selectors.candidate_list_published(season=season, city=city, sphere=sphere, query=query)
        page = Paginator(candidates, CANDIDATES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "award/public/city_detail.html", {
        "season": season, "phase_rules": season.phase_rules if season else None, "city": city, "form": form,
        "seasons": selectors.city_seasons(city=city),
        "past_season": bool(current and season and season != current),
        "spheres": spheres, "page": page, "query": query, "sphere": sphere, "filtered": bool(query or sphere),
    })


@require_safe
def candidate_detail(request: HttpRequest, candidate_id: int) -> HttpResponse:
    candidate = selectors.candidate_get_published(candidate_id=candidate_id)
    if candidate is None:
        raise Http404
    return render(request, "award/public/candidate_detail.html", {"candidate": candidate})

"""The public results: the season summary, a city's result, the published protocol PDF, open data, the verifier.

Only published cities have numbers here (read through `results.selectors.published_*`); a city not yet
published is shown without a single count and its candidates are not listed in any count-dependent order.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from atomgrad.award.selectors import city_hall_of_fame, city_seasons
from atomgrad.cities.models import City
from atomgrad.cities.permissions import user_is_organiser
from atomgrad.results.permissions import season_voting_over
from atomgrad.results.selectors import (
    city_published_years,
    public_city_result,
    publication_get,
    published_season_data,
    season_archive,
    season_city_statuses,
    season_fully_published,
)
from atomgrad.results.services.documents import laureate_rows
from atomgrad.results.services.exports import ledger_jsonl, results_csv, results_document, results_xlsx
from atomgrad.results.services.tally import reason_label
from atomgrad.results.showcase import laureate_cards, votes_chart
from atomgrad.results.views import season_or_404

# The verifier lives at the repository's root (verifier/), beside src/.
VERIFIER_PATH = Path(settings.REPO_DIR) / "verifier" / "verify_atomgrad.py"


def _city_or_404(slug: str) -> City:
    city = City.objects.filter(slug=slug).first()
    if city is None:
        raise Http404
    return city


@require_GET
def results_index(request: HttpRequest) -> HttpResponse:
    """The archive: every season with its results, newest first — last year's never vanish behind this one."""
    seasons = season_archive()
    if not seasons:
        return render(request, "results/public/no_season.html")
    return render(request, "results/public/archive.html", {"seasons": seasons})


@require_GET
def hall_of_fame(request: HttpRequest, slug: str) -> HttpResponse:
    """A city's laureates by year (the hall of fame), with links to each year's result and candidates."""
    city = _city_or_404(slug)
    return render(request, "results/public/hall_of_fame.html", {
        "city": city, "years": city_hall_of_fame(city=city), "published_years": city_published_years(city=city),
        "seasons": city_seasons(city=city),
    })


@require_GET
def season_summary(request: HttpRequest, year: int) -> HttpResponse:
    season = season_or_404(year)
    published = published_season_data(season=season)
    by_slug = {city["city_slug"]: city for city in published}
    statuses = season_city_statuses(season=season)
    totals = {
        "cities": len(published),
        "voters_voted": sum(city["voters_voted"] for city in published),
        "votes_cast": sum(city["votes_cast"] for city in published),
        "votes_annulled": sum(city["votes_annulled"] for city in published),
        "votes_valid": sum(city["votes_valid"] for city in published),
    }
    cards = laureate_cards(datas=published)
    rows = [{"city": status.city, "data": by_slug.get(status.city.slug), "laureates": cards.get(status.city.slug, [])}
            for status in statuses]
    return render(request, "results/public/season.html", {
        "season": season, "rows": rows, "totals": totals, "laureates": laureate_rows(published),
        "any_published": bool(published), "ledger_public": season_fully_published(season=season),
    })


@require_GET
def city_result(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    season = season_or_404(year)
    city = _city_or_404(slug)
    result = public_city_result(season=season, city=city)
    context = {"season": season, "city": city, "result": result, "data": result.data if result else None,
               "ledger_public": season_fully_published(season=season)}
    if result is not None:
        context["has_decisions"] = result.has_decisions
        context["reasons"] = [(reason_label(code), count) for code, count in result.data["annulled_by_reason"].items()]
        context["tie_groups"] = result.tie_groups
        context["laureate_cards"] = laureate_cards(datas=[result.data]).get(city.slug, [])
        context["chart"] = votes_chart(data=result.data, city_name=city.name)
    return render(request, "results/public/city.html", context)


@require_GET
def protocol_pdf(request: HttpRequest, year: int, slug: str) -> FileResponse:
    """The published city's signed protocol PDF (the file whose SHA-256 the results page shows)."""
    season = season_or_404(year)
    publication = publication_get(season=season, city=_city_or_404(slug))
    if publication is None:
        raise Http404
    protocol = publication.protocol
    return FileResponse(protocol.pdf.open("rb"), content_type="application/pdf", as_attachment=False,
                        filename=f"protocol-{season.year}-{slug}.pdf")


def _download(content: bytes | str, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def export_csv(request: HttpRequest, year: int) -> HttpResponse:
    season = season_or_404(year)
    # A BOM so that spreadsheet programs read the Cyrillic as UTF-8.
    return _download("\ufeff" + results_csv(season=season), content_type="text/csv; charset=utf-8",
                     filename=f"results-{season.year}.csv")


@require_GET
def export_xlsx(request: HttpRequest, year: int) -> HttpResponse:
    season = season_or_404(year)
    return _download(results_xlsx(season=season),
                     content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     filename=f"results-{season.year}.xlsx")


@require_GET
def export_json(request: HttpRequest, year: int) -> JsonResponse:
    season = season_or_404(year)
    response = JsonResponse(results_document(season=season), json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'attachment; filename="results-{season.year}.json"'
    return response


@require_GET
def export_ledger(request: HttpRequest, year: int) -> StreamingHttpResponse:
    """The season's ledger as JSON Lines: public once every city's result is published (before that the vote
    entries would reveal counts); organisers may download it once voting has closed everywhere (while it runs
    they follow the integrity signals, not the ranking)."""
    season = season_or_404(year)
    if not (season_fully_published(season=season)
            or (user_is_organiser(request.user) and season_voting_over(season=season))):
        raise Http404
    response = StreamingHttpResponse(ledger_jsonl(season=season), content_type="application/x-ndjson; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ledger-{season.year}.jsonl"'
    return response


@require_GET
def verifier_download(request: HttpRequest) -> FileResponse:
    """The public verifier (one file, Python's standard library only)."""
    if not VERIFIER_PATH.is_file():
        raise Http404
    return FileResponse(VERIFIER_PATH.open("rb"), content_type="text/x-python; charset=utf-8", as_attachment=True,
                        filename="verify_atomgrad.py")

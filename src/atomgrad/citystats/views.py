"""Pages of «Атомграды в цифрах»: the comparison of all cities, a city's dashboard, the method, open data, and
the organisers' upload. Thin: the numbers come from selectors, the charts from `core/charts.py`.

The award's laureates of a city are not read here (citystats sits below the award): the dashboard links to the
city's hall of fame (`results:hall_of_fame`, laureates by year) and its award page, by URL name — no import."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from atomgrad.cities.models import City
from atomgrad.cities.permissions import user_is_organiser
from atomgrad.citystats.forms import IndexUploadForm
from atomgrad.citystats.method import method_load, method_versions
from atomgrad.citystats.models import URBAN_GROUPS, IndexKind
from atomgrad.citystats.selectors import (
    SORT_KEYS,
    atomic_averages,
    comparison_rows,
    groups_by_city,
    national_averages,
    qol_city_history,
    qol_year_info,
    urban_city_history,
    urban_matrix,
    weakest_cells,
    year_is_demo,
    years_loaded,
)
from atomgrad.citystats.services.opendata import year_document, year_table_csv, year_table_xlsx
from atomgrad.citystats.services.qol_import import qol_import
from atomgrad.citystats.services.reference import group_names
from atomgrad.citystats.services.urban_import import urban_import
from atomgrad.citystats.urban import (
    BASE_YEAR,
    CRITERIA,
    CRITERIA_SHORT,
    FAVOURABLE_ABOVE,
    SPACES,
    SPACES_SHORT,
    indicator_position,
)
from atomgrad.core import charts
from atomgrad.core.errors import ApplicationError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _year_or_latest(request: HttpRequest) -> int | None:
    years = years_loaded()
    raw = request.GET.get("year", "")
    if raw.isdigit() and int(raw) in years:
        return int(raw)
    return years[-1] if years else None


@require_GET
def comparison(request: HttpRequest) -> HttpResponse:
    year = _year_or_latest(request)
    groups = group_names()
    group_raw = request.GET.get("group", "")
    group = int(group_raw) if group_raw.isdigit() and 1 <= int(group_raw) <= URBAN_GROUPS else None
    sort = request.GET.get("sort", "rank")
    if sort.lstrip("-") not in SORT_KEYS:
        sort = "rank"
    rows = comparison_rows(year=year, group=group, sort=sort) if year else []
    used_groups = set(groups_by_city().values())
    chart = None
    if rows:
        ordered = sorted(rows, key=lambda row: (-row.urban.total, row.urban.city.name_ru))
        favourable = sum(1 for row in rows if row.urban.favourable)
        average = sum((row.urban.total for row in rows), Decimal(0)) / len(rows)
        scope = groups.get(group, "") if group else _("атомграды")
        chart = charts.scaled_bar_chart(
            chart_id="urban-bars",
            title=_("Индекс качества городской среды, %(year)s: %(scope)s") % {"year": year, "scope": scope},
            summary=_("%(favourable)s из %(total)s городов выше нормы 180 баллов; в среднем %(average)s, "
                      "выше всех — %(top)s (%(top_total)s).") % {
                "favourable": favourable, "total": len(rows), "average": charts.number_text(average),
                "top": ordered[0].urban.city.name, "top_total": charts.number_text(ordered[0].urban.total)},
            bars=[(row.urban.city.name, row.urban.total, not row.urban.favourable) for row in ordered],
            x_max=360, reference=(float(FAVOURABLE_ABOVE), _("норма 180")),
            headers=(_("Город"), _("Индекс, баллов")),
        )
    sort_links = []
    for key, label in (("rank", _("Место")), ("name", _("Город")), ("group", _("Группа")),
                       ("change_base", _("К 2019")), ("change_previous", _("К прошлому году")),
                       ("qol", _("Качество жизни"))):
        current = sort.lstrip("-") == key
        sort_links.append({"key": key, "label": label, "current": current,
                           "descending": current and sort.startswith("-"),
                           "next": f"-{key}" if current and not sort.startswith("-") else key})
    return render(request, "citystats/comparison.html", {
        "year": year, "years": years_loaded(), "rows": rows, "chart": chart, "sort": sort,
        "sort_links": sort_links, "group": group, "group_name": groups.get(group) if group else None,
        # only the groups that hold an atomic city (most of the ten hold none)
        "groups": [(number, name) for number, name in sorted(groups.items()) if number in used_groups],
        "base_year": BASE_YEAR,
        "is_demo": year is not None and year_is_demo(kind=IndexKind.URBAN, year=year),
        "qol_info": qol_year_info(year=year) if year else None,
        "can_upload": user_is_organiser(request.user),
    })


@require_GET
def city_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    city = City.objects.filter(slug=slug).first()
    if city is None:
        raise Http404
    history = urban_city_history(city=city)
    qol_history = qol_city_history(city=city)
    national = national_averages()
    atomic = atomic_averages()
    years = sorted(set(atomic) | {row.year for row in history})
    context: dict[str, Any] = {"city": city, "history": history, "qol_history": qol_history,
                               "is_demo": any(year_is_demo(kind=IndexKind.URBAN, year=row.year) for row in history),
                               "groups": group_names(), "base_year": BASE_YEAR}
    if history:
        latest = history[-1]
        requested = request.GET.get("year", "")
        shown = next((row for row in history if str(row.year) == requested), latest)
        context["latest"] = latest
        context["shown"] = shown
        weakest = weakest_cells(shown.values)
        context["weakest"] = weakest
        marked = {indicator_position(cell["number"]) for cell in weakest}
        context["heatmap"] = charts.heatmap(
            chart_id="matrix",
            title=_("%(city)s, %(year)s: 36 показателей индекса (0–10)") % {"city": city.name, "year": shown.year},
            summary=_("Слабее всего: %(cells)s.") % {"cells": "; ".join(
                f"{cell['space']} — {cell['criterion']} ({charts.number_text(cell['value'])})" for cell in weakest)},
            row_labels=[str(label) for label in SPACES_SHORT], column_labels=[str(label) for label in CRITERIA_SHORT],
            values=urban_matrix(shown.values), high=10, marked=marked, row_header=_("Тип пространства"),
            full_row_labels=[str(space[1]) for space in SPACES],
            full_column_labels=[str(criterion[1]) for criterion in CRITERIA],
        )
        own = {row.year: row.total for row in history}
        values = [value for value in [*own.values(), *national.values(), *atomic.values()] if value is not None]
        low = max(0, int(min(values) // 20 * 20) - 20)
        context["trend"] = charts.line_chart(
            chart_id="trend",
            title=_("%(city)s: индекс качества городской среды по годам") % {"city": city.name},
            summary=_("В %(year)s году — %(total)s баллов: %(versus_national)s среднего по России и "
                      "%(versus_atomic)s среднего по атомградам.") % {
                "year": latest.year, "total": charts.number_text(latest.total),
                "versus_national": _comparison_words(latest.total, national.get(latest.year)),
                "versus_atomic": _comparison_words(latest.total, atomic.get(latest.year))},
            years=years,
            series=[charts.LineSeries(city.name, dict(own)),
                    charts.LineSeries(_("Среднее по России"), {year: national.get(year) for year in years}),
                    charts.LineSeries(_("Среднее по атомградам"), {year: atomic.get(year) for year in years})],
            y_min=low, y_max=360 if max(values) > 300 else 300, reference=(float(FAVOURABLE_ABOVE), _("норма 180")),
            year_header=_("Год"),
        )
        context["shown_years"] = [row.year for row in history]
    if qol_history:
        context["qol_latest"] = qol_history[-1]
        context["qol_chart"] = charts.line_chart(
            chart_id="qol-trend",
            title=_("%(city)s: индекс качества жизни по годам (0–100)") % {"city": city.name},
            summary=_("В %(year)s году — %(score)s из 100, место %(rank)s (при других весах и способах расчёта "
                      "— от %(low)s до %(high)s).") % {
                "year": qol_history[-1].year, "score": charts.number_text(qol_history[-1].score),
                "rank": qol_history[-1].rank, "low": qol_history[-1].rank_low, "high": qol_history[-1].rank_high},
            years=[row.year for row in qol_history],
            series=[charts.LineSeries(city.name, {row.year: row.score for row in qol_history})],
            y_min=0, y_max=100, year_header=_("Год"),
        )
        method = _method_for_year(qol_history[-1].year)
        if method is not None:
            english = request.LANGUAGE_CODE.startswith("en")
            context["qol_domains"] = [(domain.name_en if english else domain.name_ru,
                                       qol_history[-1].domains.get(domain.code))
                                      for domain in method.domains]
    return render(request, "citystats/city.html", context)


def _method_for_year(year: int) -> Any:
    info = qol_year_info(year=year)
    try:
        return method_load(version=info.method_version if info and info.method_version else None)
    except ApplicationError:
        return None


def _comparison_words(value: Decimal, reference: Decimal | None) -> str:
    if reference is None:
        return _("нет данных для сравнения с уровнем")
    difference = value - reference
    if difference > 0:
        return _("на %(points)s выше") % {"points": charts.number_text(difference)}
    if difference < 0:
        return _("на %(points)s ниже") % {"points": charts.number_text(-difference)}
    return _("столько же, сколько у")


@require_GET
def method_page(request: HttpRequest) -> HttpResponse:
    version = request.GET.get("version") or None
    try:
        method = method_load(version=version)
    except ApplicationError as error:
        raise Http404 from error
    return render(request, "citystats/method.html", {
        "method": method, "versions": method_versions(), "spaces": SPACES, "criteria": CRITERIA,
        "numbers": [[space * 6 + criterion + 1 for criterion in range(6)] for space in range(6)],
        "groups": sorted(group_names().items()),
    })


@require_GET
def open_data(request: HttpRequest, year: int, name: str, extension: str) -> HttpResponse:
    if year not in years_loaded(kind=IndexKind.URBAN) + years_loaded(kind=IndexKind.QOL):
        raise Http404
    if extension == "json" and name == "citystats":
        body = json.dumps(year_document(year=year), ensure_ascii=False, indent=1)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    elif extension == "csv" and name in ("urban-index", "quality-of-life"):
        # a BOM so that spreadsheets read UTF-8
        response = HttpResponse("\ufeff" + year_table_csv(year=year, name=name), content_type="text/csv; charset=utf-8")
    elif extension == "xlsx" and name in ("urban-index", "quality-of-life"):
        response = HttpResponse(
            year_table_xlsx(year=year, name=name),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}-{year}.{extension}"'
    return response


@require_http_methods(["GET", "POST"])
def workspace(request: HttpRequest) -> HttpResponse:
    """Organisers upload a year of either index (the same file as `manage.py import_urban_index`)."""
    if not request.user.is_authenticated:
        return redirect(f"/accounts/login/?next={request.path}")
    if not user_is_organiser(request.user):
        # A page, not bare text: the answer is shown in a browser.
        return render(request, "citystats/forbidden.html",
                      {"message": _("Загружать индексы могут только организаторы.")}, status=403)
    errors: list[dict[str, Any]] = []
    refusal = None
    form = IndexUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        kind, year = form.cleaned_data["kind"], form.cleaned_data["year"]
        try:
            if upload.size > MAX_UPLOAD_BYTES:
                raise ApplicationError("import_unreadable", "Файл больше 5 МБ.", "The file is larger than 5 MB.")
            content = upload.read()
            service = urban_import if kind == IndexKind.URBAN else qol_import
            result = service(content=content, year=year, actor=request.user, file_name=upload.name)
        except ApplicationError as error:
            refusal = error.message_ru if not request.LANGUAGE_CODE.startswith("en") else error.message_en
            errors = error.details.get("errors", [])
        else:
            messages.success(request, _("Загружено: %(kind)s за %(year)s год, городов — %(cities)s%(replaced)s.") % {
                "kind": IndexKind(kind).label, "year": year, "cities": result.cities,
                "replaced": _("; прежние данные года заменены") if result.replaced else ""})
            return redirect("citystats:workspace")
    return render(request, "citystats/workspace.html", {
        "form": form, "errors": errors, "refusal": refusal,
        "urban_years": years_loaded(kind=IndexKind.URBAN), "qol_years": years_loaded(kind=IndexKind.QOL),
        "status": 422 if refusal else 200,
    }, status=422 if refusal else 200)


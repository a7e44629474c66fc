"""Pages of what the cities do (master plans, Минстрой's contest, the Union's events): a city's page, its public
calendar and iCalendar feed, the Department's summary, the filtered lists each summary figure links to, open
data, and the organisers' workspace (uploads and edit forms). Thin: rules live in services/ and the readers
(`plans.py`, `contest.py`, `programmes.py`, `summary.py`)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from atomgrad.cities.models import City
from atomgrad.cities.permissions import user_is_organiser
from atomgrad.citystats import contest, programmes
from atomgrad.citystats.forms_development import (
    AttendanceForm,
    ContestApplicationForm,
    DevelopmentUploadForm,
    MilestoneForm,
    ProjectForm,
    kopecks_of,
)
from atomgrad.citystats.ical import city_calendar
from atomgrad.citystats.models import (
    FUNDING_SOURCES,
    YEAR_MAX,
    YEAR_MIN,
    ContestResult,
    Event,
    PlanCategory,
    PlanMilestone,
    PlanProject,
)
from atomgrad.citystats.plans import moscow_today, plan_progress, plans_progress
from atomgrad.citystats.services import contest as contest_service
from atomgrad.citystats.services import plans as plan_service
from atomgrad.citystats.services.devdata import development_document, development_table
from atomgrad.citystats.services.events import attendance_record
from atomgrad.citystats.summary import default_year, department_summary
from atomgrad.core import charts
from atomgrad.core.errors import ApplicationError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
SOURCE_LABELS = {"federal": gettext_lazy("федеральный бюджет"), "regional": gettext_lazy("региональный бюджет"),
                 "municipal": gettext_lazy("муниципальный бюджет"), "rosatom": gettext_lazy("Росатом"),
                 "extra": gettext_lazy("внебюджетные средства")}


def _city(slug: str) -> City:
    city = City.objects.filter(slug=slug).first()
    if city is None:
        raise Http404
    return city


def _year(request: HttpRequest, default: int) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and YEAR_MIN <= int(raw) <= YEAR_MAX else default


def _billions(kopecks: int) -> float:
    return kopecks / 100 / 1e9


def plan_charts(progress: Any, *, city_name: str) -> list[charts.Chart]:
    """Budget against spending by source of money is not known per payment, so: the budget by source, and money
    spent per year (from the milestones' completion dates); milestones on time against late."""
    by_source = [(str(SOURCE_LABELS[source]), _billions(progress.by_source[source]), False)
                 for source in FUNDING_SOURCES if progress.by_source[source]]
    budget = charts.scaled_bar_chart(
        chart_id="plan-budget",
        title=_("%(city)s: бюджет мастер-плана по источникам, млрд ₽") % {"city": city_name},
        summary=_("Всего %(budget)s млрд ₽, освоено %(spent)s млрд ₽ (%(share)s%%).") % {
            "budget": charts.number_text(_billions(progress.budget_kopecks), 2),
            "spent": charts.number_text(_billions(progress.spent_kopecks), 2),
            "share": charts.number_text(100 * progress.spent_kopecks / progress.budget_kopecks
                                        if progress.budget_kopecks else 0, 0)},
        bars=[*by_source, (_("освоено"), _billions(progress.spent_kopecks), True)],
        x_max=max([value for _l, value, _h in by_source] + [_billions(progress.spent_kopecks), 0.001]) * 1.25,
        headers=(_("Источник"), _("Млрд ₽")), places=2,
    )
    states = progress.states
    milestones = charts.scaled_bar_chart(
        chart_id="plan-milestones",
        title=_("%(city)s: этапы проектов") % {"city": city_name},
        summary=_("В срок или ещё не наступили: %(on_time)s; просрочены: %(late)s; выполнены с опозданием: "
                  "%(done_late)s.") % {"on_time": progress.on_time, "late": progress.late,
                                      "done_late": states["done_late"]},
        bars=[(_("выполнены в срок"), states["done_on_time"], False), (_("срок не наступил"), states["not_due"], False),
              (_("выполнены с опозданием"), states["done_late"], False), (_("просрочены"), states["late"], True)],
        x_max=max(max(states.values()), 1) * 1.25, headers=(_("Этапы"), _("Число")), places=0,
    )
    result = [budget, milestones]
    if progress.spending_by_year:
        result.append(charts.scaled_bar_chart(
            chart_id="plan-spending",
            title=_("%(city)s: освоено по годам, млрд ₽") % {"city": city_name},
            summary=_("Средства, освоенные при выполнении этапов, по году выполнения."),
            bars=[(str(year), _billions(value), False) for year, value in progress.spending_by_year.items()],
            x_max=max(_billions(v) for v in progress.spending_by_year.values()) * 1.25 or 1,
            headers=(_("Год"), _("Млрд ₽")), places=2,
        ))
    return result


@require_GET
def city_development(request: HttpRequest, slug: str) -> HttpResponse:
    city = _city(slug)
    now = timezone.now()
    progress = plan_progress(city=city, now=now)
    years = programmes.event_years()
    year = _year(request, moscow_today(now).year if moscow_today(now).year in years else (years[-1] if years else
                                                                                         moscow_today(now).year))
    reach = programmes.reach_by_city(year=year, city=city)
    applications = list(contest.applications(city=city))
    return render(request, "citystats/development/city.html", {
        "city": city, "progress": progress, "today": moscow_today(now),
        "plan_charts": plan_charts(progress, city_name=city.name) if progress and progress.projects else [],
        "applications": applications, "year": year, "years": years,
        "events": list(programmes.events(city=city, year=year)), "reach": reach[0] if reach else None,
        "upcoming": list(programmes.upcoming_events(city=city, now=now)[:5]),
        "is_demo": bool((progress and progress.is_demo) or any(a.is_demo for a in applications)),
        "source_labels": SOURCE_LABELS,
    })


@require_GET
def city_calendar_page(request: HttpRequest, slug: str) -> HttpResponse:
    city = _city(slug)
    upcoming = list(programmes.upcoming_events(city=city))
    return render(request, "citystats/development/calendar.html", {
        "city": city, "events": upcoming, "is_demo": any(event.is_demo for event in upcoming),
        "feed": request.build_absolute_uri(reverse("citystats:calendar_ics", args=[city.slug])),
    })


@require_GET
def city_calendar_ics(request: HttpRequest, slug: str) -> HttpResponse:
    city = _city(slug)
    # the feed holds the last 90 days as well, so a subscribed calendar keeps recent events
    since = timezone.now() - dt.timedelta(days=90)
    events = programmes.events(city=city).filter(starts_at__gte=since)
    body = city_calendar(city=city, events=events, host=request.get_host().split(":")[0],
                         url=request.build_absolute_uri(reverse("citystats:calendar", args=[city.slug])))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{city.slug}-events.ics"'
    return response


@require_GET
def summary_page(request: HttpRequest) -> HttpResponse:
    year = _year(request, default_year())
    summary = department_summary(year=year)
    reach_chart = None
    if summary.reach:
        reach_chart = charts.scaled_bar_chart(
            chart_id="reach", title=_("Охват жителей мероприятиями Союза по городам, %(year)s") % {"year": year},
            summary=_("%(events)s мероприятий в %(cities)s городах, охват — %(reach)s жителей.") % {
                "events": summary.events, "cities": summary.event_cities, "reach": f"{summary.reach_total:,}".replace(
                    ",", "\u202f")},
            bars=[(row.city.name, row.value, row.basis == programmes.BASIS_ATTENDANCE) for row in summary.reach],
            x_max=max(row.value for row in summary.reach) * 1.25 or 1, headers=(_("Город"), _("Жителей")), places=0,
        )
    plans_chart = None
    if summary.plans:
        plans_chart = charts.scaled_bar_chart(
            chart_id="plans", title=_("Бюджеты мастер-планов, млрд ₽"),
            summary=_("Планов: %(plans)s; просроченных проектов: %(late)s.") % {
                "plans": len(summary.plans), "late": summary.late_projects},
            bars=[(plan.city.name, _billions(plan.budget_kopecks), bool(plan.late_projects)) for plan in summary.plans],
            x_max=max(_billions(plan.budget_kopecks) for plan in summary.plans) * 1.25 or 1,
            headers=(_("Город"), _("Млрд ₽")), places=2,
        )
    return render(request, "citystats/development/summary.html", {
        "s": summary, "year": year, "reach_chart": reach_chart, "plans_chart": plans_chart,
        "is_demo": summary.is_demo, "basis_attendance": programmes.BASIS_ATTENDANCE,
    })


# --- the lists each figure links to ------------------------------------------------------------------------------


def _city_filter(request: HttpRequest) -> City | None:
    slug = request.GET.get("city", "")
    return City.objects.filter(slug=slug).first() if slug else None


@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    city = _city_filter(request)
    late_only = request.GET.get("late") == "1"
    big_only = request.GET.get("big") == "1"
    category = request.GET.get("category", "")
    rows = []
    for plan in plans_progress():
        if city is not None and plan.city != city:
            continue
        if big_only and plan.budget_kopecks <= 10_000_000_000 * 100:
            continue
        for row in plan.projects:
            if late_only and not row.is_late:
                continue
            if category and row.project.category != category:
                continue
            rows.append((plan.city, row))
    return render(request, "citystats/development/projects.html", {
        "rows": rows, "city": city, "late_only": late_only, "big_only": big_only, "category": category,
        "categories": PlanCategory.choices, "total_budget": sum(row.budget_kopecks for _c, row in rows),
        "total_spent": sum(row.spent_kopecks for _c, row in rows),
    })


@require_GET
def contest_list(request: HttpRequest) -> HttpResponse:
    city = _city_filter(request)
    raw_year = request.GET.get("year", "")
    year = int(raw_year) if raw_year.isdigit() else None
    result = request.GET.get("result", "")
    rows = list(contest.applications(city=city, year=year, result=result if result in ContestResult.values else None))
    return render(request, "citystats/development/contest.html", {
        "rows": rows, "city": city, "year": year, "result": result, "wins": contest.wins_by_year(),
        "result_label": ContestResult(result).label if result in ContestResult.values else "",
    })


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    city = _city_filter(request)
    raw_year = request.GET.get("year", "")
    year = int(raw_year) if raw_year.isdigit() and YEAR_MIN <= int(raw_year) <= YEAR_MAX else None
    rows = list(programmes.events(city=city, year=year, programme=request.GET.get("programme") or None))
    return render(request, "citystats/development/events.html", {
        "rows": rows, "city": city, "year": year,
        "attendance": sum(event.attendance or 0 for event in rows),
        "reach": programmes.reach_by_city(year=year, city=city) if year else [],
    })


# --- open data ---------------------------------------------------------------------------------------------------


@require_GET
def development_data(request: HttpRequest, name: str, extension: str) -> HttpResponse:
    if extension == "json" and name == "city-development":
        body = json.dumps(development_document(), ensure_ascii=False, indent=1)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    elif extension in ("csv", "xlsx") and name in ("master-plans", "contest", "events"):
        content = development_table(name=name, extension=extension)
        content_type = ("text/csv; charset=utf-8" if extension == "csv"
                        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response = HttpResponse(content, content_type=content_type)
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response


# --- the organisers' workspace -----------------------------------------------------------------------------------


def _organiser_only(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect(f"/accounts/login/?next={request.path}")
    if not user_is_organiser(request.user):
        return render(request, "citystats/forbidden.html",
                      {"message": _("Эти данные ведут только организаторы.")}, status=403)
    return None


def _message(error: ApplicationError, request: HttpRequest) -> str:
    return error.message_en if request.LANGUAGE_CODE.startswith("en") else error.message_ru


@require_http_methods(["GET", "POST"])
def workspace(request: HttpRequest) -> HttpResponse:
    """Upload a master-plan or contest file; the lists of projects, applications and events to edit."""
    denied = _organiser_only(request)
    if denied:
        return denied
    errors: list[dict[str, Any]] = []
    refusal = None
    form = DevelopmentUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_UPLOAD_BYTES:
                raise ApplicationError("import_unreadable", "Файл больше 5 МБ.", "The file is larger than 5 MB.")
            content = upload.read()
            if form.cleaned_data["kind"] == "plans":
                plan_result = plan_service.plan_import(content=content, actor=request.user, file_name=upload.name)
                messages.success(request, _("Мастер-планы загружены: городов — %(cities)s, проектов — %(projects)s.")
                                 % {"cities": len(plan_result.cities), "projects": plan_result.projects})
            else:
                contest_result = contest_service.contest_import(content=content, actor=request.user,
                                                                file_name=upload.name)
                messages.success(request, _("Заявки конкурса загружены: %(count)s за %(years)s.") % {
                    "count": contest_result.applications, "years": ", ".join(map(str, contest_result.years))})
            return redirect("citystats:dev_workspace")
        except ApplicationError as error:
            refusal = _message(error, request)
            errors = error.details.get("errors", [])
    now = timezone.now()
    return render(request, "citystats/development/workspace.html", {
        "form": form, "errors": errors, "refusal": refusal,
        "projects": PlanProject.objects.select_related("plan__city").order_by("plan__city__name_ru", "code"),
        "awaiting": Event.objects.select_related("city").filter(starts_at__lte=now, attendance__isnull=True)
        .order_by("-starts_at")[:50],
        "contest_form": ContestApplicationForm(prefix="contest"),
    }, status=422 if refusal else 200)


@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, project_id: int) -> HttpResponse:
    denied = _organiser_only(request)
    if denied:
        return denied
    project = get_object_or_404(PlanProject.objects.select_related("plan__city"), pk=project_id)
    form = ProjectForm(request.POST or None, instance_values=project)
    milestone_forms = [(m, MilestoneForm(initial={"name": m.name, "planned_on": m.planned_on,
                                                  "actual_on": m.actual_on, "spent": m.spent_kopecks / 100},
                                         prefix=f"m{m.pk}")) for m in project.milestones.all()]
    error = None
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        for source in FUNDING_SOURCES:
            values[f"{source}_kopecks"] = kopecks_of(values.pop(source))
        try:
            plan_service.project_update(project_id=project.pk, actor=request.user, **values)
        except ApplicationError as exc:
            error = _message(exc, request)
        else:
            messages.success(request, _("Проект сохранён; изменения записаны в журнал аудита."))
            return redirect("citystats:project_edit", project_id=project.pk)
    return render(request, "citystats/development/project_edit.html", {
        "project": project, "form": form, "milestone_forms": milestone_forms, "error": error,
    }, status=422 if (error or (request.method == "POST" and not form.is_valid())) else 200)


@require_http_methods(["POST"])
def milestone_edit(request: HttpRequest, milestone_id: int) -> HttpResponse:
    denied = _organiser_only(request)
    if denied:
        return denied
    milestone = get_object_or_404(PlanMilestone.objects.select_related("project"), pk=milestone_id)
    form = MilestoneForm(request.POST, prefix=f"m{milestone.pk}")
    if form.is_valid():
        try:
            plan_service.milestone_update(
                milestone_id=milestone.pk, actor=request.user, name=form.cleaned_data["name"],
                planned_on=form.cleaned_data["planned_on"], actual_on=form.cleaned_data["actual_on"],
                spent_kopecks=kopecks_of(form.cleaned_data["spent"]))
        except ApplicationError as exc:
            messages.error(request, _message(exc, request))
        else:
            messages.success(request, _("Этап сохранён; изменения записаны в журнал аудита."))
    else:
        messages.error(request, _("Этап не сохранён: проверьте поля — %(fields)s.") % {
            "fields": ", ".join(str(form.fields[name].label) for name in form.errors)})
    return redirect("citystats:project_edit", project_id=milestone.project_id)


@require_http_methods(["POST"])
def contest_edit(request: HttpRequest) -> HttpResponse:
    denied = _organiser_only(request)
    if denied:
        return denied
    form = ContestApplicationForm(request.POST, prefix="contest")
    if form.is_valid():
        values = dict(form.cleaned_data)
        city, year = values.pop("city"), values.pop("year")
        grant = values.pop("grant")
        values["grant_kopecks"] = kopecks_of(grant) if grant is not None else None
        try:
            contest_service.application_save(city=city, year=year, actor=request.user, **values)
        except ApplicationError as exc:
            messages.error(request, _message(exc, request))
        else:
            messages.success(request, _("Заявка сохранена; изменения записаны в журнал аудита."))
    else:
        messages.error(request, _("Заявка не сохранена: проверьте поля — %(fields)s.") % {
            "fields": ", ".join(str(form.fields[name].label) for name in form.errors if name in form.fields)})
    return redirect("citystats:dev_workspace")


@require_http_methods(["GET", "POST"])
def attendance_edit(request: HttpRequest, event_id: int) -> HttpResponse:
    denied = _organiser_only(request)
    if denied:
        return denied
    event = get_object_or_404(Event.objects.select_related("city", "programme"), pk=event_id)
    form = AttendanceForm(request.POST or None, initial={"attendance": event.attendance})
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            attendance_record(event_id=event.pk, attendance=form.cleaned_data["attendance"], actor=request.user)
        except ApplicationError as exc:
            error = _message(exc, request)
        else:
            messages.success(request, _("Число участников сохранено."))
            return redirect("citystats:dev_workspace")
    return render(request, "citystats/development/attendance.html", {
        "event": event, "form": form, "error": error, "started": event.starts_at <= timezone.now(),
    }, status=409 if error else 200)

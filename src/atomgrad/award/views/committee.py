"""The committee workspace: the moderation queue, an application with its private data and files, the decision.

Thin adapters: access checks in `award.permissions`, reads in `award.selectors_committee`, the decision in
`award.services.moderation`. Every page needs a log-in; another city's application is a 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from atomgrad.award.models import Application, ApplicationStatus, Season, Sphere
from atomgrad.award.permissions import access_application, user_may_decide_application
from atomgrad.award.selectors import moderation_extended_until, moderation_open_in_city, sphere_list
from atomgrad.award.selectors_committee import (
    applicant_age_at_close,
    application_audit_history,
    moderation_city_overview,
    moderation_next_submitted,
    moderation_queue,
    moderation_status_counts,
)
from atomgrad.award.services.moderation import COMMENT_MAX_LENGTH, Decision
from atomgrad.award.services.moderation import application_decide as decide
from atomgrad.award.services.privacy import application_private_read
from atomgrad.cities.permissions import access_city, cities_for_user, user_is_organiser
from atomgrad.core.errors import ApplicationError
from atomgrad.core.names import name_case
from atomgrad.core.text import FreeTextFormMixin

QUEUE_PAGE_SIZE = 25
SEARCH_MAX_LENGTH = 100
STATUS_ALL = "all"

AUDIT_ACTION_LABELS = {
    "application.submitted": _("заявка подана"),
    "application.resubmitted": _("заявка исправлена и подана снова"),
    "application.accepted": _("заявка принята и опубликована"),
    "application.returned": _("заявка возвращена на доработку"),
    "application.rejected": _("заявка отклонена"),
}

# Fields whose errors from the service belong to the comment box, not to the form as a whole.
COMMENT_ERROR_CODES = {"comment_required", "reason_required", "comment_too_long"}


class DecisionForm(FreeTextFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Решение"),
        choices=[
            (Decision.ACCEPT.value, _("Принять и опубликовать")),
            (Decision.RETURN.value, _("Вернуть на доработку")),
            (Decision.REJECT.value, _("Отклонить")),
        ],
        error_messages={
            "required": _("Выберите решение: принять, вернуть на доработку или отклонить."),
            "invalid_choice": _("Выберите решение: принять, вернуть на доработку или отклонить."),
        },
    )
    # Final decisions (accept publishes at once, reject closes the application) are asked twice: the first
    # post shows what will happen, the second (with `confirmed`) decides. Plain forms: no JavaScript needed.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Комментарий для заявителя"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Обязателен, если заявка возвращается на доработку (что исправить) или отклоняется (причина). "
            "Заявитель получит его по электронной почте."
        ),
        error_messages={"max_length": _("Комментарий слишком длинный: не больше %(limit_value)d знаков.")},
    )


def _seasons_for_select(request: HttpRequest) -> tuple[Season | None, list[Season]]:
    seasons = list(Season.objects.order_by("-year"))
    year = request.GET.get("season", "").strip()
    if not year:  # the current season, as `award.selectors.season_current` defines it: the latest year
        return (seasons[0] if seasons else None), seasons
    season = next((item for item in seasons if str(item.year) == year), None)
    if season is None:
        raise Http404
    return season, seasons


@require_GET
@never_cache
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The moderation queue of one city; an organiser (or a member of several committees) first picks one."""
    cities = list(cities_for_user(request.user).order_by("name_ru"))
    if not cities:
        return render(request, "award/committee/no_access.html", status=403)
    season, seasons = _seasons_for_select(request)
    is_organiser = user_is_organiser(request.user)
    context: dict[str, object] = {
        "season": season, "seasons": seasons, "cities": cities, "is_organiser": is_organiser,
        "moderation_open": season is not None and season.phase_rules.moderation_open,
    }
    if season is None:
        return render(request, "award/committee/queue.html", context)

    slug = request.GET.get("city", "").strip()
    if slug:
        city = access_city(request.user, slug)
    elif len(cities) == 1:
        city = cities[0]
    else:
        context["overview"] = moderation_city_overview(season=season, cities=cities)
        return render(request, "award/committee/queue.html", context)

    status = request.GET.get("status", ApplicationStatus.SUBMITTED.value)
    if status != STATUS_ALL and status not in ApplicationStatus.values:
        status = ApplicationStatus.SUBMITTED.value
    spheres = list(sphere_list(active_only=False))
    sphere_slug = request.GET.get("sphere", "")
    sphere: Sphere | None = next((item for item in spheres if item.slug == sphere_slug), None)
    query = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]

    applications = moderation_queue(
        season=season, city=city, status=None if status == STATUS_ALL else status, sphere=sphere, query=query
    )
    counts = moderation_status_counts(season=season, city=city)
    status_tabs = [(item.value, item.label, counts[item.value]) for item in ApplicationStatus]
    status_tabs.append((STATUS_ALL, _("все"), counts[STATUS_ALL]))
    context.update(
        city=city,
        moderation_open=moderation_open_in_city(season=season, city_id=city.pk),
        moderation_extended_until=moderation_extended_until(season=season, city_id=city.pk),
        status=status,
        status_tabs=status_tabs,
        spheres=spheres,
        sphere=sphere,
        query=query,
        page_obj=Paginator(applications, QUEUE_PAGE_SIZE).get_page(request.GET.get("page")),
        filtered=bool(sphere or query),
    )
    return render(request, "award/committee/queue.html", context)


def _detail_response(
    request: HttpRequest, application: Application, form: DecisionForm, *, status: int = 200, confirm: str = ""
) -> HttpResponse:
    history = [
        {"entry": entry, "label": AUDIT_ACTION_LABELS.get(entry.action, entry.action)}
        for entry in application_audit_history(application=application)
    ]
    context = {
        "application": application,
        "age_at_close": applicant_age_at_close(application=application),
        "can_decide": application.status == ApplicationStatus.SUBMITTED
        and user_may_decide_application(request.user, application),
        "moderation_open": moderation_open_in_city(season=application.season, city_id=application.city_id),
        "is_organiser": user_is_organiser(request.user),
        "form": form,
        "history": history,
        "next_application": moderation_next_submitted(application=application),
        "confirm": confirm,
    }
    return render(request, "award/committee/application.html", context, status=status)


@require_GET
@never_cache
@login_required
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    application = access_application(request.user, application_id)
    application_private_read(actor=request.user, application=application, what="details")
    return _detail_response(request, application, DecisionForm())


SUCCESS_MESSAGES = {
    ApplicationStatus.ACCEPTED: _("Заявка %(name)s принята и опубликована на странице города. "
                                  "Заявителю отправлено письмо."),
    ApplicationStatus.RETURNED: _("Заявка %(name)s возвращена на доработку. "
                                  "Заявителю отправлено письмо с комментарием и ссылкой для исправления."),
    ApplicationStatus.REJECTED: _("Заявка %(name)s отклонена. Заявителю отправлено письмо с причиной."),
}


@require_POST
@never_cache
@login_required
def application_decide(request: HttpRequest, application_id: int) -> HttpResponse:
    application = access_application(request.user, application_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _t("Решение не принято: исправьте ошибки в форме."))
        return _detail_response(request, application, form, status=422)
    decision = form.cleaned_data["decision"]
    needs_confirmation = decision == Decision.ACCEPT.value or (
        decision == Decision.REJECT.value and form.cleaned_data["comment"].strip())  # a blank reason fails first
    may_decide = application.status == ApplicationStatus.SUBMITTED and \
        user_may_decide_application(request.user, application)  # else the service's refusal is shown at once
    if needs_confirmation and may_decide and not form.cleaned_data["confirmed"]:
        return _detail_response(request, application, form, confirm=decision)
    try:
        decided = decide(
            actor=request.user,
            application=application,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
        )
    except ApplicationError as error:
        if error.status == 404:
            raise Http404 from error
        reason = error.message(get_language())
        if error.code in COMMENT_ERROR_CODES:
            form.add_error("comment", reason)
            messages.error(request, _t("Решение не принято: исправьте ошибки в форме."))
        else:
            messages.error(request, _t("Решение не принято: %(reason)s") % {"reason": reason})
        # Reload: another member may have decided meanwhile, and the page must show the current state.
        application = access_application(request.user, application_id)
        return _detail_response(request, application, form, status=error.status)
    messages.success(request, SUCCESS_MESSAGES[ApplicationStatus(decided.status)] % {
        "name": name_case(decided.full_name, "genitive")})
    # "#main": the page opens at its top, where the message is (the form posted to "…#h-decision").
    return redirect(reverse("award:committee_application", args=[decided.pk]) + "#main")


@require_GET
@never_cache
@login_required
def application_petition(request: HttpRequest, application_id: int) -> FileResponse:
    """Stream the petition from the private storage, only to those who may see the application."""
    application = access_application(request.user, application_id)
    if not application.petition:
        raise Http404
    application_private_read(actor=request.user, application=application, what="petition")
    storage = application.petition.storage
    try:
        handle = storage.open(application.petition.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"petition-{application.pk}.pdf",
        content_type="application/pdf",
    )

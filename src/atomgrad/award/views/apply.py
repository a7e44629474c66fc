"""Applying for the award on the web: the form, the «what happens next» page and the secret edit link.

Thin adapters: the form checks formats and files, `award.services.applications` checks eligibility and
stores; a refusal from the service is shown on the field it concerns.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from atomgrad.award.forms import ApplicationForm
from atomgrad.award.models import Application, ApplicationStatus, ConsentKind, Season
from atomgrad.award.selectors import moderation_open_in_city, season_current
from atomgrad.award.services.applications import (
    application_get_by_token,
    application_resubmit,
    application_submit,
    applications_close_day,
)
from atomgrad.award.services.privacy import application_erase, application_personal_data
from atomgrad.award.services.reference import consent_current
from atomgrad.core.errors import ApplicationError
from atomgrad.core.http import client_ip, mark_private
from atomgrad.core.ratelimit import address_key, rate_limit_hit

DONE_SESSION_KEY = "atomgrad_application_submitted_id"
APPLY_WINDOW = dt.timedelta(hours=1)


def consent_ip(request: HttpRequest) -> str:
    """The address recorded with a consent; the field needs an IP, so an unknown one is recorded as 0.0.0.0."""
    return client_ip(request) or "0.0.0.0"  # noqa: S104 - an unknown address, recorded as such (never bound to)


def _service_arguments(form: ApplicationForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "city": data["city"],
        "sphere": data["sphere"],
        "full_name": data["full_name"],
        "birth_date": data["birth_date"],
        "workplace": data["workplace"],
        "position": data["position"],
        "story": data["story"],
        "phone": data["phone"],
        "email": data["email"],
        "nomination_kind": data["nomination_kind"],
        "nominator_name": data.get("nominator_name", ""),
        "candidate_consent": bool(data.get("candidate_consent")),
        "petition": data.get("petition"),
        "consent_given": bool(data.get("consent")),
        "consent_document": form.consent_document,
    }


def _show_refusal(form: ApplicationForm, error: ApplicationError) -> None:
    """Put the service's refusal on the field it concerns (or above the form)."""
    field = error.details.get("field")
    message = error.message(get_language())
    form.add_error(field if field in form.fields else None, message)


def _throttled(request: HttpRequest) -> ApplicationError | None:
    """Count this POST against its address's hourly budget (held in the database, so it holds across gunicorn
    workers); the refusal when the budget is used up. Checked before the form reads any file."""
    try:
        rate_limit_hit(scope="apply", key=address_key(client_ip(request)),
                       limit=settings.APPLY_POSTS_PER_ADDRESS_PER_HOUR, window=APPLY_WINDOW)
    except ApplicationError as error:
        messages.error(request, error.message(get_language()))
        return error
    return None


def _typed_again(request: HttpRequest) -> dict[str, Any]:
    """What the person typed, to show again in an unbound form after a refusal that read no field."""
    return {key: value for key, value in request.POST.items() if key not in {"csrfmiddlewaretoken", "consent"}}


def _closed(request: HttpRequest, season: Season | None, *, status: int = 200, notice: str = "") -> HttpResponse:
    return render(request, "award/apply/closed.html", {"season": season, "notice": notice}, status=status)


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    season = season_current()
    if season is None or not season.phase_rules.accepts_applications:
        return _closed(request, season)
    try:
        consent_document = consent_current(kind=ConsentKind.APPLICATION)
    except ApplicationError as error:
        return _closed(request, season, status=error.status, notice=error.message(get_language()))

    status = 200
    throttled = _throttled(request) if request.method == "POST" else None
    if throttled is not None:
        form = ApplicationForm(season=season, consent_document=consent_document, initial=_typed_again(request))
        status = throttled.status
    elif request.method == "POST":
        form = ApplicationForm(request.POST, request.FILES, season=season, consent_document=consent_document)
        if form.is_valid():
            try:
                application = application_submit(
                    season=season, photo=form.cleaned_data["photo"], consent_ip=consent_ip(request),
                    **_service_arguments(form),
                )
            except ApplicationError as error:
                _show_refusal(form, error)
            else:
                request.session[DONE_SESSION_KEY] = application.pk
                return redirect("award:apply_done")
    else:
        form = ApplicationForm(season=season, consent_document=consent_document)
    return render(request, "award/apply/form.html", {
        "season": season,
        "form": form,
        "consent_document": consent_document,
        "close_day": applications_close_day(season),
    }, status=status)


@require_http_methods(["GET"])
def apply_done(request: HttpRequest) -> HttpResponse:
    application_id = request.session.get(DONE_SESSION_KEY)
    application = None
    if application_id is not None:
        application = Application.objects.select_related("season", "city").filter(pk=application_id).first()
    season = application.season if application is not None else season_current()
    return render(request, "award/apply/done.html", {
        "application": application,
        "season": season,
        "masked_email": _mask_email(application.email) if application is not None else "",
    })


def _mask_email(email: str) -> str:
    local, _at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if local else email


def _edit_initial(application: Application) -> dict[str, Any]:
    return {
        "nomination_kind": application.nomination_kind,
        "full_name": application.full_name,
        "birth_date": application.birth_date,
        "city": application.city_id,
        "workplace": application.workplace,
        "position": application.position,
        "sphere": application.sphere_id,
        "story": application.story,
        "phone": application.phone,
        "email": application.email,
        "nominator_name": application.nominator_name,
        "candidate_consent": application.candidate_consent and application.nomination_kind != "self",
    }


# The pages under the secret link must not pass the link on, nor refuse their own forms. `no-referrer` did the
# first and broke the second: under it Chromium sends `Origin: null` with a same-origin POST, and Django's CSRF
# check refuses "null" (403), so a returned application could not be sent again, nor the erase form used.
# `strict-origin` sends only the site's origin (never the path with the token), and the real Origin with the
# site's own forms.
EDIT_LINK_REFERRER_POLICY = "strict-origin"


@never_cache
@require_http_methods(["GET", "POST"])
def apply_edit(request: HttpRequest, token: str) -> HttpResponse:
    application = application_get_by_token(token=token)
    if application is None:
        raise Http404
    season = application.season
    can_fix = application.status == ApplicationStatus.RETURNED and moderation_open_in_city(
        season=season, city_id=application.city_id
    )
    context: dict[str, Any] = {"application": application, "season": season,
                               "masked_email": _mask_email(application.email)}
    if not can_fix:
        response = render(request, "award/apply/status.html", context)
    else:
        try:
            consent_document = consent_current(kind=ConsentKind.APPLICATION)
        except ApplicationError as error:
            return _closed(request, season, status=error.status, notice=error.message(get_language()))
        throttled = _throttled(request) if request.method == "POST" else None
        if throttled is not None:
            form = ApplicationForm(season=season, consent_document=consent_document, application=application,
                                   initial={**_edit_initial(application), **_typed_again(request)})
        elif request.method == "POST":
            form = ApplicationForm(request.POST, request.FILES, season=season, consent_document=consent_document,
                                   application=application)
            if form.is_valid():
                try:
                    application_resubmit(
                        application=application, photo=form.cleaned_data.get("photo"),
                        consent_ip=consent_ip(request), **_service_arguments(form),
                    )
                except ApplicationError as error:
                    _show_refusal(form, error)
                else:
                    messages.success(request, _("Исправленная заявка отправлена оргкомитету. Мы написали вам "
                                                "об этом на электронную почту."))
                    return redirect("award:apply_edit", token=token)
        else:
            form = ApplicationForm(season=season, consent_document=consent_document, application=application,
                                   initial=_edit_initial(application))
        context.update({"form": form, "consent_document": consent_document,
                        "close_day": applications_close_day(season)})
        response = render(request, "award/apply/edit.html", context, status=throttled.status if throttled else 200)
    # The secret link must not leak to other sites, nor the page be indexed (EDIT_LINK_REFERRER_POLICY).
    response["Referrer-Policy"] = EDIT_LINK_REFERRER_POLICY
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _by_token_or_404(request: HttpRequest, token: str) -> Application:
    application = application_get_by_token(token=token)
    if application is None:
        raise Http404
    mark_private(request)
    return application


@require_http_methods(["GET"])
def apply_data(request: HttpRequest, token: str) -> HttpResponse:
    """A copy of everything held about the application (152-ФЗ, art. 14), through its secret link."""
    application = _by_token_or_404(request, token)
    document = application_personal_data(application=application)
    response = HttpResponse(json.dumps(document, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="application-{application.pk}-data.json"'
    response["Referrer-Policy"] = EDIT_LINK_REFERRER_POLICY
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_POST
def apply_erase(request: HttpRequest, token: str) -> HttpResponse:
    """Erase the application (or record the request, for a published candidate), through its secret link."""
    application = _by_token_or_404(request, token)
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Отметьте, что понимаете последствия удаления."))
        return redirect("award:apply_edit", token=token)
    if application_erase(application=application) == "requested":
        messages.success(request, _("Запрос на удаление записан. Организаторы ответят на вашу почту в течение "
                                    "30 дней."))
        return redirect("award:apply_edit", token=token)
    request.session.pop(DONE_SESSION_KEY, None)
    messages.success(request, _("Заявка и все её данные удалены."))
    return redirect("core:home")

"""«Войти и голосовать»: the voter's log-in on the web in three steps.

1. phone  (`voting:login`)       — the number is normalised and a code is sent;
2. code   (`voting:login_code`)  — the code is checked (a new one can be asked for, within the limits);
3. city   (`voting:login_city`)  — the city of residence and the consent; then the voter is logged in
   (`session_login`) and sent to `next` (if it is a safe local address) or to their city's page.

Between steps the clear number is kept only in the server-side session (never in a form field or a page)
and dropped as soon as the code is verified; after that the session holds only the identity's id. Each step
has a time limit, after which the flow starts again. Works without JavaScript; every form has CSRF.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from atomgrad.award.models import ConsentKind, Season
from atomgrad.award.selectors import season_current
from atomgrad.award.services.reference import consent_current
from atomgrad.core.errors import ApplicationError
from atomgrad.core.http import client_ip, mark_private
from atomgrad.voting.auth import session_identity_remember, session_login, session_logout, session_voter
from atomgrad.voting.models import Channel, SeasonVoter, VoterIdentity
from atomgrad.voting.phones import phone_normalise
from atomgrad.voting.services.identity import CODE_LIFETIME, otp_request, otp_verify_with_facts, voter_register
from atomgrad.voting.signals import Verification
from atomgrad.voting.sms import phone_mask

FLOW_KEY = "atomgrad_voter_login"
# How long each step waits for the next one before the flow starts again.
PHONE_STEP_LIFETIME = dt.timedelta(minutes=15)
IDENTITY_STEP_LIFETIME = dt.timedelta(minutes=30)


# --- the flow's state in the session -------------------------------------------------------------------


def _flow(request: HttpRequest) -> dict[str, Any]:
    mark_private(request)  # the flow's pages show the masked number and the voter's state
    return dict(request.session.get(FLOW_KEY) or {})


def _flow_save(request: HttpRequest, flow: dict[str, Any]) -> None:
    request.session[FLOW_KEY] = flow


def _flow_drop(request: HttpRequest) -> None:
    request.session.pop(FLOW_KEY, None)


def _fresh(flow: dict[str, Any], key: str, lifetime: dt.timedelta) -> bool:
    stamp = flow.get(f"{key}_at")
    if not stamp:
        return False
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return False
    return timezone.now() - moment < lifetime


def _flow_phone(request: HttpRequest) -> str | None:
    flow = _flow(request)
    if flow.get("phone") and _fresh(flow, "phone", PHONE_STEP_LIFETIME):
        return str(flow["phone"])
    return None


def _flow_identity(request: HttpRequest, season: Season) -> VoterIdentity | None:
    """The identity whose number was verified in this session a moment ago, or the logged-in voter's."""
    flow = _flow(request)
    if flow.get("identity") and _fresh(flow, "identity", IDENTITY_STEP_LIFETIME):
        return VoterIdentity.objects.filter(pk=flow["identity"]).first()
    voter = session_voter(request, season=season)
    return voter.identity if voter is not None else None


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _error_text(exc: ApplicationError) -> str:
    return exc.message(get_language())


def _steps(current: int) -> list[dict[str, Any]]:
    titles = [_("Номер телефона"), _("Код из SMS"), _("Город и согласие")]
    return [{"number": index, "title": title, "current": index == current, "done": index < current}
            for index, title in enumerate(titles, start=1)]


def _no_season(request: HttpRequest) -> HttpResponse:
    return render(request, "voting/auth/no_season.html", {"steps": _steps(1)}, status=200)


# --- step 1: the phone number ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    season = season_current()
    if season is None:
        return _no_season(request)
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    context: dict[str, Any] = {
        "steps": _steps(1), "season": season, "next": next_url,
        "voter": session_voter(request, season=season), "error": None, "phone_value": "",
    }
    if request.method == "POST":
        raw = request.POST.get("phone", "")[:40]
        try:
            otp_request(phone_raw=raw, client_ip=client_ip(request))
        except ApplicationError as exc:
            context["error"] = _error_text(exc)
            context["phone_value"] = raw if not _is_valid_number(raw) else ""  # never echo a real number
            return render(request, "voting/auth/phone.html", context, status=exc.status)
        _flow_save(request, {
            "phone": phone_normalise(raw), "phone_at": timezone.now().isoformat(), "next": next_url,
        })
        messages.success(request, _("Код отправлен в SMS. Он действует 5 минут."))
        return redirect("voting:login_code")
    return render(request, "voting/auth/phone.html", context)


def _is_valid_number(raw: str) -> bool:
    try:
        phone_normalise(raw)
    except ApplicationError:
        return False
    return True


# --- step 2: the code ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    season = season_current()
    if season is None:
        return _no_season(request)
    phone = _flow_phone(request)
    if phone is None:
        messages.warning(request, _("Сначала введите номер телефона: мы пришлём на него код."))
        return redirect("voting:login")
    context: dict[str, Any] = {
        "steps": _steps(2), "season": season, "phone_masked": phone_mask(phone), "error": None,
        "code_minutes": int(CODE_LIFETIME.total_seconds() // 60),
    }
    if request.method == "POST" and "resend" in request.POST:
        try:
            otp_request(phone_raw=phone, client_ip=client_ip(request))
        except ApplicationError as exc:
            context["error"] = _error_text(exc)
            return render(request, "voting/auth/code.html", context, status=exc.status)
        flow = _flow(request)
        flow["phone_at"] = timezone.now().isoformat()
        _flow_save(request, flow)
        messages.success(request, _("Новый код отправлен. Действует только последний присланный код."))
        return redirect("voting:login_code")
    if request.method == "POST":
        try:
            identity, verification = otp_verify_with_facts(
                phone_raw=phone, code=request.POST.get("code", "")[:20], client_ip=client_ip(request)
            )
        except ApplicationError as exc:
            context["error"] = _error_text(exc)
            return render(request, "voting/auth/code.html", context, status=exc.status)
        flow = _flow(request)
        flow.pop("phone", None)  # the clear number is not needed any more: drop it at once
        flow.pop("phone_at", None)
        flow["identity"] = identity.pk
        flow["identity_at"] = timezone.now().isoformat()
        flow["verification"] = verification.as_session()  # the block's hash and the times, not the number
        request.session.cycle_key()  # a new session id now that the person is verified
        session_identity_remember(request, identity_id=identity.pk)
        next_url = _safe_next(request, flow.get("next"))
        if next_url and next_url.startswith(reverse("voting:my_votes")) and \
                SeasonVoter.objects.filter(identity=identity).exists():
            # «Мои голоса» of a season they voted in needs no new registration (no city, no consent)
            _flow_drop(request)
            return HttpResponseRedirect(next_url)
        _flow_save(request, flow)
        return redirect("voting:login_city")
    return render(request, "voting/auth/code.html", context)


# --- step 3: the city and the consent --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def login_city(request: HttpRequest) -> HttpResponse:
    season = season_current()
    if season is None:
        return _no_season(request)
    identity = _flow_identity(request, season)
    if identity is None:
        messages.warning(request, _("Подтвердите номер телефона, чтобы выбрать город."))
        return redirect("voting:login")
    existing = SeasonVoter.objects.select_related("city").filter(season=season, identity=identity).first()
    try:
        document = consent_current(kind=ConsentKind.VOTER)
    except ApplicationError as exc:
        return render(request, "voting/auth/unavailable.html", {"error": _error_text(exc)}, status=exc.status)
    cities = list(season.cities.order_by("name_ru"))
    context: dict[str, Any] = {
        "steps": _steps(3), "season": season, "cities": cities, "consent_document": document,
        "existing": existing, "city_locked": existing is not None and existing.votes_cast > 0,
        "selected": existing.city.slug if existing else "", "consent_checked": False, "error": None,
        "error_field": None,
    }
    if request.method == "POST":
        city_slug = request.POST.get("city", "")[:64]
        consent = request.POST.get("consent") == "yes"
        context.update(selected=city_slug, consent_checked=consent)
        try:
            voter = voter_register(
                season=season, identity=identity, city_slug=city_slug, consent=consent, channel=Channel.WEB,
                verification=Verification.from_session(_flow(request).get("verification")),
            )
        except ApplicationError as exc:
            context["error"] = _error_text(exc)
            context["error_field"] = {"unknown_city": "city", "city_fixed": "city",
                                      "consent_required": "consent"}.get(exc.code)
            return render(request, "voting/auth/city.html", context, status=exc.status)
        next_url = _safe_next(request, _flow(request).get("next"))
        _flow_drop(request)
        session_login(request, voter=voter)
        messages.success(request, _("Номер подтверждён. Вы голосуете за соискателей города «%(city)s».")
                         % {"city": voter.city.name})
        return HttpResponseRedirect(next_url or reverse("award:city_detail", kwargs={"slug": voter.city.slug}))
    return render(request, "voting/auth/city.html", context)


# --- log-out ---------------------------------------------------------------------------------------------


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    session_logout(request)
    messages.success(request, _("Вы вышли. Чтобы голосовать снова, подтвердите номер телефона."))
    return HttpResponseRedirect(_safe_next(request, request.POST.get("next")) or reverse("core:home"))

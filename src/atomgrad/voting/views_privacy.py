"""«Мои данные»: a logged-in voter (a one-time code proved the number) gets a copy of what the platform holds
about them (a page and a JSON download) and can erase it. Thin: `voting.services.privacy` decides."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from atomgrad.core.errors import ApplicationError
from atomgrad.voting.auth import session_identity_id, session_logout
from atomgrad.voting.models import VoterIdentity
from atomgrad.voting.services.privacy import voter_erase, voter_personal_data
from atomgrad.voting.views import _login_redirect


def _identity(request: HttpRequest) -> VoterIdentity | None:
    """The person whose number a one-time code proved in this session (registered in a season or not)."""
    identity_id = session_identity_id(request)
    return VoterIdentity.objects.filter(pk=identity_id).first() if identity_id is not None else None


@require_http_methods(["GET"])
def my_data(request: HttpRequest) -> HttpResponse:
    identity = _identity(request)
    if identity is None:
        return _login_redirect(request, reverse("voting:my_data"))
    document = voter_personal_data(identity=identity)
    if request.GET.get("format") == "json":
        response = HttpResponse(json.dumps(document, ensure_ascii=False, indent=2),
                                content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="atomgrad-my-data.json"'
        return response
    return render(request, "voting/my_data.html", {"data": document})


@require_POST
def my_data_erase(request: HttpRequest) -> HttpResponse:
    identity = _identity(request)
    if identity is None:
        return _login_redirect(request, reverse("voting:my_data"))
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Отметьте, что понимаете последствия удаления."))
        return redirect("voting:my_data")
    try:
        voter_erase(identity=identity)
    except ApplicationError as error:
        messages.error(request, error.message(get_language()))
        return redirect("voting:my_data")
    session_logout(request)
    messages.success(request, _("Ваши персональные данные удалены. Голоса остались в реестре без связи с вами."))
    return redirect("core:home")

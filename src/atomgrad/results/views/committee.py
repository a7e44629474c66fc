"""The results workspace of committees and organisers: the review (selections, annulment, reversal,
decisions), the protocol (draft, sign, scan), publication, ceremony documents and the organisers' exports.

Thin adapters over `results.services`. Every page needs a log-in; a city the person may not act on is a 404
(`access_city`), and every service checks the same again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import storages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _t
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from atomgrad.award.models import Season
from atomgrad.cities.models import City
from atomgrad.cities.permissions import access_city, cities_for_user, user_is_organiser
from atomgrad.core.errors import ApplicationError
from atomgrad.integrity.permissions import findings_visible
from atomgrad.integrity.selectors_review import finding_choices, finding_get, finding_views
from atomgrad.jobs.selectors import job_latest, job_latest_done
from atomgrad.jobs.services import job_start
from atomgrad.results.forms import (
    AnnulForm,
    DisqualifyForm,
    ReasonForm,
    ReverseForm,
    ScanForm,
    SelectionForm,
    SignForm,
    TieForm,
)
from atomgrad.results.jobs import CEREMONY_DOCUMENTS, SEASON_PROTOCOLS
from atomgrad.results.models import CityDecision, CityProtocol
from atomgrad.results.permissions import city_is_frozen, review_counts_visible, user_is_committee_member
from atomgrad.results.selectors import (
    STATUS_ANNULLED,
    annulment_list,
    audit_entries,
    decision_list,
    protocol_latest,
    publication_get,
    season_city_statuses,
    vote_selection,
)
from atomgrad.results.services.annulment import annulments_reverse, votes_annul
from atomgrad.results.services.decisions import (
    candidate_disqualify,
    city_declare_void,
    decision_withdraw,
    tie_decide,
)
from atomgrad.results.services.documents import DOCUMENTS_STORAGE_PATH
from atomgrad.results.services.exports import audit_csv
from atomgrad.results.services.protocol import protocol_attach_scan, protocol_generate, protocol_sign
from atomgrad.results.services.publication import publication_publish_city, publication_publish_season
from atomgrad.results.services.tally import city_tally, reason_label
from atomgrad.results.views import season_or_404
from atomgrad.voting.services.ballots import voting_closes_at

VOTES_PAGE_SIZE = 50


def _error_message(request: HttpRequest, error: ApplicationError) -> None:
    if error.status == 404:
        raise Http404 from error
    messages.error(request, error.message(get_language()))


def _act(request: HttpRequest, action: Callable[[], Any], *, done: str | Callable[[Any], str], then: str
         ) -> HttpResponse:
    """Run a service for the person, then go back to `then` (post/redirect/get): the next page says the service's
    refusal, or `done` (a text, or a function of what the service returned)."""
    try:
        result = action()
    except ApplicationError as error:
        _error_message(request, error)
    else:
        messages.success(request, done(result) if callable(done) else done)
    return redirect(then)


def _workspace_url(season: Season, city: City, *, query: str = "") -> str:
    url = reverse("results:review", args=[season.year, city.slug])
    return f"{url}?{query}" if query else url


def _candidate_choices(tally: Any) -> list[tuple[int, str]]:
    return sorted(((line.id, line.full_name) for line in tally.candidates), key=lambda item: item[1])


# --- the index ----------------------------------------------------------------------------------------------


@require_GET
@never_cache
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The cities the person may act on, each with where its result stands; organisers also see the season's
    publication, documents and exports."""
    cities = list(cities_for_user(request.user).order_by("name_ru"))
    if not cities:
        return render(request, "award/committee/no_access.html", status=403)
    seasons = list(Season.objects.order_by("-year"))
    year = request.GET.get("season", "")
    season = next((item for item in seasons if str(item.year) == year), seasons[0] if seasons else None)
    if year and (season is None or str(season.year) != year):
        raise Http404
    context: dict[str, Any] = {"season": season, "seasons": seasons, "is_organiser": user_is_organiser(request.user)}
    if season is not None:
        statuses = season_city_statuses(season=season)
        allowed = {city.pk for city in cities}
        context["statuses"] = [status for status in statuses if status.city.pk in allowed]
        if context["is_organiser"]:
            params = {"season": season.year}
            context["documents_job"] = job_latest(kind=CEREMONY_DOCUMENTS, params=params)
            context["protocols_job"] = job_latest(kind=SEASON_PROTOCOLS, params=params)
            context["broadcast_job"] = job_latest(kind="results_broadcast", params=params)  # the bot's job
            context["documents_stored"] = storages["private"].exists(DOCUMENTS_STORAGE_PATH.format(year=season.year))
    return render(request, "results/committee/index.html", context)


# --- the review workspace -----------------------------------------------------------------------------------


def _selection_form(request: HttpRequest, season: Season, city: City,
                    candidates: list[tuple[int, str]]) -> SelectionForm:
    """The review's filters; the «Сигнал» filter only for someone who may see the city's findings now."""
    findings = (finding_choices(season=season, city=city)
                if findings_visible(user=request.user, season=season, city=city) else None)
    return SelectionForm(request.GET or None, candidates=candidates, findings=findings)


def _review_response(request: HttpRequest, season: Season, city: City, *, annul_form: AnnulForm | None = None,
                     reverse_form: ReverseForm | None = None, status: int = 200) -> HttpResponse:
    closes_at = voting_closes_at(season=season, city_id=city.pk)
    counts_visible = review_counts_visible(season=season, city=city)
    signals_visible = findings_visible(user=request.user, season=season, city=city)
    context: dict[str, Any] = {
        "season": season, "city": city, "closes_at": closes_at, "counts_visible": counts_visible,
        "signals_visible": signals_visible, "is_organiser": user_is_organiser(request.user),
        "findings": finding_views(season=season, city=city) if signals_visible else [],
        "review_open": False, "frozen": city_is_frozen(season=season, city=city),
        "protocol": protocol_latest(season=season, city=city),
        "publication": publication_get(season=season, city=city),
    }
    if not counts_visible:
        # Issue 12: while the city votes, no count, place, laureate or list of votes reaches this page.
        return render(request, "results/committee/review.html", context, status=status)
    tally = city_tally(season=season, city=city)
    candidates = _candidate_choices(tally)
    filters = _selection_form(request, season, city, candidates)
    selection = filters.selection()
    votes = vote_selection(season=season, city=city, selection=selection)
    page = Paginator(votes, VOTES_PAGE_SIZE).get_page(request.GET.get("page"))
    found = page.paginator.count
    review_open = not context["frozen"] and timezone.now() >= closes_at
    annulled_view = selection.status == STATUS_ANNULLED
    page_vote_ids = [vote.pk for vote in page.object_list]
    annulments_on_page = {
        annulment.vote_id: annulment
        for annulment in annulment_list(season=season, city=city, in_force_only=True).filter(vote_id__in=page_vote_ids)
    }
    for vote in page.object_list:
        vote.annulment_in_force = annulments_on_page.get(vote.pk)  # type: ignore[attr-defined]
    selected_finding = (finding_get(season=season, city=city, finding_id=selection.finding_id)
                        if selection.finding_id is not None else None)
    if annul_form is None:
        initial: dict[str, Any] = {"expected_count": found, "scope": "checked"}
        if selected_finding is not None:
            # The finding's action: its still-valid votes, the whole selection, its kind as the reason code;
            # the committee writes its own reason and confirms.
            initial.update(scope=AnnulForm.SCOPE_SELECTION, reason_code=selected_finding.kind)
        annul_form = AnnulForm(initial=initial)
    context.update({
        "tally": tally, "filters": filters, "page_obj": page, "found": found,
        "query": request.GET.urlencode(), "review_open": review_open,
        "annulled_view": annulled_view, "selected_finding": selected_finding,
        "annul_form": annul_form,
        "reverse_form": reverse_form or ReverseForm(initial={"expected_count": found, "scope": "checked"}),
        "annulments": annulment_list(season=season, city=city)[:200],
        "decisions": decision_list(season=season, city=city),
        "disqualify_form": DisqualifyForm(candidates=candidates),
        "void_form": ReasonForm(),
        "tie_form": TieForm(),
        "reasons": [(reason_label(code), count) for code, count in tally.annulled_by_reason.items()],
        "names": {line.id: line.full_name for line in tally.candidates},
    })
    return render(request, "results/committee/review.html", context, status=status)


@require_GET
@never_cache
@login_required
def review(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    city = access_city(request.user, slug)
    return _review_response(request, season_or_404(year), city)


@dataclass(frozen=True)
class _BulkTexts:
    """What the committee reads after a bulk decision (already translated)."""

    invalid: str
    none_ticked: str
    done: str  # with %(count)s
    none_ticked_field: str | None = None  # also shown at the list of ticks, if given


def _on_selection_or_ticked(
    request: HttpRequest, year: int, slug: str, *, form_class: type[AnnulForm] | type[ReverseForm],
    ids_field: str, form_key: str, act: Callable[..., list[Any]], texts: _BulkTexts,
) -> HttpResponse:
    """The flow annulling votes and reversing annulments share: the decision applies either to the whole
    current selection (the review's filters, with the count the committee saw) or to the rows it ticked
    (`ids_field`, also the name of `act`'s keyword for them). A refusal re-renders the review with the form
    under `form_key`."""
    city = access_city(request.user, slug)
    season = season_or_404(year)
    tally = city_tally(season=season, city=city)
    filters = _selection_form(request, season, city, _candidate_choices(tally))
    form = form_class(request.POST)
    form.fields[ids_field].choices = [(value, value) for value in request.POST.getlist(ids_field)]

    def refused(status: int) -> HttpResponse:
        return _review_response(request, season, city, status=status, **{form_key: form})

    if not form.is_valid():
        messages.error(request, texts.invalid)
        return refused(422)
    data = form.cleaned_data
    decision = {"actor": request.user, "season": season, "city": city, "reason_code": data["reason_code"],
                "reason": data["reason"]}
    if data["scope"] != form_class.SCOPE_SELECTION and not data[ids_field]:
        if texts.none_ticked_field:
            form.add_error(ids_field, texts.none_ticked_field)
        messages.error(request, texts.none_ticked)
        return refused(422)
    try:
        if data["scope"] == form_class.SCOPE_SELECTION:
            done = act(**decision, selection=filters.selection(), expected_count=data["expected_count"])
        else:
            done = act(**decision, **{ids_field: data[ids_field]})
    except ApplicationError as error:
        _error_message(request, error)
        return refused(error.status)
    messages.success(request, texts.done % {"count": len(done)})
    return redirect(_workspace_url(season, city, query=request.GET.urlencode()))


@require_POST
@never_cache
@login_required
def annul(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    return _on_selection_or_ticked(
        request, year, slug, form_class=AnnulForm, ids_field="vote_ids", form_key="annul_form", act=votes_annul,
        texts=_BulkTexts(
            invalid=_t("Голоса не аннулированы: исправьте ошибки в форме."),
            none_ticked=_t("Голоса не аннулированы: не отмечено ни одного голоса."),
            none_ticked_field=_t("Отметьте в списке голоса, которые нужно аннулировать."),
            done=_t("Аннулировано голосов: %(count)s. Записи добавлены в реестр."),
        ),
    )


@require_POST
@never_cache
@login_required
def reverse_annulments(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    return _on_selection_or_ticked(
        request, year, slug, form_class=ReverseForm, ids_field="annulment_ids", form_key="reverse_form",
        act=annulments_reverse,
        texts=_BulkTexts(
            invalid=_t("Аннулирование не отменено: исправьте ошибки в форме."),
            none_ticked=_t("Аннулирование не отменено: не отмечено ни одного голоса."),
            done=_t("Отменено аннулирований: %(count)s. Голоса снова учитываются."),
        ),
    )


@require_POST
@never_cache
@login_required
def disqualify(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    city = access_city(request.user, slug)
    season = season_or_404(year)
    tally = city_tally(season=season, city=city)
    form = DisqualifyForm(request.POST, candidates=_candidate_choices(tally))
    if not form.is_valid():
        messages.error(request, _t("Соискатель не снят: выберите соискателя и укажите основание."))
        return redirect(_workspace_url(season, city) + "#decisions")
    candidate = next((c for c in season.applications.filter(pk=form.cleaned_data["candidate"], city=city)), None)
    if candidate is None:
        raise Http404
    return _act(request, lambda: candidate_disqualify(actor=request.user, season=season, city=city,
                                                      candidate=candidate, reason=form.cleaned_data["reason"]),
                done=_t("Соискатель «%(name)s» снят с голосования.") % {"name": candidate.full_name},
                then=_workspace_url(season, city) + "#decisions")


@require_POST
@never_cache
@login_required
def declare_void(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    city = access_city(request.user, slug)
    season = season_or_404(year)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _t("Решение не принято: укажите основание."))
        return redirect(_workspace_url(season, city) + "#decisions")
    return _act(request, lambda: city_declare_void(actor=request.user, season=season, city=city,
                                                   reason=form.cleaned_data["reason"]),
                done=_t("Голосование в городе признано недействительным."),
                then=_workspace_url(season, city) + "#decisions")


@require_POST
@never_cache
@login_required
def withdraw_decision(request: HttpRequest, year: int, slug: str, decision_id: int) -> HttpResponse:
    city = access_city(request.user, slug)
    season = season_or_404(year)
    decision = CityDecision.objects.filter(pk=decision_id, season=season, city=city).select_related(
        "season", "city").first()
    if decision is None:
        raise Http404
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _t("Решение не отменено: укажите причину отмены."))
        return redirect(_workspace_url(season, city) + "#decisions")
    return _act(request, lambda: decision_withdraw(actor=request.user, decision=decision,
                                                   reason=form.cleaned_data["reason"]),
                done=_t("Решение отменено."), then=_workspace_url(season, city) + "#decisions")


@require_POST
@never_cache
@login_required
def decide_tie(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    city = access_city(request.user, slug)
    season = season_or_404(year)
    form = TieForm(request.POST)
    if not form.is_valid():
        messages.error(request, _t("Решение не записано: выберите правило и поясните его применение."))
        return redirect(_workspace_url(season, city) + "#tie")
    tally = city_tally(season=season, city=city)
    orders: dict[int, list[int]] = {}
    try:
        for tie in tally.tie_groups:
            positions = []
            for candidate_id in tie.candidates:
                raw = request.POST.get(f"position-{candidate_id}", "").strip()
                positions.append((int(raw), candidate_id))
            orders[tie.votes] = [candidate_id for _, candidate_id in sorted(positions)]
            if len({position for position, _ in positions}) != len(positions):
                raise ValueError
    except ValueError:
        messages.error(request, _t("Решение не записано: у каждого соискателя должно быть своё место в порядке."))
        return redirect(_workspace_url(season, city) + "#tie")
    return _act(request, lambda: tie_decide(actor=request.user, season=season, city=city,
                                            rule=form.cleaned_data["rule"],
                                            explanation=form.cleaned_data["explanation"], orders=orders),
                done=_t("Решение о равенстве голосов записано. Сформируйте протокол заново."),
                then=_workspace_url(season, city) + "#tie")


# --- the protocol -------------------------------------------------------------------------------------------


def _protocol_or_404(season: Season, city: City, protocol_id: int) -> CityProtocol:
    protocol = CityProtocol.objects.filter(pk=protocol_id, season=season, city=city).select_related(
        "season", "city").first()
    if protocol is None:
        raise Http404
    return protocol


@require_GET
@never_cache
@login_required
def protocol_page(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    city = access_city(request.user, slug)
    season = season_or_404(year)
    protocol = protocol_latest(season=season, city=city)
    counts_visible = review_counts_visible(season=season, city=city)
    tally = city_tally(season=season, city=city) if counts_visible else None
    return render(request, "results/committee/protocol.html", {
        "season": season, "city": city, "protocol": protocol, "tally": tally, "counts_visible": counts_visible,
        "closes_at": voting_closes_at(season=season, city_id=city.pk),
        "publication": publication_get(season=season, city=city),
        "history": CityProtocol.objects.filter(season=season, city=city).order_by("-version"),
        "is_organiser": user_is_organiser(request.user),
        "is_member": user_is_committee_member(request.user, city),
        "sign_form": SignForm(), "scan_form": ScanForm(),
        "frozen": city_is_frozen(season=season, city=city),
        "reasons": [(reason_label(code), count) for code, count in tally.annulled_by_reason.items()] if tally else [],
    })


def _protocol_url(season: Season, city: City) -> str:
    return reverse("results:protocol", args=[season.year, city.slug])


@require_POST
@never_cache
@login_required
def protocol_make(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    city = access_city(request.user, slug)
    season = season_or_404(year)
    return _act(request, lambda: protocol_generate(actor=request.user, season=season, city=city),
                done=lambda protocol: _t("Сформирован проект протокола № %(number)s.") % {"number": protocol.version},
                then=_protocol_url(season, city))


@require_POST
@never_cache
@login_required
def protocol_mark_signed(request: HttpRequest, year: int, slug: str, protocol_id: int) -> HttpResponse:
    city = access_city(request.user, slug)
    season = season_or_404(year)
    protocol = _protocol_or_404(season, city, protocol_id)
    form = SignForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("confirm", []):
            messages.error(request, error)
        return redirect(_protocol_url(season, city))
    return _act(request, lambda: protocol_sign(actor=request.user, protocol=protocol,
                                               scan=form.cleaned_data.get("scan")),
                done=_t("Протокол отмечен подписанным. Итоги города больше не меняются."),
                then=_protocol_url(season, city))


@require_POST
@never_cache
@login_required
def protocol_scan(request: HttpRequest, year: int, slug: str, protocol_id: int) -> HttpResponse:
    city = access_city(request.user, slug)
    season = season_or_404(year)
    protocol = _protocol_or_404(season, city, protocol_id)
    form = ScanForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _t("Скан не загружен: выберите файл."))
        return redirect(_protocol_url(season, city))
    return _act(request, lambda: protocol_attach_scan(actor=request.user, protocol=protocol,
                                                      scan=form.cleaned_data["scan"]),
                done=_t("Скан подписанного протокола загружен."), then=_protocol_url(season, city))


@require_GET
@never_cache
@login_required
def protocol_download(request: HttpRequest, year: int, slug: str, protocol_id: int) -> FileResponse:
    city = access_city(request.user, slug)
    protocol = _protocol_or_404(season_or_404(year), city, protocol_id)
    return FileResponse(protocol.pdf.open("rb"), content_type="application/pdf",
                        filename=f"protocol-{year}-{slug}-v{protocol.version}.pdf")


@require_GET
@never_cache
@login_required
def protocol_scan_download(request: HttpRequest, year: int, slug: str, protocol_id: int) -> FileResponse:
    city = access_city(request.user, slug)
    protocol = _protocol_or_404(season_or_404(year), city, protocol_id)
    if not protocol.signed_scan:
        raise Http404
    return FileResponse(protocol.signed_scan.open("rb"), as_attachment=True,
                        filename=protocol.signed_scan.name.rsplit("/", 1)[-1])


# --- publication (organisers) -------------------------------------------------------------------------------


def _organiser_or_404(request: HttpRequest) -> None:
    if not user_is_organiser(request.user):
        raise Http404


@require_POST
@never_cache
@login_required
def publish_city(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    city = access_city(request.user, slug)
    season = season_or_404(year)
    return _act(request, lambda: publication_publish_city(actor=request.user, season=season, city=city),
                done=_t("Итоги города %(city)s опубликованы.") % {"city": city.name}, then=_protocol_url(season, city))


@require_POST
@never_cache
@login_required
def publish_season(request: HttpRequest, year: int) -> HttpResponse:
    _organiser_or_404(request)
    season = season_or_404(year)
    return _act(request, lambda: publication_publish_season(actor=request.user, season=season),
                done=lambda publications: _t("Опубликованы итоги городов: %(count)s.") % {"count": len(publications)},
                then=reverse("results:committee_index") + f"?season={season.year}")


@require_POST
@login_required
def documents_make(request: HttpRequest, year: int) -> HttpResponse:
    """Queue the ceremony documents (a long job: the page that follows shows its progress)."""
    return _job_start(request, year, CEREMONY_DOCUMENTS)


@require_POST
@login_required
def protocols_make(request: HttpRequest, year: int) -> HttpResponse:
    """Queue the ZIP of every city's protocol."""
    return _job_start(request, year, SEASON_PROTOCOLS)


def _job_start(request: HttpRequest, year: int, kind: str) -> HttpResponse:
    _organiser_or_404(request)
    season = season_or_404(year)
    try:
        job = job_start(kind=kind, actor=request.user, params={"season": season.year})
    except ApplicationError as error:
        _error_message(request, error)
        return redirect(reverse("results:committee_index") + f"?season={season.year}")
    return redirect("jobs:detail", job_id=job.pk)


@require_GET
@never_cache
@login_required
def documents_download(request: HttpRequest, year: int) -> HttpResponse:
    """The latest finished ceremony documents of the season (the job page has the same link), or else the
    archive `documents_store` left (the demo builds it that way)."""
    _organiser_or_404(request)
    season = season_or_404(year)
    job = job_latest_done(kind=CEREMONY_DOCUMENTS, params={"season": season.year})
    if job is not None:
        return redirect("jobs:download", job_id=job.pk)
    storage = storages["private"]
    path = DOCUMENTS_STORAGE_PATH.format(year=season.year)
    if not storage.exists(path):
        raise Http404
    return FileResponse(storage.open(path, "rb"), as_attachment=True, filename=f"ceremony-documents-{year}.zip")


@require_GET
@never_cache
@login_required
def audit_download(request: HttpRequest) -> StreamingHttpResponse:
    """The whole audit log as CSV (organisers only: it names who decided)."""
    _organiser_or_404(request)
    response = StreamingHttpResponse(audit_csv(audit_entries().iterator(chunk_size=2000)),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response

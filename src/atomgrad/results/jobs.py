"""The results' long jobs, run by the task queue (`atomgrad.jobs`): the ceremony documents and the season's
protocols in one ZIP. Organisers only; each job's page shows its progress and keeps the ZIP for download."""

from __future__ import annotations

import zipfile
from typing import Any, BinaryIO

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from atomgrad.cities.permissions import user_is_organiser
from atomgrad.core.errors import ApplicationError
from atomgrad.jobs.registry import JobKind, JobResult, Progress, User, register
from atomgrad.results.models import Publication
from atomgrad.results.selectors import season_city_statuses, season_get
from atomgrad.results.services.documents import documents_build

CEREMONY_DOCUMENTS = "ceremony_documents"
SEASON_PROTOCOLS = "season_protocols"


def _season(params: dict[str, Any]):  # type: ignore[no-untyped-def]
    season = season_get(year=params.get("season"))
    if season is None or str(season.year) != str(params.get("season")):
        raise ApplicationError("season_not_found", "Такого сезона нет.", "There is no such season.", status=404)
    return season


def _organisers(user: User, params: dict[str, Any]) -> bool:
    return user_is_organiser(user)


def _documents_check(params: dict[str, Any]) -> None:
    if not Publication.objects.filter(season=_season(params)).exists():
        raise ApplicationError(
            "nothing_published", "Итоги сезона ещё не опубликованы: документов пока нет.",
            "No result of the season is published yet: there are no documents.", status=409,
        )


def _documents_run(*, params: dict[str, Any], output: BinaryIO, progress: Progress,
                   actor: AbstractBaseUser | None) -> JobResult:
    season = _season(params)
    summary = documents_build(season=season, output=output, progress=progress, actor=actor)
    return JobResult(
        filename=f"ceremony-documents-{season.year}.zip",
        summary=(f"Дипломов: {summary.diplomas}, почётных грамот: {summary.grants}, "
                 f"призёров в списке: {summary.laureates}."),
    )


def _protocols_run(*, params: dict[str, Any], output: BinaryIO, progress: Progress,
                   actor: AbstractBaseUser | None) -> JobResult:
    """Every city's protocol (the signed one, or the newest draft, with the signed scan where there is one)."""
    season = _season(params)
    statuses = season_city_statuses(season=season)
    missing: list[str] = []
    signed = drafts = 0
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for done, status in enumerate(statuses, start=1):
            protocol = status.protocol
            if protocol is None:
                missing.append(status.city.name_ru)
            else:
                state = "подписан" if protocol.is_signed else "проект"
                signed += protocol.is_signed
                drafts += not protocol.is_signed
                name = f"{season.year}/{status.city.slug}-протокол-{protocol.version}-{state}"
                with protocol.pdf.open("rb") as pdf:
                    archive.writestr(f"{name}.pdf", pdf.read())
                if protocol.signed_scan:
                    with protocol.signed_scan.open("rb") as scan:
                        archive.writestr(f"{name}-скан{_extension(protocol.signed_scan.name)}", scan.read())
            progress(done, len(statuses), status.city.name_ru)
        lines = [f"Протоколы сезона {season.year}: подписанных {signed}, проектов {drafts}."]
        if missing:
            lines.append("Протокола ещё нет: " + ", ".join(missing) + ".")
        archive.writestr(f"{season.year}/README.txt", "\n".join(lines) + "\n")
    return JobResult(filename=f"protocols-{season.year}.zip", summary=" ".join(lines))


def _protocols_check(params: dict[str, Any]) -> None:
    _season(params)


def _extension(name: str) -> str:
    return "." + name.rsplit(".", 1)[-1] if "." in name else ""


def _title_documents(params: dict[str, Any]) -> str:
    return _("Документы церемонии, %(year)s") % {"year": params.get("season")}


def _title_protocols(params: dict[str, Any]) -> str:
    return _("Протоколы городов, %(year)s") % {"year": params.get("season")}


def register_jobs() -> None:
    register(JobKind(name=CEREMONY_DOCUMENTS, title=_title_documents, may_start=_organisers, run=_documents_run,
                     content_type="application/zip", check=_documents_check))
    register(JobKind(name=SEASON_PROTOCOLS, title=_title_protocols, may_start=_organisers, run=_protocols_run,
                     content_type="application/zip", check=_protocols_check))


__all__ = ["CEREMONY_DOCUMENTS", "SEASON_PROTOCOLS", "register_jobs"]

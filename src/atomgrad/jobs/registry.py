"""The kinds of long job. An app that owns a job registers it here (from its AppConfig.ready), so this app
knows nothing of what a job does: `results` registers the ceremony documents and the season's protocols."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

User = AbstractBaseUser | AnonymousUser
# progress(done, total, step): how far the job is; the worker records it for the job's page.
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class JobResult:
    filename: str  # the download's file name
    summary: str = ""  # one line for the page, e.g. «дипломов 1 040, грамот 93»


@dataclass(frozen=True)
class JobKind:
    name: str
    # The page's title for these parameters («Документы церемонии, 2026»).
    title: Callable[[dict[str, Any]], str]
    # Who may start it with these parameters (and so see it and download its result).
    may_start: Callable[[User, dict[str, Any]], bool]
    # run(*, params, output, progress, actor) -> JobResult: does the work, writing the result file to the binary
    # `output`; raises ApplicationError with a message for people when it cannot be done.
    run: Callable[..., JobResult]
    content_type: str = "application/octet-stream"
    # check(params): raises ApplicationError when the job cannot be done now, so it is refused at once
    # instead of failing in the queue.
    check: Callable[[dict[str, Any]], None] | None = None


_KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    _KINDS[kind.name] = kind
    return kind


def kind_get(name: str) -> JobKind | None:
    return _KINDS.get(name)


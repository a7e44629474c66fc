"""`make run` is the first command on a fresh machine: it must start the production server (gunicorn, static files
by whitenoise, DEBUG off) on the demo in SQLite, and hold a burst of 200 parallel clients without a reset or a
5xx. The test runs `make run` itself, in a fresh var/ folder, with a small demo."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLIENTS = 200

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str, timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def _environment(var_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           # `make run` is the SQLite demo: nothing of the test run's own configuration may leak in.
           if key not in {"DATABASE_URL", "DEBUG", "SITE_URL", "DJANGO_SETTINGS_MODULE", "SERVE_MEDIA",
                          "DEMO_MODE", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    env["ATOMGRAD_VAR_DIR"] = str(var_dir)
    return env


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    if os.environ.get("DATABASE_URL"):
        pytest.skip("`make run` serves the SQLite demo; this test runs in the SQLite pass of `make test`")
    var_dir = tmp_path_factory.mktemp("make-run-var")
    port = _free_port()
    log = (var_dir / "make-run.log").open("w")
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}", "DEMO_ARGS=--applications 40",
         f"PYTHON={sys.executable}"],
        cwd=REPO, env=_environment(var_dir), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 600
        while True:
            if process.poll() is not None:
                pytest.fail(f"make run exited with {process.returncode}:\n{(var_dir / 'make-run.log').read_text()}")
            try:
                _get(port, "/", timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("make run did not start serving within 10 minutes")
                time.sleep(0.5)
        yield port, var_dir
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def test_make_run_serves_gunicorn_with_debug_off_and_hashed_static_files(served):
    port, var_dir = served
    status, headers, body = _get(port, "/")
    assert status == 200
    assert headers["server"].startswith("gunicorn")
    page = body.decode()
    assert "вымышлены" in page  # the demo banner (DEMO_MODE)

    # whitenoise serves the collected, content-hashed files, cacheable for ever
    stylesheet = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, "the page must link the collected, hashed stylesheet (ManifestStaticFilesStorage)"
    status, headers, body = _get(port, stylesheet.group(1))
    assert status == 200 and body
    assert "immutable" in headers["cache-control"]

    # DEBUG off: an unknown address is a plain 404, not Django's technical page listing the URL patterns
    status, _headers, body = _get(port, "/no-such-page/")
    assert status == 404
    assert b"URLconf" not in body and b"Django tried" not in body

    # the demo's photos are served too (no proxy in front of `make run`)
    photo = re.search(r'src="(/media/[^"]+\.jpg)"', _get(port, "/cities/sarov/")[2].decode()) or re.search(
        r'src="(/media/[^"]+\.jpg)"', page)
    if photo is None:
        photos = sorted((var_dir / "media").rglob("*.jpg"))
        assert photos, "the demo must have generated photos"
        photo_path = "/media/" + photos[0].relative_to(var_dir / "media").as_posix()
    else:
        photo_path = photo.group(1)
    status, headers, _body = _get(port, photo_path)
    assert status == 200 and headers["content-type"] == "image/jpeg"


def test_make_run_holds_200_parallel_clients(served):
    port, _var_dir = served
    paths = ["/", "/rules/", "/vote/login/", "/api/v1/cities", "/static/core/site.css"]
    barrier = threading.Barrier(CLIENTS)
    outcomes: list[object] = [None] * CLIENTS

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            connection.connect()
            barrier.wait(timeout=60)  # all 200 connections are open before any request is sent
            connection.request("GET", paths[index % len(paths)])
            response = connection.getresponse()
            response.read()
            outcomes[index] = response.status
        except Exception as exc:  # noqa: BLE001 - every failure (a reset above all) is the finding
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(index,)) for index in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    failures = [outcome for outcome in outcomes if not isinstance(outcome, int)]
    assert not failures, f"{len(failures)} of {CLIENTS} clients failed, e.g. {failures[:3]!r}"
    server_errors = [status for status in outcomes if isinstance(status, int) and status >= 500]
    assert not server_errors
    assert all(status in (200, 302) for status in outcomes), sorted(set(outcomes))


def test_site_url_follows_port_when_unset(tmp_path):
    """The link e-mailed to an applicant must point at the port the server runs on."""
    env = _environment(tmp_path)
    env.update(PORT="8123", PYTHONPATH=str(REPO / "src"), DJANGO_SETTINGS_MODULE="atomgrad.settings")
    code = "from django.conf import settings; print(settings.SITE_URL)"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "http://127.0.0.1:8123"
    env["SITE_URL"] = "https://award.example.ru/"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "https://award.example.ru"

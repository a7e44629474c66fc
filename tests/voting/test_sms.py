"""The SMS backends: the file backend's line format (a contract other tools read), the console backend's
masking, and the http gateway adapter against a real HTTP server on 127.0.0.1 (retries, no retry on 4xx)."""

from __future__ import annotations

import contextlib
import json
import stat
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from atomgrad.voting.sms import SmsDeliveryError, phone_mask, sms_send

PHONE = "+79857654321"
TEXT = "Код для голосования «Новые Созидатели»: 123456. Никому не сообщайте его."


# --- file ---------------------------------------------------------------------------------------------------


def test_file_backend_appends_one_line_per_message(settings, tmp_path):
    path = tmp_path / "deep" / "folder" / "sms.log"  # the folder is created
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = path
    sms_send(phone=PHONE, text=TEXT)
    sms_send(phone="+79161234567", text="Код для голосования «Новые Созидатели»: 000042. Никому не сообщайте его.")
    raw = path.read_bytes()
    assert raw == (f"{PHONE}\t{TEXT}\n".encode() + "+79161234567\tКод для голосования «Новые Созидатели»: 000042. "
                   "Никому не сообщайте его.\n".encode())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # codes are secrets: only the server's user reads them


def test_file_backend_keeps_each_message_on_one_line(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms.log"
    sms_send(phone=PHONE, text="первая строка\nвторая\tстрока\r\nтретья")
    assert (tmp_path / "sms.log").read_text(encoding="utf-8") == f"{PHONE}\tпервая строка вторая строка третья\n"


def test_file_backend_lines_stay_whole_under_parallel_writers(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms.log"
    threads_count, per_thread = 16, 25

    def writer(index: int) -> None:
        for n in range(per_thread):
            sms_send(phone=f"+7985{index:03d}{n:04d}", text=f"Код: {index:03d}{n:03d}. " + "длинный текст " * 40)

    threads = [threading.Thread(target=writer, args=(index,)) for index in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = (tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()
    assert len(lines) == threads_count * per_thread
    for line in lines:
        phone, text = line.split("\t")
        index, n = int(phone[5:8]), int(phone[8:])
        assert text.startswith(f"Код: {index:03d}{n:03d}. ") and text.endswith("длинный текст")


# --- console and configuration ------------------------------------------------------------------------------


def test_console_backend_prints_the_text_with_the_number_masked(settings, capsys):
    settings.SMS_BACKEND = "console"
    sms_send(phone=PHONE, text=TEXT)
    out = capsys.readouterr().out
    assert "123456" in out and phone_mask(PHONE) in out
    assert PHONE not in out and "9857654321" not in out


def test_phone_mask():
    assert phone_mask("+79857654321") == "+7 *** ***-**-21"
    assert phone_mask("+380501234567") == "+3*********67"


def test_unknown_backend_is_a_configuration_error(settings):
    settings.SMS_BACKEND = "pigeon"
    with pytest.raises(ImproperlyConfigured):
        sms_send(phone=PHONE, text=TEXT)


def test_http_backend_needs_a_url(settings):
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = ""
    with pytest.raises(ImproperlyConfigured):
        sms_send(phone=PHONE, text=TEXT)
    settings.SMS_HTTP_URL = "file:///etc/passwd"
    with pytest.raises(ImproperlyConfigured):
        sms_send(phone=PHONE, text=TEXT)


# --- http, against a scripted gateway on 127.0.0.1 ----------------------------------------------------------


class Gateway:
    """A tiny SMS gateway: answers the scripted statuses in turn ("sleep" = answer too late), then 200."""

    def __init__(self, script: list[int | str]) -> None:
        self.script = list(script)
        self.requests: list[dict[str, object]] = []
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with gateway.lock:
                    gateway.requests.append({"path": self.path, "headers": dict(self.headers),
                                             "json": json.loads(body.decode())})
                    step = gateway.script.pop(0) if gateway.script else 200
                if step == "sleep":
                    time.sleep(1.5)  # longer than the client's timeout
                    step = 200
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a client that gave up
                    self.send_response(int(step))
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"ok": true}' if int(step) < 400 else b'{"error": "scripted"}')

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep the test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/send"

    def __enter__(self) -> Gateway:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def http_settings(settings):  # type: ignore[no-untyped-def]
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_TOKEN = "gateway-secret"
    settings.SMS_HTTP_TIMEOUT = 0.5
    settings.SMS_HTTP_RETRIES = 2
    settings.SMS_HTTP_BACKOFF = 0.01
    return settings


def test_http_backend_posts_json_with_the_bearer_token(http_settings):
    with Gateway([200]) as gateway:
        http_settings.SMS_HTTP_URL = gateway.url
        sms_send(phone=PHONE, text=TEXT)
    [request] = gateway.requests
    assert request["path"] == "/send"
    assert request["json"] == {"phone": PHONE, "text": TEXT}
    headers = {key.lower(): value for key, value in request["headers"].items()}
    assert headers["authorization"] == "Bearer gateway-secret"
    assert headers["content-type"].startswith("application/json")


def test_http_backend_retries_server_errors_then_succeeds(http_settings):
    with Gateway([503, 500, 200]) as gateway:
        http_settings.SMS_HTTP_URL = gateway.url
        sms_send(phone=PHONE, text=TEXT)
    assert len(gateway.requests) == 3
    assert all(request["json"] == {"phone": PHONE, "text": TEXT} for request in gateway.requests)


def test_http_backend_gives_up_after_the_retries(http_settings):
    with Gateway([502, 502, 502, 200]) as gateway:
        http_settings.SMS_HTTP_URL = gateway.url
        with pytest.raises(SmsDeliveryError, match="3 attempts"):
            sms_send(phone=PHONE, text=TEXT)
    assert len(gateway.requests) == 3


def test_http_backend_does_not_retry_a_refusal(http_settings):
    with Gateway([400, 200]) as gateway:
        http_settings.SMS_HTTP_URL = gateway.url
        with pytest.raises(SmsDeliveryError, match="400"):
            sms_send(phone=PHONE, text=TEXT)
    assert len(gateway.requests) == 1


def test_http_backend_retries_after_a_timeout(http_settings):
    with Gateway(["sleep", 200]) as gateway:
        http_settings.SMS_HTTP_URL = gateway.url
        sms_send(phone=PHONE, text=TEXT)
    assert len(gateway.requests) == 2


def test_http_backend_without_retries_tries_once(http_settings):
    http_settings.SMS_HTTP_RETRIES = 0
    with Gateway([503, 200]) as gateway:
        http_settings.SMS_HTTP_URL = gateway.url
        with pytest.raises(SmsDeliveryError):
            sms_send(phone=PHONE, text=TEXT)
    assert len(gateway.requests) == 1


def test_http_backend_unreachable_gateway(http_settings):
    with Gateway([]) as gateway:
        url = gateway.url
    http_settings.SMS_HTTP_URL = url  # the server is closed now: connection refused
    with pytest.raises(SmsDeliveryError, match="3 attempts"):
        sms_send(phone=PHONE, text=TEXT)

"""Sending SMS: one function, `sms_send`, and three backends chosen by `settings.SMS_BACKEND`.

- ``console`` (development): prints the message to the server's standard output with the number masked, so
  the clear number never reaches a log;
- ``file`` (tests, browser tests, demos): appends ONE line per message to ``settings.SMS_FILE_PATH``::

      <phone in E.164>\\t<text>\\n

  UTF-8, the text on one line (tabs and line breaks in it become spaces). Writes are safe across threads and
  processes (``O_APPEND`` plus an exclusive ``flock``), so parallel senders never interleave lines. Other tools
  read codes from this file: keep the format stable (it is documented in docs/identity.md);
- ``http`` (production): POSTs ``{"phone": ..., "text": ...}`` as JSON to ``settings.SMS_HTTP_URL`` with
  ``Authorization: Bearer <SMS_HTTP_TOKEN>``; a timeout of ``SMS_HTTP_TIMEOUT`` seconds per attempt;
  ``SMS_HTTP_RETRIES`` more attempts with exponential back-off after a 5xx answer, a timeout or a connection
  failure; no retry after a 4xx answer (the gateway refused the message; sending it again would not help).

The backend is read from the settings on every call, so tests can switch it with the ``settings`` fixture.
"""

from __future__ import annotations

import fcntl
import http.client
import json
import logging
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger("atomgrad.sms")

BACKENDS = ("console", "file", "http")
_file_lock = threading.Lock()


class SmsDeliveryError(Exception):
    """The message could not be handed to the gateway (after the retries the backend allows)."""


def phone_mask(e164: str) -> str:
    """'+79001234567' → '+7 *** ***-**-67': enough to recognise one's own number, not enough to call anyone."""
    if e164.startswith("+7") and len(e164) == 12:
        return f"+7 *** ***-**-{e164[-2:]}"
    if len(e164) <= 4:
        return "*" * len(e164)
    return e164[:2] + "*" * (len(e164) - 4) + e164[-2:]


def _one_line(text: str) -> str:
    return " ".join(text.replace("\t", " ").splitlines()).strip()


def sms_send(*, phone: str, text: str) -> None:
    """Send `text` to `phone` (E.164) through the configured backend. Raises SmsDeliveryError on failure."""
    backend = getattr(settings, "SMS_BACKEND", "console")
    if backend == "console":
        _send_console(phone=phone, text=text)
    elif backend == "file":
        _send_file(phone=phone, text=text)
    elif backend == "http":
        _send_http(phone=phone, text=text)
    else:
        raise ImproperlyConfigured(f"SMS_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}")


def _send_console(*, phone: str, text: str) -> None:
    # Standard output, not the logging system: development only, and the number is masked all the same.
    print(f"[SMS to {phone_mask(phone)}] {_one_line(text)}", file=sys.stdout, flush=True)


def _send_file(*, phone: str, text: str) -> None:
    path = Path(settings.SMS_FILE_PATH)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = f"{phone}\t{_one_line(text)}\n".encode()
    with _file_lock:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                written = 0
                while written < len(line):
                    written += os.write(fd, line[written:])
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _send_http(*, phone: str, text: str) -> None:
    url = getattr(settings, "SMS_HTTP_URL", "")
    if not url:
        raise ImproperlyConfigured("SMS_BACKEND=http needs SMS_HTTP_URL")
    if not url.startswith(("http://", "https://")):
        raise ImproperlyConfigured("SMS_HTTP_URL must be an http:// or https:// address")
    token = getattr(settings, "SMS_HTTP_TOKEN", "")
    timeout = float(getattr(settings, "SMS_HTTP_TIMEOUT", 5))
    retries = max(0, int(getattr(settings, "SMS_HTTP_RETRIES", 2)))
    backoff = float(getattr(settings, "SMS_HTTP_BACKOFF", 0.5))

    body = json.dumps({"phone": phone, "text": text}, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"

    last_problem = ""
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - checked
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked
                response.read()
                return
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code < 500:
                logger.error("SMS gateway refused the message: HTTP %s (not retried)", exc.code)
                raise SmsDeliveryError(f"gateway refused the message: HTTP {exc.code}") from exc
            last_problem = f"HTTP {exc.code}"
        except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            last_problem = f"{type(reason).__name__}: {reason}"
        logger.warning("SMS gateway attempt %d of %d failed: %s", attempt + 1, retries + 1, last_problem)
    raise SmsDeliveryError(f"gateway unavailable after {retries + 1} attempts: {last_problem}")

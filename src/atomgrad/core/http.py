"""Facts about an HTTP request that several apps need."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address (for consent records and rate limits), or None when it is not a valid IP.

    `X-Forwarded-For` is believed only behind a trusted proxy (`BEHIND_PROXY=1`), and then only its last entry:
    the one our proxy appended (earlier entries are whatever the client sent)."""
    candidates = []
    if settings.TRUST_X_FORWARDED_FOR:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        candidates.extend(hops[-1:])
    candidates.append(request.META.get("REMOTE_ADDR", ""))
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


PRIVATE_ATTRIBUTE = "atomgrad_private"


def mark_private(request: HttpRequest) -> None:
    """The response to this request depends on who is asking (a voter's receipts, a token): it goes out with
    `Cache-Control: private, no-store` (`core.middleware.PrivateResponseMiddleware`), so neither a shared cache
    nor the browser keeps it — on a shared family phone the next person must not find it in the history."""
    setattr(request, PRIVATE_ATTRIBUTE, True)

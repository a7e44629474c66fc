"""Request rate limits held in the database (`core.models.RateLimitCounter`), shared by every worker.

A fixed window per scope and key: `rate_limit_hit(scope="apply", key=<address>, limit=20, window=1 h)` lets the
first 20 requests of each clock hour through and refuses the rest with 429 `too_many_requests`
(`details.retry_after_seconds` until the next window). Each hit is one conditional UPDATE
(`hits = hits + 1 WHERE hits < limit`), atomic on both databases, so parallel requests in several processes
cannot overrun the limit (tests/core/test_ratelimit.py).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from atomgrad.core.errors import ApplicationError
from atomgrad.core.models import RateLimitCounter


def address_key(client_ip: str | None) -> str | None:
    """The key an address counts under: IPv4 as is, IPv6 by its /64 network (one subscriber's whole block),
    None when unknown or not an address."""
    if not client_ip:
        return None
    try:
        address = ipaddress.ip_address(client_ip.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False).network_address)
    return str(address)


def _window_start(now: dt.datetime, window: dt.timedelta) -> dt.datetime:
    seconds = int(window.total_seconds())
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, tz=dt.UTC)


def rate_limit_take(*, scope: str, key: str, limit: int, window: dt.timedelta) -> int | None:
    """Take one unit of `key`'s budget in `scope` for the current window: None when taken, else the seconds until
    the next window. Inside a caller's transaction the unit is given back if that transaction rolls back (and
    the counter row stays locked until it ends, which serialises the callers of one key)."""
    now = timezone.now()
    start = _window_start(now, window)
    with transaction.atomic():
        counter, _created = RateLimitCounter.objects.get_or_create(scope=scope, key=key, window_start=start)
        counted = RateLimitCounter.objects.filter(pk=counter.pk, hits__lt=limit).update(hits=F("hits") + 1)
    if counted:
        return None
    return max(1, math.ceil((start + window - now).total_seconds()))


def rate_limit_hit(*, scope: str, key: str | None, limit: int, window: dt.timedelta) -> None:
    """Count one request of `key` in `scope`; raise 429 `too_many_requests` once `limit` is used up.

    An unknown key (no client address) is not limited here: other limits (per number, global) cover it."""
    if key is None or limit <= 0:
        return
    wait = rate_limit_take(scope=scope, key=key, limit=limit, window=window)
    if wait is not None:
        minutes = math.ceil(wait / 60)
        raise ApplicationError(
            "too_many_requests",
            f"Слишком много запросов с вашего адреса. Попробуйте через {minutes} мин.",
            f"Too many requests from your network address. Please try again in {minutes} min.",
            status=429,
            details={"scope": scope, "limit": limit, "retry_after_seconds": wait},
        )


def rate_limit_purge(*, older_than: dt.timedelta = dt.timedelta(days=2)) -> int:
    """Delete the counters of windows that ended more than `older_than` ago. Returns how many."""
    deleted, _ = RateLimitCounter.objects.filter(window_start__lt=timezone.now() - older_than).delete()
    return deleted

"""The database-held rate limit (`core.ratelimit`): exact under parallel requests on both databases, a fixed
window per key, IPv6 counted by /64, old windows purged."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from atomgrad.core.errors import ApplicationError
from atomgrad.core.models import RateLimitCounter
from atomgrad.core.ratelimit import address_key, rate_limit_hit, rate_limit_purge
from tests.concurrency import run_each

HOUR = dt.timedelta(days=1)  # a long window: a test never straddles its boundary


def test_address_key_counts_ipv6_by_its_64():
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::"
    assert address_key("::ffff:198.51.100.7") == "198.51.100.7"
    assert address_key("not an address") is None and address_key(None) is None


@pytest.mark.django_db
def test_the_limit_refuses_after_the_budget_with_a_retry_time():
    for _ in range(3):
        rate_limit_hit(scope="test", key="198.51.100.1", limit=3, window=HOUR)
    with pytest.raises(ApplicationError) as refusal:
        rate_limit_hit(scope="test", key="198.51.100.1", limit=3, window=HOUR)
    assert refusal.value.code == "too_many_requests" and refusal.value.status == 429
    assert 0 < refusal.value.details["retry_after_seconds"] <= HOUR.total_seconds()
    rate_limit_hit(scope="test", key="198.51.100.2", limit=3, window=HOUR)  # another key
    rate_limit_hit(scope="other", key="198.51.100.1", limit=3, window=HOUR)  # another scope
    rate_limit_hit(scope="test", key=None, limit=3, window=HOUR)  # no address: not limited here


@pytest.mark.django_db
def test_purge_deletes_old_windows():
    rate_limit_hit(scope="test", key="198.51.100.1", limit=3, window=HOUR)
    RateLimitCounter.objects.create(scope="test", key="x", window_start=timezone.now() - dt.timedelta(days=3))
    assert rate_limit_purge() == 1
    assert RateLimitCounter.objects.count() == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_parallel_requests_cannot_overrun_the_limit():
    results = run_each(30, lambda i: rate_limit_hit(scope="apply", key="198.51.100.1", limit=10, window=HOUR))
    outcomes = Counter("ok" if result is None else getattr(result, "code", repr(result)) for result in results)
    assert outcomes == {"ok": 10, "too_many_requests": 20}
    assert RateLimitCounter.objects.get().hits == 10

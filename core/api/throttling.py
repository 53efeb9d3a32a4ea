"""API rate limits: ``NUDGE_API_RATE`` requests per (tenant, API key or user) per window.

A fixed-window counter: one cache increment per request (an atomic ``INCR`` when ``CACHE_URL``
points to Redis, shared by every worker). DRF's built-in throttle keeps a list of request
times per client and rewrites it on every request, which costs more the higher the rate (at
6,000/minute a busy key's list held thousands of timestamps). Windows are aligned to the
clock, so a client can send up to twice the rate across a window boundary; ``Retry-After`` is
the time left in the current window.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"6000/minute"`` -> (6000, 60); the period is read from its first letter."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip()[:1].lower()]


class TenantPrincipalRateThrottle(BaseThrottle):
    """One budget per (tenant, API key or user); anonymous callers are limited by address.
    The rate is read from ``settings.NUDGE_API_RATE`` at request time (empty: no limit)."""

    def __init__(self) -> None:
        self.wait_seconds: float | None = None

    def principal(self, request: Request) -> str:
        tenant = getattr(request, "tenant", None)
        auth = request.auth
        if auth is not None and hasattr(auth, "key_hash"):
            who = f"key:{auth.pk}"
        elif request.user is not None and getattr(request.user, "is_authenticated", False):
            who = f"user:{request.user.pk}"
        else:
            who = f"ip:{self.get_ident(request)}"
        return f"{getattr(tenant, 'pk', '-')}:{who}"

    def allow_request(self, request: Request, view: Any) -> bool:
        rate = settings.NUDGE_API_RATE
        if not rate:
            return True
        limit, period = parse_rate(rate)
        now = time.time()
        window = int(now // period)
        key = f"throttle:{self.principal(request)}:{period}:{window}"
        count = _increment(key, timeout=period + 1)
        if count <= limit:
            return True
        self.wait_seconds = (window + 1) * period - now
        return False

    def wait(self) -> float | None:
        return self.wait_seconds


def _increment(key: str, *, timeout: int) -> int:
    """Add one to the window's counter, creating it at 1 (atomic with Redis)."""
    try:
        return cache.incr(key)
    except ValueError:  # no counter yet for this window
        if cache.add(key, 1, timeout=timeout):
            return 1
        return cache.incr(key)  # another process created it meanwhile

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


class TenantPrincipalRateThrottle(SimpleRateThrottle):
    """One budget per (tenant, API key or user); anonymous callers are limited by address.
    The rate is read from ``settings.NUDGE_API_RATE`` at request time."""

    scope = "api"

    def get_rate(self) -> str | None:
        return settings.NUDGE_API_RATE or None

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        tenant = getattr(request, "tenant", None)
        auth = request.auth
        if auth is not None and hasattr(auth, "key_hash"):
            principal = f"key:{auth.pk}"
        elif request.user is not None and getattr(request.user, "is_authenticated", False):
            principal = f"user:{request.user.pk}"
        else:
            principal = f"ip:{self.get_ident(request)}"
        return f"throttle:{getattr(tenant, 'pk', '-')}:{principal}"

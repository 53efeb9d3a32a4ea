"""API-key and session authentication. Keys come as ``Authorization: Bearer <key>`` or
``X-API-Key: <key>``; a session cookie authenticates the browser UI (CSRF enforced)."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.request import Request

from core.api.key_cache import cached_key, remember_key
from core.models import ApiKey
from core.services import api_key_touch, hash_api_key


class ApiKeyPrincipal:
    """Stands in for ``request.user`` when a request is authenticated by an API key."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, key: ApiKey) -> None:
        self.api_key = key

    def get_username(self) -> str:
        return f"apikey:{self.api_key.prefix}"

    def __str__(self) -> str:
        return self.get_username()


def raw_key_from(request: Request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    key = request.META.get("HTTP_X_API_KEY", "").strip()
    return key or None


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        raw = raw_key_from(request)
        if raw is None:
            return None
        key_hash = hash_api_key(raw)
        key = cached_key(key_hash)
        if key is None:
            key = ApiKey.objects.select_related("tenant").filter(key_hash=key_hash).first()
            if key is None:
                raise exceptions.AuthenticationFailed("Invalid API key.")
            remember_key(key)
        if key.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This API key has been revoked.")
        api_key_touch(key=key)
        return ApiKeyPrincipal(key), key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="nudge"'


class TenantSessionAuthentication(SessionAuthentication):
    """The browser session; CSRF-protected for writes like Django's own views."""

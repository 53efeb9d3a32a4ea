"""Personas shared by every test: an admin, an editor and a viewer of tenant A, and an admin of
tenant B (the outsider). ``api`` gives an authenticated DRF client per persona (API keys), and
``session_api`` the same over a browser session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from config.celery import app as celery_app
from core.models import Tenant
from core.roles import Role
from core.services import api_key_create, tenant_create, user_with_membership

PASSWORD = "test-password-123"


@pytest.fixture(autouse=True, scope="session")
def _celery_eager() -> Any:
    """Unit tests run tasks in-process; integration tests start a real worker explicitly."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings: Any) -> None:
    """Cheap password hashing, no rate-limit counters or cached API keys carried between
    tests, and exposure counts written with each recommendation (tests of the buffering
    itself set an interval)."""
    from django.core.cache import cache

    from core.api import key_cache

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.NUDGE_EXPOSURE_FLUSH_SECONDS = 0
    cache.clear()
    key_cache.clear()


@dataclass
class Personas:
    tenant_a: Tenant
    tenant_b: Tenant
    admin_a: Any
    editor_a: Any
    viewer_a: Any
    admin_b: Any
    keys: dict[str, str]

    def client(self, persona: str) -> APIClient:
        """An API client authenticated with the persona's API key (``X-API-Key``)."""
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=self.keys[persona])
        return client

    def session_client(self, persona: str) -> APIClient:
        client = APIClient(enforce_csrf_checks=False)
        client.force_login(getattr(self, persona))
        return client

    def tenant_of(self, persona: str) -> Tenant:
        return self.tenant_b if persona.endswith("_b") else self.tenant_a


PERSONA_ROLES = {
    "admin_a": ("a", Role.ADMIN),
    "editor_a": ("a", Role.EDITOR),
    "viewer_a": ("a", Role.VIEWER),
    "admin_b": ("b", Role.ADMIN),
}


@pytest.fixture
def personas(db: Any) -> Personas:
    tenants = {
        "a": tenant_create(name="Tenant A", slug="tenant-a"),
        "b": tenant_create(name="Tenant B", slug="tenant-b"),
    }
    users: dict[str, Any] = {}
    keys: dict[str, str] = {}
    for persona, (tenant_key, role) in PERSONA_ROLES.items():
        tenant = tenants[tenant_key]
        users[persona] = user_with_membership(
            tenant=tenant, username=persona, role=role, password=PASSWORD
        )
        _, keys[persona] = api_key_create(tenant=tenant, name=f"{persona} key", role=role)
    return Personas(tenant_a=tenants["a"], tenant_b=tenants["b"], keys=keys, **users)


@pytest.fixture
def api(personas: Personas) -> Any:
    """``api("editor_a")`` -> an APIClient for that persona."""
    return personas.client

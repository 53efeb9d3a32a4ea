from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from core.models import Membership, Tenant

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_seed_demo_is_idempotent_and_creates_three_roles() -> None:
    run("seed_demo")
    counts = (Tenant.objects.count(), Membership.objects.count())
    run("seed_demo")
    assert (Tenant.objects.count(), Membership.objects.count()) == counts
    roles = dict(
        Membership.objects.filter(tenant__slug="demo").values_list("user__username", "role")
    )
    assert roles == {"admin": "admin", "editor": "editor", "viewer": "viewer"}
    client = APIClient()
    assert client.login(username="editor", password="nudge-demo")


def test_create_tenant_and_api_key_commands(db: Any) -> None:
    tenant_id, slug = run("create_tenant", "Acme Retail").split()
    assert Tenant.objects.get(pk=tenant_id).slug == slug == "acme-retail"
    key = run("create_api_key", "--tenant", slug, "--role", "editor").strip()
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    assert client.get("/api/v1/tenant").json()["role"] == "editor"
    with pytest.raises(CommandError):
        run("create_tenant", "Acme Retail")
    with pytest.raises(CommandError):
        run("create_api_key", "--tenant", "nope", "--role", "viewer")

"""Demo tenant and its three users. Each app may add a ``demo.py`` with ``seed(tenant, log)``;
``seed_demo`` calls them in INSTALLED_APPS order. Every seed is idempotent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model

from core.models import Tenant
from core.roles import Role
from core.services import user_with_membership

DEMO_TENANT_SLUG = "demo"
DEMO_PASSWORD = "nudge-demo"
DEMO_USERS = (("admin", Role.ADMIN), ("editor", Role.EDITOR), ("viewer", Role.VIEWER))


def seed(tenant: Tenant, log: Callable[[str], Any]) -> None:
    for username, role in DEMO_USERS:
        user = user_with_membership(
            tenant=tenant,
            username=username,
            role=role,
            password=DEMO_PASSWORD,
            email=f"{username}@demo.nudge.local",
        )
        if role == Role.ADMIN and not user.is_superuser:
            get_user_model().objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    log(f"users: {', '.join(u for u, _ in DEMO_USERS)} (password '{DEMO_PASSWORD}')")


def demo_tenant() -> Tenant:
    tenant, _ = Tenant.objects.get_or_create(slug=DEMO_TENANT_SLUG, defaults={"name": "Demo Bank"})
    return tenant

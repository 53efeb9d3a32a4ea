"""Which tenant a request acts on, and with which role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from core.errors import InvalidInput, PermissionDenied
from core.models import ApiKey, Membership, Tenant
from core.roles import Role

TENANT_HEADER = "HTTP_X_TENANT_ID"
SESSION_TENANT_KEY = "nudge_tenant_id"


@dataclass(frozen=True)
class TenantAccess:
    tenant: Tenant
    role: Role


def _matches(tenant: Tenant, ref: str) -> bool:
    return ref in (tenant.pk, tenant.slug)


def resolve_tenant_access(
    *, user: Any, auth: Any, header_ref: str | None, session_ref: str | None = None
) -> TenantAccess:
    """API keys are bound to one tenant. Users pick one with ``X-Tenant-Id`` (id or slug),
    else their session's tenant, else their only membership."""
    if isinstance(auth, ApiKey):
        if header_ref and not _matches(auth.tenant, header_ref):
            raise PermissionDenied(
                f"This API key belongs to another tenant than '{header_ref}'.",
                details={"X-Tenant-Id": header_ref},
            )
        return TenantAccess(auth.tenant, Role(auth.role))

    memberships = Membership.objects.select_related("tenant").filter(user=user)
    if header_ref:
        membership = memberships.filter(
            Q(tenant_id=header_ref) | Q(tenant__slug=header_ref)
        ).first()
        if membership is None:
            raise PermissionDenied(
                f"You are not a member of tenant '{header_ref}' (or it does not exist).",
                details={"X-Tenant-Id": header_ref},
            )
        return TenantAccess(membership.tenant, Role(membership.role))
    if session_ref:
        membership = memberships.filter(tenant_id=session_ref).first()
        if membership is not None:
            return TenantAccess(membership.tenant, Role(membership.role))
    found = list(memberships[:2])
    if not found:
        raise PermissionDenied("You are not a member of any tenant.")
    if len(found) > 1:
        raise InvalidInput(
            "You belong to several tenants: send the X-Tenant-Id header (tenant id or slug).",
            details={"X-Tenant-Id": "required"},
        )
    return TenantAccess(found[0].tenant, Role(found[0].role))


def user_tenants(user: Any) -> list[TenantAccess]:
    return [
        TenantAccess(m.tenant, Role(m.role))
        for m in Membership.objects.select_related("tenant")
        .filter(user=user)
        .order_by("tenant__name")
    ]

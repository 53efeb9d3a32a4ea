"""Which tenant a browser page acts on, and with which role.

The same rules as the API (``core.tenancy.resolve_tenant_access``): the session's tenant
(``nudge_tenant_id``, set by the tenant switcher) when the user is still a member of it, else
their only membership. A user in several tenants who has not picked one yet gets the first one
by name, remembered in the session, instead of the API's "send X-Tenant-Id" error.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from core.errors import InvalidInput
from core.roles import Role
from core.tenancy import SESSION_TENANT_KEY, TenantAccess, resolve_tenant_access, user_tenants


def tenant_access_for(request: HttpRequest) -> TenantAccess:
    """Raises ``core.errors.PermissionDenied`` when the user belongs to no tenant."""
    try:
        access = resolve_tenant_access(
            user=request.user,
            auth=None,
            header_ref=None,
            session_ref=request.session.get(SESSION_TENANT_KEY),
        )
    except InvalidInput:  # several tenants, none chosen yet
        access = user_tenants(request.user)[0]
    if request.session.get(SESSION_TENANT_KEY) != access.tenant.pk:
        request.session[SESSION_TENANT_KEY] = access.tenant.pk
    return access


def switch_tenant(request: HttpRequest, tenant_id: str) -> TenantAccess | None:
    """Remember ``tenant_id`` for this session if the user is a member of it."""
    for access in user_tenants(request.user):
        if access.tenant.pk == tenant_id:
            request.session[SESSION_TENANT_KEY] = access.tenant.pk
            return access
    return None


def can(role: Any, required: Role) -> bool:
    return role is not None and Role(role).allows(required)

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from core.roles import Role


class HasTenantRole(BasePermission):
    """The caller's role in the request's tenant must be at least the view's required role
    (viewer < editor < admin)."""

    message = "Your role does not allow this action."

    def has_permission(self, request: Request, view: Any) -> bool:
        role = getattr(request, "role", None)
        if role is None:
            return False
        required = view.required_role(request) if hasattr(view, "required_role") else Role.ADMIN
        return Role(role).allows(required)

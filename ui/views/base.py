"""The base of every marketer page: login, tenant and role, and styled 403/404 pages."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from core.errors import NotFound, PermissionDenied
from core.models import Tenant
from core.roles import Role
from core.tenancy import user_tenants
from ui.access import can, tenant_access_for

READ_METHODS = ("GET", "HEAD", "OPTIONS")


def chrome_context(request: HttpRequest, section: str = "") -> dict[str, Any]:
    """What the layout needs: the tenant switcher, the user menu and role flags."""
    role = getattr(request, "role", None)
    user = request.user
    return {
        "section": section,
        "current_tenant": getattr(request, "tenant", None),
        "tenants": user_tenants(user) if user.is_authenticated else [],
        "role": role,
        "can_edit": can(role, Role.EDITOR),
        "can_admin": can(role, Role.ADMIN),
        "show_admin_link": bool(getattr(user, "is_staff", False)),
    }


def error_page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    context = {**chrome_context(request), "title": title, "message": message, "status": status}
    return render(request, "ui/error.html", context, status=status)


class TenantPage(View):
    """Logged-in users only; sets ``request.tenant`` and ``request.role``.

    Reads need ``read_role``; writes (POST) need ``write_role``. Anything raised as
    ``Http404``/``NotFound`` becomes the styled 404 page, so another tenant's object looks
    exactly like one that does not exist.
    """

    section: ClassVar[str] = ""
    read_role: ClassVar[Role] = Role.VIEWER
    write_role: ClassVar[Role] = Role.EDITOR

    request: HttpRequest

    @property
    def tenant(self) -> Tenant:
        return self.request.tenant  # type: ignore[attr-defined]

    @property
    def role(self) -> Role:
        return self.request.role  # type: ignore[attr-defined]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("ui:login"))
        try:
            access = tenant_access_for(request)
        except PermissionDenied:
            return error_page(
                request,
                403,
                "No workspace yet",
                "Your account is not a member of any tenant. Ask an admin to invite you.",
            )
        request.tenant = access.tenant  # type: ignore[attr-defined]
        request.role = access.role  # type: ignore[attr-defined]
        needed = self.read_role if request.method in READ_METHODS else self.write_role
        if not access.role.allows(needed):
            return error_page(
                request,
                403,
                "Not allowed",
                f"This needs the {needed.label.lower()} role; you are a "
                f"{access.role.label.lower()} in {access.tenant.name}.",
            )
        try:
            return super().dispatch(request, *args, **kwargs)
        except (Http404, NotFound):
            return error_page(
                request, 404, "Not found", "This page does not exist, or it was removed."
            )

    def page(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        full = {**chrome_context(self.request, self.section), **context}
        return render(self.request, template, full, status=status)

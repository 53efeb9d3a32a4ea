"""Login, logout and the tenant switcher."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from core.roles import Role
from ui.access import switch_tenant
from ui.views.base import TenantPage


class LoginView(auth_views.LoginView):
    template_name = "ui/login.html"
    redirect_authenticated_user = True
    next_page = "ui:dashboard"


class LogoutView(auth_views.LogoutView):
    next_page = "ui:login"


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("ui:dashboard")


class TenantSwitchView(TenantPage, View):
    """POST ``tenant``: act on another tenant the user belongs to (any role may switch)."""

    write_role = Role.VIEWER
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        access = switch_tenant(request, request.POST.get("tenant", ""))
        if access is None:
            messages.error(request, "You are not a member of that tenant.")
            return HttpResponseRedirect(reverse("ui:dashboard"))
        messages.success(request, f"Now working in {access.tenant.name} ({access.role.label}).")
        # The page we came from may show an object of the previous tenant: start on its list.
        target = _safe_next(request)
        return HttpResponseRedirect(_section_root(target))


def _section_root(path: str) -> str:
    """``/campaigns/cmp_1/edit?x=1`` -> ``/campaigns``."""
    first = path.split("?", 1)[0].strip("/").split("/", 1)[0]
    return f"/{first}" if first else "/"

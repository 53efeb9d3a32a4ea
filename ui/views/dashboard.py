from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from ui import selectors
from ui.views.base import TenantPage


class DashboardView(TenantPage):
    section = "dashboard"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page("ui/dashboard.html", {"board": selectors.dashboard(tenant=self.tenant)})

"""Per-request context: a request id (``X-Request-Id`` echoed or generated), the time the
application took (``Server-Timing: app;dur=<ms>``, which browsers' developer tools and the
recommend benchmark read) and, for logged-in browser users, the audit actor. API requests set
the actor after DRF authentication (see ``core.api.views.TenantAPIView``)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from core.audit import clear_audit_context, set_audit_context

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def request_id_for(request: HttpRequest) -> str:
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")  # not .headers: it copies them all
    return incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request.request_id = request_id_for(request)  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        context_set = False
        if user is not None and user.is_authenticated and request.method not in ("GET", "HEAD"):
            set_audit_context(f"user:{user.get_username()}", request.request_id)  # type: ignore[attr-defined]
            context_set = True
        try:
            response = self.get_response(request)
        finally:
            if context_set or getattr(request, "_audit_context_set", False):
                clear_audit_context()
        response["X-Request-Id"] = request.request_id  # type: ignore[attr-defined]
        response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
        return response

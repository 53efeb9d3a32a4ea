"""Every API error, DRF's and Django's included, leaves in one envelope:

``{"error": {"code": "BAD_REQUEST", "message": "...", "status": 400, "details": {...}}}``
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import NudgeError

CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def too_big_message() -> str:
    return f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."


def envelope(status_code: int, message: str, details: Any = None, code: str | None = None) -> dict:
    return {
        "error": {
            "code": code or CODES.get(status_code, "ERROR"),
            "message": message,
            "status": status_code,
            "details": details if details is not None else {},
        }
    }


def _first_message(details: Any, path: str = "") -> str:
    if isinstance(details, dict):
        for key, value in details.items():
            label = key if key != "nonFieldErrors" else ""
            return _first_message(value, f"{path}.{label}".strip(".") if label else path)
        return ""
    if isinstance(details, list):
        for index, item in enumerate(details):
            if isinstance(item, dict | list):
                return _first_message(item, f"{path}[{index}]")
            return f"{path}: {item}" if path else str(item)
        return ""
    return f"{path}: {details}" if path else str(details)


def envelope_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, NudgeError):
        return Response(envelope(exc.status, exc.message, exc.details, exc.code), status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        return Response(envelope(413, too_big_message()), status=413)
    if isinstance(exc, SuspiciousOperation):
        return Response(envelope(400, str(exc) or "Bad request."), status=400)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"nonFieldErrors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    details: Any
    if isinstance(exc, exceptions.ValidationError):
        details = data if isinstance(data, dict) else {"nonFieldErrors": data}
        message = "Validation failed: " + (_first_message(details) or "invalid input")
    else:
        details = {}
        message = str(data.get("detail", "")) if isinstance(data, dict) else str(data)
        wait = getattr(exc, "wait", None)
        if isinstance(exc, exceptions.Throttled) and wait is not None:
            details = {"retryAfterSeconds": int(wait) + 1}
    response.data = envelope(response.status_code, message or "Error", details)
    return response


def _api_json(request: HttpRequest, status_code: int, message: str) -> JsonResponse:
    return JsonResponse(envelope(status_code, message), status=status_code)


def is_api_path(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def handler404(request: HttpRequest, exception: Exception | None = None) -> Any:
    if is_api_path(request):
        return _api_json(request, status.HTTP_404_NOT_FOUND, "Not found.")
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler400(request: HttpRequest, exception: Exception | None = None) -> Any:
    if is_api_path(request):
        if isinstance(exception, RequestDataTooBig):
            return _api_json(request, 413, too_big_message())
        return _api_json(request, status.HTTP_400_BAD_REQUEST, "Bad request.")
    from django.views.defaults import bad_request

    return bad_request(request, exception or BadRequest())


def handler500(request: HttpRequest) -> Any:
    if is_api_path(request):
        return _api_json(request, 500, "Internal server error.")
    from django.views.defaults import server_error

    return server_error(request)

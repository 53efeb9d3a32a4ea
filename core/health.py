"""``/healthz``: 200 when the database and the broker answer, 503 naming the part that is down."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # any failure means "down"; the message says why
        return f"down: {exc.__class__.__name__}: {exc}".strip()


def _check_broker() -> str:
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:
        return f"down: {exc.__class__.__name__}: {exc}".strip()


def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "broker": _check_broker()}
    down = [name for name, result in checks.items() if result != "ok"]
    body = {"status": "ok" if not down else "unavailable", "down": down, "checks": checks}
    return JsonResponse(body, status=200 if not down else 503)

"""The OpenAPI document exactly as ``/api/schema/`` serves it."""

from __future__ import annotations

import functools
from typing import Any

from django.test import Client

SCHEMA_URL = "/api/schema/"


@functools.cache
def served_schema() -> dict[str, Any]:
    response = Client().get(SCHEMA_URL, HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200, response.content[:500]
    return response.json()


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """``(METHOD, path, operation)`` for every operation, in document order."""
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]

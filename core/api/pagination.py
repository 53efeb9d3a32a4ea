"""The two list shapes of the API.

Offset: ``{"data": [...], "pagination": {"total", "limit", "offset", "hasMore"}}`` — limit
default 50, values above 200 are clamped to 200; a non-integer, zero or negative limit or a
negative offset is a 400.

Keyset cursor (newest first): ``{"data": [...], "pagination": {"total", "limit", "hasMore",
"nextCursor"}}`` — default 25; the cursor is opaque.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any

from django.db.models import Q, QuerySet
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response

from core.errors import InvalidInput

MAX_LIMIT = 200


def parse_int_param(
    request: Request, name: str, default: int, *, minimum: int, maximum: int | None = None
) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(
            f"{name} must be an integer", details={name: [f"'{raw}' is not an integer."]}
        ) from None
    if value < minimum:
        raise InvalidInput(
            f"{name} must be at least {minimum}", details={name: [f"Must be at least {minimum}."]}
        )
    if maximum is not None and value > maximum:
        value = maximum
    return value


class OffsetPagination(BasePagination):
    default_limit = 50

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        self.limit = parse_int_param(
            request, "limit", self.default_limit, minimum=1, maximum=MAX_LIMIT
        )
        self.offset = parse_int_param(request, "offset", 0, minimum=0)
        self.total = queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
        if self.offset >= self.total:  # also keeps a huge offset out of SQL (bigint overflow)
            return []
        return list(queryset[self.offset : self.offset + self.limit])

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "data": data,
                "pagination": {
                    "total": self.total,
                    "limit": self.limit,
                    "offset": self.offset,
                    "hasMore": self.offset + len(data) < self.total,
                },
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["data", "pagination"],
            "properties": {
                "data": schema,
                "pagination": {
                    "type": "object",
                    "required": ["total", "limit", "offset", "hasMore"],
                    "properties": {
                        "total": {"type": "integer"},
                        "limit": {"type": "integer"},
                        "offset": {"type": "integer"},
                        "hasMore": {"type": "boolean"},
                    },
                },
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        return [
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "description": "Max results per page. Default 50, max 200 (larger values are clamped).",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": "offset",
                "in": "query",
                "required": False,
                "description": "Records to skip. Default 0.",
                "schema": {"type": "integer", "minimum": 0},
            },
        ]


def _encode_cursor(created_at: datetime, pk: str) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{pk}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, pk = base64.urlsafe_b64decode(padded.encode()).decode().split("|", 1)
        if not pk or "\x00" in pk or len(pk) > 64:
            raise ValueError(pk)
        created_at = datetime.fromisoformat(stamp)
        if created_at.tzinfo is None:  # ours always carry an offset; be lenient, not naive
            created_at = created_at.replace(tzinfo=UTC)
        return created_at, pk
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("Invalid cursor", details={"cursor": ["Invalid cursor."]}) from None


class KeysetCursorPagination(BasePagination):
    """Newest first by ``(created_at, id)``; stable under inserts, O(limit) per page."""

    default_limit = 25

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        self.limit = parse_int_param(
            request, "limit", self.default_limit, minimum=1, maximum=MAX_LIMIT
        )
        self.total = queryset.count()
        cursor = request.query_params.get("cursor")
        page_qs = queryset.order_by("-created_at", "-pk")
        if cursor:
            created_at, pk = _decode_cursor(cursor)
            page_qs = page_qs.filter(
                Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk)
            )
        rows = list(page_qs[: self.limit + 1])
        self.has_more = len(rows) > self.limit
        rows = rows[: self.limit]
        self.next_cursor = (
            _encode_cursor(rows[-1].created_at, rows[-1].pk) if self.has_more and rows else None
        )
        return rows

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "data": data,
                "pagination": {
                    "total": self.total,
                    "limit": self.limit,
                    "hasMore": self.has_more,
                    "nextCursor": self.next_cursor,
                },
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["data", "pagination"],
            "properties": {
                "data": schema,
                "pagination": {
                    "type": "object",
                    "required": ["total", "limit", "hasMore", "nextCursor"],
                    "properties": {
                        "total": {"type": "integer"},
                        "limit": {"type": "integer"},
                        "hasMore": {"type": "boolean"},
                        "nextCursor": {"type": "string", "nullable": True},
                    },
                },
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        return [
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "description": "Max results per page. Default 25, max 200.",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "description": "Opaque cursor from pagination.nextCursor.",
                "schema": {"type": "string"},
            },
        ]

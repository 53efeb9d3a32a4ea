"""Reads for customers and segments, always scoped to one tenant."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from audience import segment_sql
from audience.models import Customer, Segment
from audience.services import customers_matching
from core.errors import NotFound
from core.models import Tenant
from core.rules import Rule

PREVIEW_LIMIT = 20


def _manager(model: Any, include_deleted: bool) -> QuerySet:
    return (model.all_objects if include_deleted else model.objects).all()


def customer_list(*, tenant: Tenant, include_deleted: bool = False) -> QuerySet[Customer]:
    return _manager(Customer, include_deleted).filter(tenant=tenant)


def segment_list(*, tenant: Tenant, include_deleted: bool = False) -> QuerySet[Segment]:
    return _manager(Segment, include_deleted).filter(tenant=tenant).select_related("stats")


def segment_get(*, tenant: Tenant, segment_id: str) -> Segment:
    segment = segment_list(tenant=tenant).filter(pk=segment_id).first()
    if segment is None:
        raise NotFound(f"Segment '{segment_id}' not found")
    return segment


def segment_view_name(*, segment: Segment) -> str:
    """The segment's view, created first if it is missing (e.g. restored from an old backup)."""
    if segment.deleted_at is not None:
        raise NotFound(f"Segment '{segment.pk}' is deleted")
    if not segment_sql.view_exists(segment.view_name):
        segment_sql.view_create_or_replace(segment)
    return segment.view_name


def segment_customer_count(*, segment: Segment) -> int:
    """The stored count (``refresh`` updates it); 0 before the first refresh."""
    return int(segment.customer_count or 0)


def segment_customer_ids(*, segment: Segment, after_id: int = 0, limit: int = 10_000) -> list[int]:
    """One keyset page of the segment's customer ids, ascending."""
    view = segment_sql.quoted_view_name(segment_view_name(segment=segment))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {view} WHERE id > %s ORDER BY id LIMIT %s", [after_id, limit]
        )
        return [row[0] for row in cursor.fetchall()]


def segment_customer_ids_iter(*, segment: Segment, page: int = 10_000) -> Iterator[int]:
    after = 0
    while ids := segment_customer_ids(segment=segment, after_id=after, limit=page):
        yield from ids
        after = ids[-1]


def segment_preview(*, segment: Segment, limit: int = PREVIEW_LIMIT) -> tuple[int, list[Customer]]:
    where, params = segment_sql.segment_where(segment)
    return customers_matching(tenant=segment.tenant, where=where, params=params, limit=limit)


def rule_preview(
    *, tenant: Tenant, rule: Rule, limit: int = PREVIEW_LIMIT
) -> tuple[int, list[Customer]]:
    """Count and first customers of an unsaved rule."""
    where, params = segment_sql.rule_where(rule)
    return customers_matching(tenant=tenant, where=where, params=params, limit=limit)

"""Splitting a segment into keyset chunks of customer ids.

A segment is a PostgreSQL view of customers; one pass over its ids (ordered) picks every
``chunk_size``-th id as a boundary, so chunks are contiguous id ranges ``[first_id, last_id]``
that any worker can stream with ``WHERE id BETWEEN first AND last ORDER BY id``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection

from core.errors import InvalidInput

_VIEW_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class ChunkPlan:
    index: int
    first_id: int
    last_id: int
    size: int


def quoted_view(view_name: str) -> str:
    """The view name, checked against a strict identifier grammar and quoted."""
    if not _VIEW_NAME.match(view_name or ""):
        raise InvalidInput(
            f"Invalid segment view name '{view_name}'",
            details={"segmentViewName": ["Invalid view name."]},
        )
    return f'"{view_name}"'


def view_exists(view_name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [view_name])
        row = cursor.fetchone()
    return bool(row and row[0])


def plan_chunks(view_name: str, chunk_size: int) -> list[ChunkPlan]:
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    view = quoted_view(view_name)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT (rn - 1) / %s AS chunk, min(id), max(id), count(*)
            FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM {view}) AS ordered
            GROUP BY 1 ORDER BY 1
            """,
            [chunk_size],
        )
        rows = cursor.fetchall()
    return [
        ChunkPlan(index=int(c), first_id=int(lo), last_id=int(hi), size=int(n))
        for c, lo, hi, n in rows
    ]

"""Server-side prepared statements for the few queries a hot path repeats.

Django's psycopg connections bind parameters on the client (the SQL text travels with the
values inlined), so PostgreSQL parses and plans every execution; for the one-row lookups of
``/recommend`` planning costs more than running. ``fetch_prepared`` runs a query as a named
prepared statement instead: psycopg prepares it on the connection at first use and reuses it.
The connection is Django's own (health check, transaction and all); only the cursor differs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from django.db import connection


def fetch_prepared(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """All rows of ``sql`` (``%s`` placeholders) run as a prepared statement."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchall()

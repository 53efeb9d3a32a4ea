"""A segment as SQL: its WHERE clause over ``audience_customer`` and its PostgreSQL view.

Every live segment has a view named after its id (``seg_<ulid>``) that selects its tenant's
live customers matching the segment (its rule, and for a static segment its member list), so
runs can stream it in keyset order (``SELECT ... FROM seg_x WHERE id > %s ORDER BY id``).
The view is created or replaced in the transaction that saves the segment and dropped when
the segment is soft-deleted (restored segments get theirs back, see ``audience.apps``).

Rule values and attribute keys are query parameters (``core.rules.compile_sql``); for the
view's DDL, which cannot take parameters, the driver itself quotes them as literals
(``connection.ops.compose_sql``) — no user text is ever formatted into SQL by hand.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import connection

from audience.models import Customer, Segment, SegmentMember
from core.errors import InvalidInput
from core.rules import CUSTOMER_COLUMNS, JSON_COLUMN, Rule, compile_sql, parse_rule

TABLE = Customer._meta.db_table
VIEW_COLUMNS = ("id", "tenant_id", *Customer.PROFILE_FIELDS, "created_at", "updated_at")
_VIEW_NAME = re.compile(r"seg_[0-9a-z]{1,59}")


def column_sql(column: str) -> str:
    """Trusted SQL for a rule column (the only place rule fields meet table columns)."""
    if column in CUSTOMER_COLUMNS or column == JSON_COLUMN:
        return f'"{TABLE}"."{column}"'
    raise InvalidInput(f"Unknown customer field '{column}'", details={"filters": [column]})


def parse_segment_rule(combinator: Any, filters: Any) -> Rule:
    """The segment's rule; errors are reported under ``filters`` / ``combinator``."""
    return parse_rule({"combinator": combinator, "filters": filters})


def rule_where(rule: Rule) -> tuple[str, list[Any]]:
    return compile_sql(rule, column_sql=column_sql)


def segment_where(segment: Segment) -> tuple[str, list[Any]]:
    """The segment's customers as a parameterised WHERE clause over ``audience_customer``."""
    rule = parse_segment_rule(segment.combinator, segment.filters)
    sql, params = rule_where(rule)
    where = [f'"{TABLE}"."tenant_id" = %s', f'"{TABLE}"."deleted_at" IS NULL']
    all_params: list[Any] = [segment.tenant_id]
    if segment.segment_type == Segment.SegmentType.STATIC:
        members = SegmentMember._meta.db_table
        where.append(
            f'EXISTS (SELECT 1 FROM "{members}" m WHERE m.segment_id = %s '
            f'AND m.customer_id = "{TABLE}"."id")'
        )
        all_params.append(segment.pk)
    if not rule.is_empty:
        where.append(sql)
        all_params.extend(params)
    return " AND ".join(where), all_params


def quoted_view_name(name: str) -> str:
    if not _VIEW_NAME.fullmatch(name):
        raise InvalidInput(f"Invalid view name '{name}'")
    return f'"{name}"'


def view_create_or_replace(segment: Segment) -> None:
    where, params = segment_where(segment)
    columns = ", ".join(f'"{TABLE}"."{c}"' for c in VIEW_COLUMNS)
    ops: Any = connection.ops
    select = ops.compose_sql(f'SELECT {columns} FROM "{TABLE}" WHERE {where}', params)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE OR REPLACE VIEW {quoted_view_name(segment.view_name)} AS {select}")


def view_drop(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP VIEW IF EXISTS {quoted_view_name(name)}")


def view_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [quoted_view_name(name)])
        row = cursor.fetchone()
    return bool(row and row[0])


def view_sync(segment: Segment) -> None:
    """Make the database match the segment: a view while it is live, none once deleted."""
    if segment.deleted_at is None:
        view_create_or_replace(segment)
    else:
        view_drop(segment.view_name)

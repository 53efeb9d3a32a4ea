"""Set-based customer upsert: validated rows are COPYed into a temporary staging table and
merged into ``audience_customer`` with one ``INSERT ... SELECT ... ON CONFLICT`` per batch.

Used by the bulk API (one batch of at most 10,000 rows) and CSV import (batches of
``BATCH_ROWS``, each its own transaction, so progress is visible to other sessions and a
failure keeps the batches already merged; re-running an import is idempotent).

Upsert rules: rows match live customers of the tenant by ``external_id``; a field absent from
a row keeps its current value (a new customer gets NULL), ``null`` clears it; ``attributes``
are merged key by key into the current ones. When a batch holds the same ``external_id``
twice, the last row wins. Rows that would change nothing are not written (no version bump,
no audit row). Audit rows are written by the statement-level triggers of ``core.audit``.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from audience.models import Customer
from audience.validation import ATTRIBUTES_JSON, FIELD_BITS
from core.models import Tenant

TABLE = Customer._meta.db_table
STAGING = "nudge_customer_staging"
BATCH_ROWS = 100_000
CONTACT = ("email", "phone", "first_name", "last_name", "country", "timezone")
STAGING_COLUMNS = ("idx", "external_id", *CONTACT, "attributes", "mask")

StagedRow = tuple[Any, ...]  # (idx, external_id, *contact, attributes json text | None, mask)


@dataclass
class MergeResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0

    def add(self, other: MergeResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.duplicates += other.duplicates


@dataclass
class StagedBatch:
    rows: list[StagedRow] = field(default_factory=list)


def staged_row(idx: int, values: dict[str, Any]) -> StagedRow:
    """A validated row (model field names, only the fields sent) as a staging tuple."""
    mask = 0
    for name, bit in FIELD_BITS.items():
        if name in values:
            mask |= bit
    attributes = values.get("attributes")
    text = None if attributes is None else values.get(ATTRIBUTES_JSON) or json.dumps(attributes)
    return (idx, values["external_id"], *(values.get(c) for c in CONTACT), text, mask)


def _merge_sql() -> str:
    def pick(column: str) -> str:
        bit = FIELD_BITS[column]
        return f"CASE WHEN s.mask & {bit} <> 0 THEN s.{column} ELSE e.{column} END"

    attributes = (
        f"CASE WHEN s.mask & {FIELD_BITS['attributes']} <> 0 AND s.attributes IS NOT NULL "
        "THEN COALESCE(e.attributes, '{}'::jsonb) || s.attributes "
        "ELSE COALESCE(e.attributes, '{}'::jsonb) END"
    )
    merged = ",\n".join(f"{pick(c)} AS {c}" for c in CONTACT)
    old = ", ".join(f"e.{c} AS old_{c}" for c in (*CONTACT, "attributes"))
    new_tuple = ", ".join(f"m.{c}" for c in (*CONTACT, "attributes"))
    old_tuple = ", ".join(f"m.old_{c}" for c in (*CONTACT, "attributes"))
    insert_columns = ", ".join(("tenant_id", "external_id", *CONTACT, "attributes"))
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*CONTACT, "attributes", "updated_at"))
    return f"""
    WITH merged AS (
        SELECT s.external_id, e.id AS existing_id,
               {merged},
               {attributes} AS attributes,
               {old}
        FROM pg_temp.{STAGING} s
        LEFT JOIN "{TABLE}" e
          ON e.tenant_id = %(tenant)s AND e.deleted_at IS NULL AND e.external_id = s.external_id
    ), written AS (
        INSERT INTO "{TABLE}" AS c
            ({insert_columns}, version, created_at, updated_at)
        SELECT %(tenant)s, m.external_id, {new_tuple}, 1, now(), now()
        FROM merged m
        WHERE m.existing_id IS NULL OR ROW({new_tuple}) IS DISTINCT FROM ROW({old_tuple})
        ON CONFLICT (tenant_id, external_id) WHERE deleted_at IS NULL
        DO UPDATE SET {updates}
        RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted),
           count(*) FILTER (WHERE NOT inserted)
    FROM written
    """


MERGE_SQL = _merge_sql()


def _lock_tenant(cursor: Any, tenant_id: str) -> None:
    """Bulk writes of one tenant take turns (the merge reads, then writes, the same rows)."""
    cursor.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
        [f"nudge.audience.customers:{tenant_id}"],
    )


def merge_batch(*, tenant: Tenant | str, rows: Iterable[StagedRow]) -> MergeResult:
    """COPY ``rows`` into staging and merge them, in one transaction. When an ``external_id``
    repeats, its last row wins."""
    tenant_id = tenant if isinstance(tenant, str) else tenant.pk
    received = 0
    unique: dict[str, StagedRow] = {}
    for row in rows:
        received += 1
        unique[row[1]] = row
    columns = ", ".join(STAGING_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        _lock_tenant(cursor, tenant_id)
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGING}")
        cursor.execute(
            f"CREATE TEMP TABLE {STAGING} (idx bigint, external_id text, email text, "
            "phone text, first_name text, last_name text, country text, timezone text, "
            "attributes jsonb, mask int) ON COMMIT DROP"
        )
        with cursor.copy(f"COPY pg_temp.{STAGING} ({columns}) FROM STDIN") as copy:
            for row in unique.values():
                copy.write_row(row)
        cursor.execute(f"ANALYZE pg_temp.{STAGING}")
        cursor.execute(MERGE_SQL, {"tenant": tenant_id})
        created, updated = cursor.fetchone()
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGING}")
    return MergeResult(
        created=created,
        updated=updated,
        unchanged=len(unique) - created - updated,
        duplicates=received - len(unique),
    )


def batched(rows: Iterable[StagedRow], size: int = BATCH_ROWS) -> Iterator[list[StagedRow]]:
    batch: list[StagedRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def merge_all(
    *,
    tenant: Tenant | str,
    rows: Iterable[StagedRow],
    batch_rows: int = BATCH_ROWS,
    on_batch: Callable[[MergeResult], Any] | None = None,
    parallel: bool | None = None,
) -> MergeResult:
    """Merge ``rows`` batch by batch; ``on_batch`` runs in the calling thread after each one.

    With ``parallel`` (the default outside a transaction) a second thread, with its own
    database connection, merges batch N while this thread validates batch N+1, so parsing
    and PostgreSQL overlap. Inside a transaction the work stays on this connection (another
    connection could not see uncommitted rows such as a new tenant).
    """
    if parallel is None:
        parallel = not connection.in_atomic_block
    total = MergeResult()

    def done(result: MergeResult) -> None:
        total.add(result)
        if on_batch is not None:
            on_batch(result)

    if not parallel:
        for batch in batched(rows, batch_rows):
            done(merge_batch(tenant=tenant, rows=batch))
        return total

    todo: queue.Queue[list[StagedRow] | None] = queue.Queue(maxsize=1)
    finished: queue.Queue[MergeResult] = queue.Queue()
    failure: list[BaseException] = []

    def worker() -> None:
        try:
            while (batch := todo.get()) is not None:
                if not failure:
                    finished.put(merge_batch(tenant=tenant, rows=batch))
        except BaseException as exc:  # handed to the calling thread
            failure.append(exc)
            while todo.get() is not None:  # let the producer finish quickly
                pass
        finally:
            connection.close()

    thread = threading.Thread(target=worker, name="customer-merge", daemon=True)
    thread.start()
    try:
        for batch in batched(rows, batch_rows):
            if failure:
                break
            todo.put(batch)
            while not finished.empty():
                done(finished.get())
    finally:
        todo.put(None)
        thread.join()
    while not finished.empty():
        done(finished.get())
    if failure:
        raise failure[0]
    return total

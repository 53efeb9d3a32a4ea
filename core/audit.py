"""Audit log and version bumps, done by PostgreSQL triggers.

Triggers rather than ``save()`` hooks or signals: bulk ``.update()``, ``bulk_create``, COPY and
raw SQL are audited and versioned too, in the same transaction as the change. Audit triggers
are statement-level with transition tables (one set-based INSERT per statement, so importing a
million rows costs one extra INSERT ... SELECT, not a million trigger calls); the version bump
is a cheap row-level BEFORE UPDATE trigger. They are installed for every audited model after
each ``migrate`` (idempotent ``CREATE OR REPLACE``), so a new model only subclasses
``AuditedModel`` and declares ``entity_type``.

Who made the change and in which request comes from two session settings
(``nudge.actor``, ``nudge.request_id``) set by :func:`set_audit_context`.

We chose our own ~60 lines of SQL over django-pghistory because the API wants one audit
table across all entity types (``GET /api/v1/audit-logs?entityType=``) and the version bump
belongs in the same trigger pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

FUNCTIONS_SQL = r"""
CREATE OR REPLACE FUNCTION nudge_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (to_jsonb(NEW) - 'version' - 'updated_at') IS DISTINCT FROM
     (to_jsonb(OLD) - 'version' - 'updated_at') THEN
    NEW.version := OLD.version + 1;
  ELSE
    NEW.version := OLD.version;
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION nudge_audit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  entity text := TG_ARGV[0];
  excluded text[] := COALESCE(string_to_array(NULLIF(TG_ARGV[1], ''), ','), '{}');
  who text := NULLIF(current_setting('nudge.actor', true), '');
  req text := NULLIF(current_setting('nudge.request_id', true), '');
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO core_auditlog
      (tenant_id, entity_type, entity_id, action, entity_version, before, after, actor,
       request_id, created_at)
    SELECT COALESCE(a ->> 'tenant_id', CASE WHEN entity = 'tenant' THEN a ->> 'id' END),
           entity, a ->> 'id', 'create', (a ->> 'version')::int, NULL, a, who, req, now()
    FROM (SELECT to_jsonb(n) - excluded AS a FROM new_rows n) AS changed;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO core_auditlog
      (tenant_id, entity_type, entity_id, action, entity_version, before, after, actor,
       request_id, created_at)
    SELECT COALESCE(b ->> 'tenant_id', CASE WHEN entity = 'tenant' THEN b ->> 'id' END),
           entity, b ->> 'id', 'delete', (b ->> 'version')::int, b, NULL, who, req, now()
    FROM (SELECT to_jsonb(o) - excluded AS b FROM old_rows o) AS changed;
  ELSE
    INSERT INTO core_auditlog
      (tenant_id, entity_type, entity_id, action, entity_version, before, after, actor,
       request_id, created_at)
    SELECT COALESCE(a ->> 'tenant_id', CASE WHEN entity = 'tenant' THEN a ->> 'id' END),
           entity, a ->> 'id',
           CASE
             WHEN (b ->> 'deleted_at') IS NULL AND (a ->> 'deleted_at') IS NOT NULL THEN 'soft_delete'
             WHEN (b ->> 'deleted_at') IS NOT NULL AND (a ->> 'deleted_at') IS NULL THEN 'restore'
             ELSE 'update'
           END,
           (a ->> 'version')::int, b, a, who, req, now()
    FROM (
      SELECT to_jsonb(o) - excluded AS b, to_jsonb(n) - excluded AS a
      FROM old_rows o JOIN new_rows n ON n.id = o.id
    ) AS changed
    WHERE (b - 'updated_at' - 'version') IS DISTINCT FROM (a - 'updated_at' - 'version');
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION nudge_audit_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit log rows are immutable' USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE OR REPLACE TRIGGER nudge_audit_immutable BEFORE UPDATE OR DELETE ON core_auditlog
  FOR EACH ROW EXECUTE FUNCTION nudge_audit_immutable();
"""


def audited_models() -> list[Any]:
    from core.mixins import AuditedModel

    return [
        m
        for m in apps.get_models()
        if issubclass(m, AuditedModel) and getattr(m, "entity_type", None)
    ]


def trigger_sql(model: Any) -> str:
    from core.mixins import VersionedModel

    table = model._meta.db_table
    args = f"'{model.entity_type}', '{','.join(model.audit_exclude_columns)}'"
    sql = f'DROP TRIGGER IF EXISTS nudge_audit ON "{table}";\n'
    for name, event, transition in (
        ("nudge_audit_insert", "INSERT", "NEW TABLE AS new_rows"),
        ("nudge_audit_update", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("nudge_audit_delete", "DELETE", "OLD TABLE AS old_rows"),
    ):
        sql += (
            f'CREATE OR REPLACE TRIGGER {name} AFTER {event} ON "{table}" '
            f"REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION nudge_audit({args});\n"
        )
    if issubclass(model, VersionedModel):
        sql += (
            f'CREATE OR REPLACE TRIGGER nudge_bump_version BEFORE UPDATE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION nudge_bump_version();\n"
        )
    return sql


def install_triggers(using: str = DEFAULT_DB_ALIAS) -> None:
    with connections[using].cursor() as cursor:
        cursor.execute(FUNCTIONS_SQL)
        for model in audited_models():
            cursor.execute(trigger_sql(model))


def install_triggers_after_migrate(using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    install_triggers(using)


def set_audit_context(actor: str | None, request_id: str | None = None) -> None:
    """Name the actor (and request) that the audit trigger records for this connection."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            "SELECT set_config('nudge.actor', %s, false), set_config('nudge.request_id', %s, false)",
            [actor or "", request_id or ""],
        )


def clear_audit_context() -> None:
    conn = connections[DEFAULT_DB_ALIAS]
    if conn.connection is None or (conn.in_atomic_block and conn.needs_rollback):
        return
    with suppress(DatabaseError):  # a broken connection is discarded by Django anyway
        set_audit_context(None, None)


@contextmanager
def audit_context(actor: str | None, request_id: str | None = None) -> Iterator[None]:
    set_audit_context(actor, request_id)
    try:
        yield
    finally:
        clear_audit_context()

"""Audit log and version bumps, done by PostgreSQL triggers.

Triggers rather than ``save()`` hooks or signals: bulk ``.update()``, ``bulk_create`` and raw
SQL are audited and versioned too, in the same transaction as the change. We install one
``nudge_audit`` row trigger and (for versioned tables) one ``nudge_bump_version`` trigger per
audited model after every ``migrate`` (idempotent ``CREATE OR REPLACE``), so a new model only
subclasses ``AuditedModel`` and declares ``entity_type``.

Who made the change and in which request comes from two session settings
(``nudge.actor``, ``nudge.request_id``) set by :func:`set_audit_context`.

We chose our own ~60 lines of SQL over django-pghistory because the API wants one audit
table across all entity types (``GET /api/v1/audit-logs?entityType=``) and the version bump
belongs in the same trigger pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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
  excluded text[] := string_to_array(NULLIF(TG_ARGV[1], ''), ',');
  old_row jsonb;
  new_row jsonb;
  rec jsonb;
  act text;
BEGIN
  IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD) - COALESCE(excluded, '{}'); END IF;
  IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW) - COALESCE(excluded, '{}'); END IF;
  IF TG_OP = 'INSERT' THEN
    act := 'create'; rec := new_row;
  ELSIF TG_OP = 'DELETE' THEN
    act := 'delete'; rec := old_row;
  ELSE
    IF (old_row - 'updated_at' - 'version') = (new_row - 'updated_at' - 'version') THEN
      RETURN NULL;
    END IF;
    rec := new_row;
    IF (old_row ->> 'deleted_at') IS NULL AND (new_row ->> 'deleted_at') IS NOT NULL THEN
      act := 'soft_delete';
    ELSIF (old_row ->> 'deleted_at') IS NOT NULL AND (new_row ->> 'deleted_at') IS NULL THEN
      act := 'restore';
    ELSE
      act := 'update';
    END IF;
  END IF;
  INSERT INTO core_auditlog
    (tenant_id, entity_type, entity_id, action, entity_version, before, after, actor,
     request_id, created_at)
  VALUES (
    COALESCE(rec ->> 'tenant_id', CASE WHEN TG_ARGV[0] = 'tenant' THEN rec ->> 'id' END),
    TG_ARGV[0], rec ->> 'id', act, (rec ->> 'version')::int, old_row, new_row,
    NULLIF(current_setting('nudge.actor', true), ''),
    NULLIF(current_setting('nudge.request_id', true), ''),
    now());
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
    excluded = ",".join(model.audit_exclude_columns)
    sql = (
        f'CREATE OR REPLACE TRIGGER nudge_audit AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
        f"FOR EACH ROW EXECUTE FUNCTION nudge_audit('{model.entity_type}', '{excluded}');\n"
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
    try:
        set_audit_context(None, None)
    except DatabaseError:
        pass  # a broken connection is discarded by Django anyway


@contextmanager
def audit_context(actor: str | None, request_id: str | None = None) -> Iterator[None]:
    set_audit_context(actor, request_id)
    try:
        yield
    finally:
        clear_audit_context()

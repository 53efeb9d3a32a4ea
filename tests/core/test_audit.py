"""Audit rows for every write (bulk included), versions, immutability and the audit-log API."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, transaction

from core.audit import audit_context
from core.models import ApiKey, AuditLog, Membership
from core.services import api_key_create
from tests.api_suite import assert_error

pytestmark = pytest.mark.django_db


def test_api_write_is_audited_with_actor_and_request_id(personas: Any) -> None:
    response = personas.client("admin_a").post(
        "/api/v1/api-keys",
        {"name": "audited", "role": "viewer"},
        format="json",
        HTTP_X_REQUEST_ID="req-42",
    )
    row = AuditLog.objects.get(entity_type="api_key", entity_id=response.json()["id"])
    assert row.action == "create"
    assert row.actor == f"apikey:{personas.keys['admin_a'][:12]}"
    assert row.request_id == "req-42"
    assert row.tenant_id == personas.tenant_a.pk
    assert "key_hash" not in row.after, "secrets stay out of the audit log"


def test_session_write_names_the_user(personas: Any) -> None:
    client = personas.session_client("admin_a")
    response = client.post(
        "/api/v1/api-keys", {"name": "by-session", "role": "viewer"}, format="json"
    )
    assert AuditLog.objects.get(entity_id=response.json()["id"]).actor == "user:admin_a"


def test_bulk_queryset_update_and_delete_are_audited_row_by_row(personas: Any) -> None:
    keys = [api_key_create(tenant=personas.tenant_a, name=f"bulk-{i}")[0] for i in range(5)]
    ids = [k.pk for k in keys]
    with audit_context("script:bulk"):
        ApiKey.objects.filter(pk__in=ids).update(name="renamed")
        ApiKey.objects.filter(pk__in=ids[:2]).delete()
    updates = AuditLog.objects.filter(entity_id__in=ids, action="update")
    assert updates.count() == 5
    assert all(
        row.before["name"].startswith("bulk-") and row.after["name"] == "renamed" for row in updates
    )
    assert all(row.actor == "script:bulk" for row in updates)
    assert AuditLog.objects.filter(entity_id__in=ids, action="delete").count() == 2


def test_bulk_create_is_audited(personas: Any) -> None:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"u{i}") for i in range(3)]
    )
    Membership.objects.bulk_create([Membership(tenant=personas.tenant_a, user=u) for u in users])
    assert (
        AuditLog.objects.filter(
            entity_type="membership", action="create", tenant_id=personas.tenant_a.pk
        ).count()
        == 3 + 3
    )


def test_an_update_that_changes_nothing_writes_no_row(personas: Any) -> None:
    key = ApiKey.objects.filter(tenant=personas.tenant_a).first()
    before = AuditLog.objects.count()
    ApiKey.objects.filter(pk=key.pk).update(name=key.name)
    assert AuditLog.objects.count() == before


def test_audit_rows_are_written_in_the_same_transaction(personas: Any) -> None:
    before = AuditLog.objects.count()

    def create_then_fail() -> None:
        with transaction.atomic():
            api_key_create(tenant=personas.tenant_a, name="rolled back")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        create_then_fail()
    assert AuditLog.objects.count() == before


def test_audit_rows_are_immutable_in_the_database(personas: Any) -> None:
    row = AuditLog.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=row.pk).update(action="update")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=row.pk).delete()


def test_audit_log_api_is_admin_only_filterable_and_read_only(personas: Any) -> None:
    key = ApiKey.objects.get(tenant=personas.tenant_a, name="viewer_a key")
    admin = personas.client("admin_a")
    body = admin.get("/api/v1/audit-logs", {"entityType": "api_key", "entityId": key.pk}).json()
    assert [r["action"] for r in body["data"]] == ["create"]
    row = body["data"][0]
    assert {
        "entityType",
        "entityId",
        "action",
        "entityVersion",
        "before",
        "after",
        "actor",
        "requestId",
        "createdAt",
    } <= set(row)
    assert row["after"]["tenantId"] == personas.tenant_a.pk
    assert_error(admin.get("/api/v1/audit-logs", {"entityType": "spaceship"}), 400, "entityType")
    assert_error(personas.client("editor_a").get("/api/v1/audit-logs"), 403)
    assert_error(admin.put(f"/api/v1/audit-logs/{row['id']}", {}, format="json"), 405)
    assert_error(admin.delete(f"/api/v1/audit-logs/{row['id']}"), 405)
    other = personas.client("admin_b").get("/api/v1/audit-logs", {"limit": 200}).json()["data"]
    assert key.pk not in {r["entityId"] for r in other}
    assert_error(personas.client("admin_b").get(f"/api/v1/audit-logs/{row['id']}"), 404)

"""A reusable API test suite: subclass ``EntityApiSuite`` once per model.

    class TestOfferApi(EntityApiSuite):
        url = "/api/v1/offers"
        model = Offer
        entity_type = "offer"

        def make(self, tenant, **overrides): ...        # one row straight into the database
        def create_payload(self, personas): ...         # a valid POST body for tenant A
        def update_payload(self, instance): ...         # a valid partial update
        def invalid_payloads(self, personas): ...       # [(body, "fieldNamedInDetails"), ...]

It proves, for that model: every role may or may not do each operation as configured, tenant
isolation both ways, the error envelope for 400/403/404/409/415, pagination shape and bounds,
version bumps and audit rows, soft-delete with ``includeDeleted`` and restore, and a constant
query count for lists (N+1 guard).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditLog, Tenant
from core.roles import Role

ROLE_PERSONAS = {Role.VIEWER: "viewer_a", Role.EDITOR: "editor_a", Role.ADMIN: "admin_a"}
ORDER = [Role.VIEWER, Role.EDITOR, Role.ADMIN]


def assert_error(response: Any, status: int, field: str | None = None) -> dict:
    """The response is the documented error envelope with this status (and names ``field``)."""
    assert response.status_code == status, (
        response.status_code,
        getattr(response, "content", b"")[:500],
    )
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "status", "details"}, error
    assert error["status"] == status
    assert isinstance(error["message"], str) and error["message"]
    if field is not None:
        assert field in json.dumps(error["details"]), (field, error)
    return error


class EntityApiSuite:
    url: ClassVar[str]
    model: ClassVar[Any]
    entity_type: ClassVar[str]
    pagination: ClassVar[str] = "offset"
    unique_field: ClassVar[str | None] = "name"
    roles: ClassVar[dict[str, str]] = {
        "read": "viewer",
        "create": "editor",
        "update": "editor",
        "delete": "admin",
    }
    detail_style: ClassVar[str] = "path"
    max_list_queries: ClassVar[int] = 8
    soft_delete: ClassVar[bool] = True

    # --- to implement per model -------------------------------------------------------------
    def make(self, tenant: Tenant, **overrides: Any) -> Any:
        raise NotImplementedError

    def create_payload(self, personas: Any) -> dict:
        raise NotImplementedError

    def update_payload(self, instance: Any) -> dict:
        raise NotImplementedError

    def invalid_payloads(self, personas: Any) -> list[tuple[dict, str]]:
        raise NotImplementedError

    # --- request helpers -------------------------------------------------------------------
    def detail_url(self, pk: str) -> str:
        return f"{self.url}/{pk}"

    def get_detail(self, client: Any, pk: str) -> Any:
        return client.get(self.detail_url(pk))

    def put(self, client: Any, pk: str, body: dict) -> Any:
        if self.detail_style == "query":
            return client.put(self.url, {"id": pk, **body}, format="json")
        return client.put(self.detail_url(pk), body, format="json")

    def delete(self, client: Any, pk: str) -> Any:
        if self.detail_style == "query":
            return client.delete(f"{self.url}?id={pk}")
        return client.delete(self.detail_url(pk))

    def _allowed(self, operation: str) -> list[Role]:
        required = Role(self.roles[operation])
        return [r for r in ORDER if r.allows(required)]

    def _denied(self, operation: str) -> list[Role]:
        required = Role(self.roles[operation])
        return [r for r in ORDER if not r.allows(required)]

    def _count(self, tenant: Tenant, *, include_deleted: bool = False) -> int:
        manager = (
            self.model.all_objects if include_deleted and self.soft_delete else self.model.objects
        )
        return manager.filter(tenant=tenant).count()

    # --- list ------------------------------------------------------------------------------
    def test_list_is_paginated_and_tenant_scoped_for_every_reader(self, personas: Any) -> None:
        mine = self.make(personas.tenant_a)
        theirs = self.make(personas.tenant_b)
        for role in self._allowed("read"):
            response = personas.client(ROLE_PERSONAS[role]).get(self.url)
            assert response.status_code == 200, response.content
            body = response.json()
            assert set(body) == {"data", "pagination"}
            ids = {row["id"] for row in body["data"]}
            assert mine.pk in ids and theirs.pk not in ids
            keys = (
                {"total", "limit", "offset", "hasMore"}
                if self.pagination == "offset"
                else {"total", "limit", "hasMore", "nextCursor"}
            )
            assert set(body["pagination"]) == keys
        other_ids = {row["id"] for row in personas.client("admin_b").get(self.url).json()["data"]}
        assert theirs.pk in other_ids and mine.pk not in other_ids
        for role in self._denied("read"):
            assert_error(personas.client(ROLE_PERSONAS[role]).get(self.url), 403)

    def test_list_pagination_bounds(self, personas: Any) -> None:
        for _ in range(3):
            self.make(personas.tenant_a)
        client = personas.client("admin_a")
        page = client.get(self.url, {"limit": 2}).json()
        assert len(page["data"]) == 2 and page["pagination"]["hasMore"] is True
        assert client.get(self.url, {"limit": 500}).json()["pagination"]["limit"] == 200
        assert_error(client.get(self.url, {"limit": "abc"}), 400, "limit")
        assert_error(client.get(self.url, {"limit": 0}), 400, "limit")
        if self.pagination == "offset":
            assert_error(client.get(self.url, {"offset": -1}), 400, "offset")
            rest = client.get(self.url, {"limit": 2, "offset": 2}).json()
            assert rest["pagination"]["offset"] == 2
        else:
            cursor = page["pagination"]["nextCursor"]
            rest = client.get(self.url, {"limit": 2, "cursor": cursor}).json()
            assert_error(client.get(self.url, {"cursor": "not-a-cursor"}), 400, "cursor")
        assert not {r["id"] for r in page["data"]} & {r["id"] for r in rest["data"]}

    def test_list_query_count_does_not_grow_with_rows(self, personas: Any) -> None:
        client = personas.client("admin_a")
        self.make(personas.tenant_a)
        client.get(self.url)  # a fresh API key's first use records last_used_at (one UPDATE)
        with CaptureQueriesContext(connection) as few:
            assert client.get(self.url, {"limit": 50}).status_code == 200
        for _ in range(12):
            self.make(personas.tenant_a)
        with CaptureQueriesContext(connection) as many:
            assert client.get(self.url, {"limit": 50}).status_code == 200
        assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
        assert len(many) <= self.max_list_queries, [q["sql"] for q in many.captured_queries]

    # --- detail ----------------------------------------------------------------------------
    def test_detail_of_another_tenant_is_404_both_ways(self, personas: Any) -> None:
        mine = self.make(personas.tenant_a)
        theirs = self.make(personas.tenant_b)
        assert self.get_detail(personas.client("viewer_a"), mine.pk).status_code == 200
        assert_error(self.get_detail(personas.client("admin_a"), theirs.pk), 404)
        assert_error(self.get_detail(personas.client("admin_b"), mine.pk), 404)

    # --- create ----------------------------------------------------------------------------
    def test_create_needs_the_role_and_returns_a_fresh_entity(self, personas: Any) -> None:
        before = self._count(personas.tenant_a)
        for role in self._denied("create"):
            assert_error(
                personas.client(ROLE_PERSONAS[role]).post(
                    self.url, self.create_payload(personas), format="json"
                ),
                403,
            )
        assert self._count(personas.tenant_a) == before
        role = self._allowed("create")[0]
        response = personas.client(ROLE_PERSONAS[role]).post(
            self.url, self.create_payload(personas), format="json"
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["version"] == 1
        if self.soft_delete:
            assert body["deletedAt"] is None
        assert self._count(personas.tenant_a) == before + 1
        created = self.model.objects.get(pk=body["id"])
        assert created.tenant_id == personas.tenant_a.pk
        log = AuditLog.objects.filter(entity_type=self.entity_type, entity_id=body["id"])
        assert [row.action for row in log] == ["create"]
        assert log[0].actor and log[0].tenant_id == personas.tenant_a.pk

    def test_create_rejects_bad_input_and_changes_nothing(self, personas: Any) -> None:
        client = personas.client("admin_a")
        before = self._count(personas.tenant_a, include_deleted=True)
        for body, field in self.invalid_payloads(personas):
            assert_error(client.post(self.url, body, format="json"), 400, field)
        assert_error(client.post(self.url, "{not json", content_type="application/json"), 400)
        assert_error(client.post(self.url, [1, 2], format="json"), 400)
        assert self._count(personas.tenant_a, include_deleted=True) == before

    def test_create_with_a_non_json_body_is_415(self, personas: Any) -> None:
        client = personas.client("admin_a")
        before = self._count(personas.tenant_a)
        response = client.post(self.url, "name=x", content_type="application/x-www-form-urlencoded")
        assert_error(response, 415)
        assert self._count(personas.tenant_a) == before

    def test_duplicate_unique_value_is_409(self, personas: Any) -> None:
        if not self.unique_field:
            pytest.skip("model has no unique wire field")
        client = personas.client("admin_a")
        payload = self.create_payload(personas)
        assert client.post(self.url, payload, format="json").status_code == 201
        before = self._count(personas.tenant_a)
        assert_error(client.post(self.url, payload, format="json"), 409)
        assert self._count(personas.tenant_a) == before

    # --- update ----------------------------------------------------------------------------
    def test_update_bumps_version_and_records_before_and_after(self, personas: Any) -> None:
        instance = self.make(personas.tenant_a)
        change = self.update_payload(instance)
        for role in self._denied("update"):
            assert_error(self.put(personas.client(ROLE_PERSONAS[role]), instance.pk, change), 403)
        role = self._allowed("update")[0]
        response = self.put(personas.client(ROLE_PERSONAS[role]), instance.pk, change)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["version"] == 2
        for key, value in change.items():
            if not isinstance(value, dict | list):
                assert body[key] == value, key
        row = AuditLog.objects.filter(
            entity_type=self.entity_type, entity_id=instance.pk, action="update"
        ).get()
        assert row.entity_version == 2 and row.before and row.after and row.before != row.after

    def test_update_of_another_tenant_is_404_and_changes_nothing(self, personas: Any) -> None:
        theirs = self.make(personas.tenant_b)
        response = self.put(personas.client("admin_a"), theirs.pk, self.update_payload(theirs))
        assert response.status_code in ((400, 404) if self.detail_style == "query" else (404,))
        theirs.refresh_from_db()
        assert theirs.version == 1

    # --- delete + restore ------------------------------------------------------------------
    def test_delete_needs_the_role_then_soft_deletes_and_restore_brings_it_back(
        self, personas: Any
    ) -> None:
        instance = self.make(personas.tenant_a)
        for role in self._denied("delete"):
            assert_error(self.delete(personas.client(ROLE_PERSONAS[role]), instance.pk), 403)
        role = self._allowed("delete")[0]
        client = personas.client(ROLE_PERSONAS[role])
        response = self.delete(client, instance.pk)
        assert response.status_code in (200, 204), response.content
        if response.status_code == 200:
            assert response.json() == {"success": True, "id": instance.pk}
        if not self.soft_delete:
            assert not self.model.objects.filter(pk=instance.pk).exists()
            return
        admin = personas.client("admin_a")
        assert instance.pk not in {
            r["id"] for r in admin.get(self.url, {"limit": 200}).json()["data"]
        }
        listed = admin.get(self.url, {"limit": 200, "includeDeleted": "true"}).json()["data"]
        deleted_row = next(r for r in listed if r["id"] == instance.pk)
        assert deleted_row["deletedAt"] is not None
        restore_url = f"/api/v1/restore?entityType={self.entity_type}&id={instance.pk}"
        assert_error(personas.client("editor_a").post(restore_url), 403)
        assert_error(personas.client("admin_b").post(restore_url), 404)
        assert personas.client("admin_a").post(restore_url).status_code == 200
        assert instance.pk in {r["id"] for r in admin.get(self.url, {"limit": 200}).json()["data"]}
        actions = list(
            AuditLog.objects.filter(entity_type=self.entity_type, entity_id=instance.pk)
            .order_by("id")
            .values_list("action", flat=True)
        )
        assert actions[-2:] == ["soft_delete", "restore"]

    def test_delete_of_another_tenant_changes_nothing(self, personas: Any) -> None:
        theirs = self.make(personas.tenant_b)
        response = self.delete(personas.client("admin_a"), theirs.pk)
        assert response.status_code in (400, 404)
        assert self.model.objects.filter(pk=theirs.pk).exists()

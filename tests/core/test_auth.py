"""Authentication (session, Bearer, X-API-Key) and tenant selection."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import ApiKey, Membership
from core.roles import Role
from core.services import api_key_create, api_key_revoke, tenant_create, user_with_membership
from tests.api_suite import assert_error
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_bearer_and_x_api_key_both_authenticate(personas: Any) -> None:
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {personas.keys['viewer_a']}")
    header = APIClient()
    header.credentials(HTTP_X_API_KEY=personas.keys["viewer_a"])
    for client in (bearer, header):
        body = client.get("/api/v1/tenant").json()
        assert body == {"tenant": body["tenant"], "role": "viewer"}
        assert body["tenant"]["id"] == personas.tenant_a.pk


def test_unknown_key_is_401(db: Any) -> None:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY="nud_not-a-real-key")
    assert_error(client.get("/api/v1/tenant"), 401)


def test_revoked_key_is_401(personas: Any) -> None:
    key = ApiKey.objects.get(tenant=personas.tenant_a, name="editor_a key")
    api_key_revoke(key=key)
    error = assert_error(personas.client("editor_a").get("/api/v1/tenant"), 401)
    assert "revoked" in error["message"]


def test_key_records_last_use(personas: Any) -> None:
    personas.client("viewer_a").get("/api/v1/tenant")
    assert (
        ApiKey.objects.get(tenant=personas.tenant_a, name="viewer_a key").last_used_at is not None
    )


def test_key_of_tenant_b_cannot_read_or_write_tenant_a(personas: Any) -> None:
    key_a = ApiKey.objects.get(tenant=personas.tenant_a, name="viewer_a key")
    client_b = personas.client("admin_b")
    assert_error(client_b.get(f"/api/v1/api-keys/{key_a.pk}"), 404)
    assert_error(client_b.delete(f"/api/v1/api-keys/{key_a.pk}"), 404)
    assert_error(client_b.post(f"/api/v1/api-keys/{key_a.pk}/revoke"), 404)
    assert ApiKey.objects.get(pk=key_a.pk).revoked_at is None
    assert key_a.pk not in {row["id"] for row in client_b.get("/api/v1/api-keys").json()["data"]}


def test_key_cannot_switch_tenant_with_the_header(personas: Any) -> None:
    client = personas.client("admin_b")
    error = assert_error(client.get("/api/v1/tenant", HTTP_X_TENANT_ID=personas.tenant_a.pk), 403)
    assert "another tenant" in error["message"]


def test_session_user_with_one_tenant_needs_no_header(personas: Any) -> None:
    body = personas.session_client("editor_a").get("/api/v1/tenant").json()
    assert body["role"] == "editor" and body["tenant"]["slug"] == "tenant-a"


@pytest.fixture
def two_tenant_user(personas: Any) -> Any:
    user = user_with_membership(
        tenant=personas.tenant_a, username="consultant", role=Role.VIEWER, password=PASSWORD
    )
    Membership.objects.create(tenant=personas.tenant_b, user=user, role=Role.ADMIN)
    client = APIClient()
    client.force_login(user)
    return client


def test_user_in_several_tenants_must_choose(two_tenant_user: Any) -> None:
    error = assert_error(two_tenant_user.get("/api/v1/tenant"), 400, "X-Tenant-Id")
    assert "X-Tenant-Id" in error["message"]


def test_tenant_header_accepts_id_or_slug_and_sets_the_role(
    personas: Any, two_tenant_user: Any
) -> None:
    by_slug = two_tenant_user.get("/api/v1/tenant", HTTP_X_TENANT_ID="tenant-b").json()
    assert by_slug["role"] == "admin" and by_slug["tenant"]["id"] == personas.tenant_b.pk
    by_id = two_tenant_user.get("/api/v1/tenant", HTTP_X_TENANT_ID=personas.tenant_a.pk).json()
    assert by_id["role"] == "viewer"


def test_unknown_or_foreign_tenant_header_is_403(personas: Any, two_tenant_user: Any) -> None:
    assert_error(
        two_tenant_user.get("/api/v1/tenant", HTTP_X_TENANT_ID="no-such-tenant"), 403, "X-Tenant-Id"
    )
    tenant_create(name="Tenant C", slug="tenant-c")
    assert_error(two_tenant_user.get("/api/v1/tenant", HTTP_X_TENANT_ID="tenant-c"), 403)


def test_user_without_membership_is_403(db: Any, django_user_model: Any) -> None:
    user = django_user_model.objects.create_user("loner", password=PASSWORD)
    client = APIClient()
    client.force_login(user)
    assert_error(client.get("/api/v1/tenant"), 403)


def test_session_writes_require_csrf(personas: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(personas.admin_a)
    response = client.post("/api/v1/api-keys", {"name": "x", "role": "viewer"}, format="json")
    assert_error(response, 403)
    assert not ApiKey.objects.filter(name="x").exists()


def test_created_key_works_once_shown_and_never_again(personas: Any) -> None:
    admin = personas.client("admin_a")
    response = admin.post(
        "/api/v1/api-keys", {"name": "integration", "role": "editor"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["key"].startswith("nud_") and body["prefix"] == body["key"][:12]
    stored = ApiKey.objects.get(pk=body["id"])
    assert body["key"] not in (stored.key_hash, stored.prefix)
    listed = admin.get("/api/v1/api-keys").json()["data"]
    assert all("key" not in row for row in listed)
    assert "key" not in admin.get(f"/api/v1/api-keys/{body['id']}").json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['key']}")
    assert client.get("/api/v1/tenant").json()["role"] == "editor"
    assert admin.delete(f"/api/v1/api-keys/{body['id']}").json() == {
        "success": True,
        "id": body["id"],
    }
    assert_error(client.get("/api/v1/tenant"), 401)


@pytest.mark.parametrize("persona", ["viewer_a", "editor_a"])
def test_keys_and_members_are_admin_only(personas: Any, persona: str) -> None:
    client = personas.client(persona)
    assert_error(client.get("/api/v1/api-keys"), 403)
    assert_error(client.post("/api/v1/api-keys", {"name": "x"}, format="json"), 403)
    assert_error(client.get("/api/v1/members"), 403)
    assert_error(
        client.post("/api/v1/members", {"username": "admin_b", "role": "admin"}, format="json"), 403
    )


def test_members_can_be_added_changed_and_removed_by_an_admin(personas: Any) -> None:
    admin = personas.client("admin_a")
    created = admin.post(
        "/api/v1/members", {"username": "admin_b", "role": "viewer"}, format="json"
    )
    assert created.status_code == 201
    member_id = created.json()["id"]
    assert (
        admin.put(f"/api/v1/members/{member_id}", {"role": "editor"}, format="json").json()["role"]
        == "editor"
    )
    assert_error(
        admin.post("/api/v1/members", {"username": "nobody", "role": "viewer"}, format="json"),
        400,
        "username",
    )
    assert admin.delete(f"/api/v1/members/{member_id}").status_code == 200
    assert not Membership.objects.filter(pk=member_id).exists()


def test_the_last_admin_cannot_be_removed_or_demoted(personas: Any) -> None:
    admin = personas.client("admin_a")
    membership = Membership.objects.get(tenant=personas.tenant_a, user=personas.admin_a)
    assert_error(
        admin.put(f"/api/v1/members/{membership.pk}", {"role": "viewer"}, format="json"), 409
    )
    assert_error(admin.delete(f"/api/v1/members/{membership.pk}"), 409)
    assert Membership.objects.get(pk=membership.pk).role == Role.ADMIN


def test_api_key_role_is_the_key_role_not_more(personas: Any) -> None:
    _, raw = api_key_create(tenant=personas.tenant_a, name="ro", role=Role.VIEWER)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    assert_error(
        client.post("/api/v1/api-keys", {"name": "escalate", "role": "admin"}, format="json"), 403
    )


def test_a_used_key_revoked_is_refused_at_once(personas: Any) -> None:
    client = personas.client("editor_a")
    assert client.get("/api/v1/tenant").status_code == 200  # the key is now cached
    api_key_revoke(key=ApiKey.objects.get(tenant=personas.tenant_a, name="editor_a key"))
    assert "revoked" in assert_error(client.get("/api/v1/tenant"), 401)["message"]


def test_a_role_change_applies_at_once_in_this_process(personas: Any) -> None:
    client = personas.client("editor_a")
    assert client.get("/api/v1/tenant").json()["role"] == "editor"
    key = ApiKey.objects.get(tenant=personas.tenant_a, name="editor_a key")
    key.role = Role.VIEWER
    key.save()
    assert client.get("/api/v1/tenant").json()["role"] == "viewer"


def test_a_cached_key_costs_no_query(personas: Any, django_assert_num_queries: Any) -> None:
    client = personas.client("viewer_a")
    client.get("/api/v1/tenant")
    with django_assert_num_queries(0):
        assert client.get("/api/v1/tenant").status_code == 200


def test_changes_made_elsewhere_are_seen_within_the_cache_time(
    personas: Any, settings: Any
) -> None:
    """Another worker process revoking a key sends no signal here: the entry expires."""
    settings.NUDGE_API_KEY_CACHE_SECONDS = 0.2
    client = personas.client("viewer_a")
    assert client.get("/api/v1/tenant").status_code == 200
    ApiKey.objects.filter(tenant=personas.tenant_a, name="viewer_a key").update(
        revoked_at=timezone.now()
    )  # like another process: no signal, no eviction here
    assert client.get("/api/v1/tenant").status_code == 200  # still cached
    time.sleep(0.25)
    assert_error(client.get("/api/v1/tenant"), 401)


def test_without_the_cache_every_request_reads_the_key(personas: Any, settings: Any) -> None:
    settings.NUDGE_API_KEY_CACHE_SECONDS = 0
    client = personas.client("viewer_a")
    assert client.get("/api/v1/tenant").status_code == 200
    ApiKey.objects.filter(tenant=personas.tenant_a, name="viewer_a key").update(
        revoked_at=timezone.now()
    )
    assert_error(client.get("/api/v1/tenant"), 401)

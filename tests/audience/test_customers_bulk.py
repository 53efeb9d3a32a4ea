"""POST /api/v1/customers/bulk: upsert by externalId, bad rows reported, good rows kept."""

from __future__ import annotations

from typing import Any

from audience.models import Customer
from core.models import AuditLog
from tests.api_suite import assert_error
from tests.audience.factories import make_customer

URL = "/api/v1/customers/bulk"


def post(personas: Any, body: Any, persona: str = "editor_a") -> Any:
    return personas.client(persona).post(URL, body, format="json")


def test_bad_rows_are_reported_by_index_and_good_rows_are_kept(personas: Any) -> None:
    existing = make_customer(personas.tenant_a, external_id="C-1", email="old@example.com")
    rows = [
        {"externalId": "C-1", "email": "new@example.com", "attributes": {"tier": "gold"}},
        {"externalId": "C-2", "phone": "not a phone"},
        {"externalId": "C-3", "firstName": "Grace", "country": "us", "phone": "0047 912 34 567"},
        {"email": "no-id@example.com"},
        "not an object",
        {"externalId": "C-3", "firstName": "Again"},
        {"externalId": "C-4", "timezone": "Nowhere/Town", "country": "ZZ"},
        {"externalId": "C-5", "attributes": ["x"]},
        {"externalId": "C-6", "shoeSize": 42},
    ]
    response = post(personas, {"customers": rows})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["received"] == 9
    assert (body["created"], body["updated"], body["failed"]) == (1, 1, 7)
    errors = {e["index"]: e for e in body["errors"]}
    assert set(errors) == {1, 3, 4, 5, 6, 7, 8}
    assert "phone" in errors[1]["details"] and errors[1]["externalId"] == "C-2"
    assert "externalId" in errors[3]["details"]
    assert "nonFieldErrors" in errors[4]["details"]
    assert "Duplicate of row 2" in errors[5]["details"]["externalId"][0]
    assert set(errors[6]["details"]) == {"timezone", "country"}
    assert "attributes" in errors[7]["details"]
    assert "shoeSize" in errors[8]["details"]

    existing.refresh_from_db()
    assert existing.email == "new@example.com"
    assert existing.first_name == "Ada"  # absent fields keep their value
    assert existing.attributes["tier"] == "gold" and "age" in existing.attributes  # merged
    assert existing.version == 2
    created = Customer.objects.get(tenant=personas.tenant_a, external_id="C-3")
    assert (created.first_name, created.country, created.phone) == ("Grace", "US", "+4791234567")
    assert created.attributes == {} and created.version == 1
    actions = sorted(
        AuditLog.objects.filter(entity_type="customer", tenant_id=personas.tenant_a.pk)
        .exclude(entity_id=str(existing.pk), action="create")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update"]


def test_resending_the_same_rows_writes_nothing(personas: Any) -> None:
    rows = [{"externalId": f"X-{i}", "email": f"x{i}@example.com"} for i in range(50)]
    assert post(personas, {"customers": rows}).json()["created"] == 50
    audit_before = AuditLog.objects.filter(entity_type="customer").count()
    again = post(personas, {"customers": rows}).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 50)
    assert AuditLog.objects.filter(entity_type="customer").count() == audit_before
    assert set(Customer.objects.filter(external_id="X-1").values_list("version", flat=True)) == {1}


def test_null_clears_a_field_and_attribute_keys_merge(personas: Any) -> None:
    post(
        personas, [{"externalId": "M-1", "email": "m@example.com", "attributes": {"a": 1, "b": 2}}]
    )
    body = post(personas, [{"externalId": "M-1", "email": None, "attributes": {"b": 3, "c": None}}])
    assert body.json()["updated"] == 1
    customer = Customer.objects.get(external_id="M-1")
    assert customer.email is None
    assert customer.attributes == {"a": 1, "b": 3, "c": None}


def test_upsert_is_tenant_scoped(personas: Any) -> None:
    theirs = make_customer(personas.tenant_b, external_id="SAME", email="b@example.com")
    body = post(personas, [{"externalId": "SAME", "email": "a@example.com"}]).json()
    assert body["created"] == 1
    theirs.refresh_from_db()
    assert theirs.email == "b@example.com"


def test_a_soft_deleted_customer_is_not_updated_but_replaced(personas: Any) -> None:
    gone = make_customer(personas.tenant_a, external_id="GONE")
    personas.client("admin_a").delete(f"/api/v1/customers/{gone.pk}")
    body = post(personas, [{"externalId": "GONE", "email": "back@example.com"}]).json()
    assert body["created"] == 1
    assert Customer.all_objects.filter(external_id="GONE").count() == 2


def test_request_shape_and_limits(personas: Any) -> None:
    assert_error(post(personas, {"rows": []}), 400, "customers")
    assert_error(post(personas, {"customers": "x"}), 400, "customers")
    too_many = [{"externalId": f"T-{i}"} for i in range(10_001)]
    assert_error(post(personas, {"customers": too_many}), 400, "customers")
    assert_error(post(personas, {"customers": []}, persona="viewer_a"), 403)
    response = personas.client("editor_a").post(URL, "a,b", content_type="text/csv")
    assert_error(response, 415)
    assert post(personas, {"customers": []}).json()["received"] == 0


def test_ten_thousand_rows_in_one_request(personas: Any) -> None:
    rows = [
        {
            "externalId": f"BIG-{i:05d}",
            "email": f"big{i}@example.com",
            "phone": f"+4790{i:06d}",
            "firstName": "Big",
            "lastName": "Batch",
            "country": "NO",
            "timezone": "Europe/Oslo",
            "attributes": {"age": 20 + i % 50, "segment": "mass", "score": i / 10_000},
        }
        for i in range(10_000)
    ]
    body = post(personas, {"customers": rows}).json()
    assert (body["created"], body["failed"]) == (10_000, 0)
    assert Customer.objects.filter(tenant=personas.tenant_a).count() == 10_000

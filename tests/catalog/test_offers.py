"""Offer rules and error codes through the API."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.models import Offer
from core.models import AuditLog
from tests.api_suite import assert_error
from tests.catalog.factories import make_category, make_offer

URL = "/api/v1/offers"


def post(personas: Any, body: dict, persona: str = "editor_a") -> Any:
    return personas.client(persona).post(URL, body, format="json")


def put(personas: Any, pk: str, body: dict) -> Any:
    return personas.client("editor_a").put(f"{URL}/{pk}", body, format="json")


def test_create_fills_the_documented_defaults(personas: Any) -> None:
    response = post(personas, {"name": "Savings Boost"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"].startswith("off_")
    assert body["status"] == "draft"
    assert body["priority"] == 50
    assert body["businessValue"] == 0
    assert body["categoryId"] is None and body["category"] is None
    assert body["eligibility"] == {} and body["tags"] == [] and body["metadata"] == {}
    assert body["startAt"] is None and body["endAt"] is None
    assert body["tenantId"] == personas.tenant_a.pk and body["version"] == 1


def test_create_returns_the_category_and_a_numeric_business_value(personas: Any) -> None:
    category = make_category(personas.tenant_a, name="Cards")
    body = post(
        personas, {"name": "Gold", "categoryId": category.pk, "businessValue": "99.95"}
    ).json()
    assert body["categoryId"] == category.pk
    assert body["category"] == {"id": category.pk, "name": "Cards"}
    assert body["businessValue"] == 99.95


@pytest.mark.parametrize("priority", [0, 100])
def test_priority_bounds_are_inclusive(personas: Any, priority: int) -> None:
    assert post(personas, {"name": f"P{priority}", "priority": priority}).status_code == 201


@pytest.mark.parametrize("priority", [-1, 101, 1000, "high", None, True, 50.5])
def test_priority_outside_0_100_is_400(personas: Any, priority: Any) -> None:
    assert_error(post(personas, {"name": "P", "priority": priority}), 400, "priority")
    assert not Offer.objects.filter(name="P").exists()


@pytest.mark.parametrize("value", [-0.01, "abc", "Infinity", 1e20, "1.234"])
def test_business_value_must_be_a_non_negative_amount(personas: Any, value: Any) -> None:
    assert_error(post(personas, {"name": "V", "businessValue": value}), 400, "businessValue")


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-03-01T00:00:00Z", "2026-02-01T00:00:00Z"),
        ("2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z"),
    ],
)
def test_end_must_be_after_start(personas: Any, start: str, end: str) -> None:
    error = assert_error(post(personas, {"name": "W", "startAt": start, "endAt": end}), 400)
    assert "endAt" in error["details"]


def test_partial_update_checks_the_window_against_the_stored_end(personas: Any) -> None:
    offer = post(
        personas,
        {"name": "W", "startAt": "2026-01-01T00:00:00Z", "endAt": "2026-02-01T00:00:00Z"},
    ).json()
    assert_error(put(personas, offer["id"], {"startAt": "2026-03-01T00:00:00Z"}), 400, "endAt")
    assert_error(put(personas, offer["id"], {"endAt": "2025-12-01T00:00:00Z"}), 400, "endAt")
    stored = Offer.objects.get(pk=offer["id"])
    assert stored.version == 1 and stored.start_at.month == 1
    assert put(personas, offer["id"], {"endAt": None}).status_code == 200
    assert put(personas, offer["id"], {"startAt": "2026-03-01T00:00:00Z"}).status_code == 200


def test_eligibility_is_validated_and_stored_normalized(personas: Any) -> None:
    rule = {
        "combinator": "and",
        "filters": [
            {"field": "customer.attributes.credit_score", "operator": "gte", "value": 700},
            {
                "combinator": "OR",
                "filters": [
                    {"field": "customer.country", "operator": "in", "value": ["US", "CA"]},
                    {"field": "context.channel", "operator": "eq", "value": "web"},
                ],
            },
        ],
    }
    response = post(personas, {"name": "Rule", "eligibility": rule})
    assert response.status_code == 201, response.content
    assert response.json()["eligibility"]["combinator"] == "AND"
    assert response.json()["eligibility"]["filters"][1]["combinator"] == "OR"


@pytest.mark.parametrize(
    ("rule", "detail"),
    [
        ({"combinator": "XOR", "filters": []}, "combinator"),
        ({"filters": [{"field": "age", "operator": "gt", "value": 1}]}, "filters[0].field"),
        (
            {"filters": [{"field": "customer.age", "operator": "between", "value": 1}]},
            "filters[0].operator",
        ),
        (
            {"filters": [{"field": "customer.x'; DROP TABLE x;--", "operator": "eq", "value": 1}]},
            "filters[0].field",
        ),
        ({"filters": [{"field": "customer.age", "operator": "in", "value": []}]}, "value"),
        ({"filters": "all"}, "filters"),
        ({"combinator": "AND", "filters": [], "extra": 1}, "extra"),
        ([{"field": "customer.age"}], "eligibility"),
        ("everyone", "eligibility"),
    ],
)
def test_bad_eligibility_is_400_naming_the_filter(personas: Any, rule: Any, detail: str) -> None:
    error = assert_error(post(personas, {"name": "Rule", "eligibility": rule}), 400, "eligibility")
    assert detail in str(error["details"]), error


def test_tags_are_trimmed_and_deduplicated(personas: Any) -> None:
    body = post(personas, {"name": "T", "tags": [" cards ", "Cards", "upgrade"]}).json()
    assert body["tags"] == ["cards", "upgrade"]


def test_metadata_must_be_an_object(personas: Any) -> None:
    assert_error(post(personas, {"name": "M", "metadata": "x"}), 400, "metadata")
    assert post(personas, {"name": "M", "metadata": {"a": {"b": [1]}}}).status_code == 201


def test_duplicate_name_is_409_and_a_deleted_name_is_free_again(personas: Any) -> None:
    first = post(personas, {"name": "Twin"}).json()
    assert_error(post(personas, {"name": "Twin"}), 409)
    other = post(personas, {"name": "Other"}).json()
    assert_error(put(personas, other["id"], {"name": "Twin"}), 409)
    assert personas.client("admin_a").delete(f"{URL}/{first['id']}").status_code == 200
    assert post(personas, {"name": "Twin"}).status_code == 201
    restore = personas.client("admin_a").post(f"/api/v1/restore?entityType=offer&id={first['id']}")
    assert_error(restore, 409)


def test_same_name_in_another_tenant_is_fine(personas: Any) -> None:
    assert post(personas, {"name": "Shared"}).status_code == 201
    assert post(personas, {"name": "Shared"}, persona="admin_b").status_code == 201


def test_tenant_b_cannot_reference_tenant_a_category(personas: Any) -> None:
    theirs = make_category(personas.tenant_a)
    assert_error(
        post(personas, {"name": "X", "categoryId": theirs.pk}, persona="admin_b"), 400, "categoryId"
    )
    mine = make_offer(personas.tenant_b)
    response = personas.client("admin_b").put(
        f"{URL}/{mine.pk}", {"categoryId": theirs.pk}, format="json"
    )
    assert_error(response, 400, "categoryId")
    mine.refresh_from_db()
    assert mine.category_id is None


def test_a_deleted_category_cannot_be_referenced(personas: Any) -> None:
    category = make_category(personas.tenant_a)
    assert personas.client("admin_a").delete(f"/api/v1/categories/{category.pk}").status_code == 200
    assert_error(post(personas, {"name": "X", "categoryId": category.pk}), 400, "categoryId")


def test_category_can_be_cleared(personas: Any) -> None:
    offer = make_offer(personas.tenant_a, category=make_category(personas.tenant_a))
    body = put(personas, offer.pk, {"categoryId": None}).json()
    assert body["categoryId"] is None and body["version"] == 2


def test_an_update_that_changes_nothing_keeps_the_version(personas: Any) -> None:
    offer = make_offer(personas.tenant_a, priority=60)
    assert put(personas, offer.pk, {"priority": 60}).json()["version"] == 1
    assert not AuditLog.objects.filter(entity_id=offer.pk, action="update").exists()


def test_update_audits_before_and_after(personas: Any) -> None:
    offer = make_offer(personas.tenant_a, priority=10)
    put(personas, offer.pk, {"priority": 20})
    row = AuditLog.objects.get(entity_id=offer.pk, action="update")
    assert row.before["priority"] == 10 and row.after["priority"] == 20
    assert row.changed_fields == ["priority"]


def test_editor_cannot_delete_but_admin_can(personas: Any) -> None:
    offer = make_offer(personas.tenant_a)
    assert_error(personas.client("editor_a").delete(f"{URL}/{offer.pk}"), 403)
    assert personas.client("admin_a").delete(f"{URL}/{offer.pk}").json() == {
        "success": True,
        "id": offer.pk,
    }
    assert_error(personas.client("admin_a").delete(f"{URL}/{offer.pk}"), 404)

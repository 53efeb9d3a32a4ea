"""List filters: every documented parameter narrows the list; bad values are a 400."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api_suite import assert_error
from tests.catalog.factories import make_category, make_channel, make_offer, make_placement


def names(personas: Any, url: str, params: dict) -> set[str]:
    response = personas.client("viewer_a").get(url, params)
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["data"]}


@pytest.fixture
def offers(personas: Any) -> dict[str, Any]:
    cards = make_category(personas.tenant_a, name="Cards")
    loans = make_category(personas.tenant_a, name="Loans")
    tenant = personas.tenant_a
    make_offer(
        tenant,
        name="Gold Card",
        status="active",
        category=cards,
        priority=90,
        tags=["cards", "premium"],
        description="Lounge access",
    )
    make_offer(
        tenant, name="Silver Card", status="paused", category=cards, priority=40, tags=["cards"]
    )
    make_offer(tenant, name="Car Loan", status="draft", category=loans, priority=60, tags=["loans"])
    make_offer(tenant, name="Old Offer", status="archived", priority=10)
    make_offer(personas.tenant_b, name="Foreign Card", status="active", tags=["cards"])
    return {"cards": cards, "loans": loans}


def test_offer_filters(personas: Any, offers: dict) -> None:
    url = "/api/v1/offers"
    assert names(personas, url, {"status": "active"}) == {"Gold Card"}
    assert names(personas, url, {"status": "active,paused"}) == {"Gold Card", "Silver Card"}
    assert names(personas, url, {"categoryId": offers["loans"].pk}) == {"Car Loan"}
    both = f"{offers['loans'].pk},{offers['cards'].pk}"
    assert names(personas, url, {"categoryId": both}) == {"Gold Card", "Silver Card", "Car Loan"}
    assert names(personas, url, {"categoryId": "cat_unknown"}) == set()
    assert names(personas, url, {"tags": "premium,loans"}) == {"Gold Card", "Car Loan"}
    assert names(personas, url, {"search": "card"}) == {"Gold Card", "Silver Card"}
    assert names(personas, url, {"search": "LOUNGE"}) == {"Gold Card"}
    assert names(personas, url, {"priorityMin": 50, "priorityMax": 89}) == {"Car Loan"}


def test_offer_ordering(personas: Any, offers: dict) -> None:
    response = personas.client("viewer_a").get("/api/v1/offers", {"ordering": "-priority"})
    assert [r["priority"] for r in response.json()["data"]] == [90, 60, 40, 10]
    response = personas.client("viewer_a").get("/api/v1/offers", {"ordering": "name"})
    assert response.json()["data"][0]["name"] == "Car Loan"


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/offers", {"status": "live"}, "status"),
        ("/api/v1/offers", {"status": "active,bogus"}, "status"),
        ("/api/v1/offers", {"priorityMin": "high"}, "priorityMin"),
        ("/api/v1/offers", {"priorityMax": 101}, "priorityMax"),
        ("/api/v1/offers", {"ordering": "secret_column"}, "ordering"),
        ("/api/v1/offers", {"search": "a\u0000b"}, "search"),
        ("/api/v1/offers", {"categoryId": "cat\u0000"}, "categoryId"),
        ("/api/v1/offers", {"tags": "x\u0000"}, "tags"),
        ("/api/v1/channels", {"channelType": "fax"}, "channelType"),
        ("/api/v1/channels", {"deliveryMode": "pigeon"}, "deliveryMode"),
        ("/api/v1/channels", {"status": "deleted"}, "status"),
        ("/api/v1/placements", {"slotType": "popup"}, "slotType"),
        ("/api/v1/categories", {"status": "draft"}, "status"),
        ("/api/v1/categories", {"ordering": "-tenant"}, "ordering"),
    ],
)
def test_bad_filter_values_are_400(personas: Any, url: str, params: dict, field: str) -> None:
    assert_error(personas.client("viewer_a").get(url, params), 400, field)


def test_channel_filters(personas: Any) -> None:
    tenant = personas.tenant_a
    make_channel(tenant, name="Email", channel_type="email", delivery_mode="file")
    make_channel(tenant, name="SMS", channel_type="sms", delivery_mode="file", status="inactive")
    make_channel(tenant, name="Web banner", channel_type="web")
    url = "/api/v1/channels"
    assert names(personas, url, {"channelType": "email,sms"}) == {"Email", "SMS"}
    assert names(personas, url, {"deliveryMode": "api"}) == {"Web banner"}
    assert names(personas, url, {"status": "inactive"}) == {"SMS"}
    assert names(personas, url, {"search": "web"}) == {"Web banner"}


def test_placement_and_category_filters(personas: Any) -> None:
    tenant = personas.tenant_a
    web = make_channel(tenant, channel_type="web")
    make_placement(tenant, channel=web, name="Hero", slot_type="banner")
    make_placement(tenant, name="Cards", slot_type="card")
    url = "/api/v1/placements"
    assert names(personas, url, {"channelId": web.pk}) == {"Hero"}
    assert names(personas, url, {"slotType": "card"}) == {"Cards"}
    make_category(tenant, name="Active", status="active")
    make_category(tenant, name="Dormant", status="inactive")
    assert names(personas, "/api/v1/categories", {"status": "inactive"}) == {"Dormant"}
    assert names(personas, "/api/v1/categories", {"search": "act"}) == {"Active"}


def test_include_deleted_shows_soft_deleted_rows(personas: Any) -> None:
    offer = make_offer(personas.tenant_a, name="Gone")
    personas.client("admin_a").delete(f"/api/v1/offers/{offer.pk}")
    assert names(personas, "/api/v1/offers", {}) == set()
    assert names(personas, "/api/v1/offers", {"includeDeleted": "true"}) == {"Gone"}
    detail = personas.client("viewer_a").get(f"/api/v1/offers/{offer.pk}?includeDeleted=true")
    assert detail.json()["deletedAt"] is not None

"""The demo catalog seeds idempotently with valid rules; the OpenAPI schema describes the API."""

from __future__ import annotations

from typing import Any

import pytest

from catalog import demo
from catalog.eligibility import eligibility_clean
from catalog.models import Category, Channel, Offer, Placement
from core.services import tenant_create

pytestmark = pytest.mark.django_db


def test_demo_seed_is_believable_and_idempotent() -> None:
    tenant = tenant_create(name="Demo Bank", slug="demo-test")
    lines: list[str] = []
    demo.seed(tenant, lines.append)
    counts = [
        m.objects.filter(tenant=tenant).count() for m in (Category, Offer, Channel, Placement)
    ]
    assert counts == [4, 20, 6, 2]
    assert "20 offers created" in lines[0]
    secrets_before = dict(Channel.objects.values_list("name", "provider_secrets"))
    demo.seed(tenant, lines.append)
    assert [
        m.objects.filter(tenant=tenant).count() for m in (Category, Offer, Channel, Placement)
    ] == counts
    assert "0 offers created" in lines[1]
    assert dict(Channel.objects.values_list("name", "provider_secrets")) == secrets_before
    modes = dict(Channel.objects.filter(tenant=tenant).values_list("channel_type", "delivery_mode"))
    assert modes["webhook"] == modes["voice"] == "integration"
    assert modes["web"] == "api" and modes["direct_mail"] == "file"
    for offer in Offer.objects.filter(tenant=tenant):
        assert eligibility_clean(offer.eligibility) == offer.eligibility
        assert offer.category_id is not None
    assert set(Offer.objects.values_list("status", flat=True)) >= {"active", "paused", "draft"}


@pytest.fixture(scope="module")
def schema(django_db_blocker: Any) -> dict:
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_schema_documents_every_catalog_endpoint_and_filter(schema: dict) -> None:
    paths = schema["paths"]
    for name in ("categories", "offers", "channels", "placements"):
        assert set(paths[f"/api/v1/{name}"]) >= {"get", "post"}
        assert set(paths[f"/api/v1/{name}/{{id}}"]) >= {"get", "put", "patch", "delete"}
        assert "409" in paths[f"/api/v1/{name}"]["post"]["responses"]
    params = {p["name"] for p in paths["/api/v1/offers"]["get"]["parameters"]}
    assert params >= {
        "status",
        "categoryId",
        "tags",
        "search",
        "priorityMin",
        "priorityMax",
        "ordering",
        "limit",
        "offset",
        "includeDeleted",
    }
    params = {p["name"] for p in paths["/api/v1/channels"]["get"]["parameters"]}
    assert params >= {"channelType", "deliveryMode", "status"}


def test_schema_describes_provider_config_and_eligibility(schema: dict) -> None:
    components = schema["components"]["schemas"]
    channel = components["Channel"]["properties"]
    assert len(channel["providerConfig"]["anyOf"]) == 4
    assert "signingSecret" in channel["providerConfig"]["anyOf"][0]["properties"]
    offer = components["Offer"]["properties"]
    assert offer["eligibility"]["properties"]["combinator"]["enum"] == ["AND", "OR"]
    assert offer["businessValue"]["type"] == "number"
    assert offer["category"]["readOnly"] is True or "allOf" in offer["category"]

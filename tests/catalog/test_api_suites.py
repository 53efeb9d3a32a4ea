"""The reusable API suite, once per catalog model."""

from __future__ import annotations

from typing import Any

from catalog.models import Category, Channel, Offer, Placement
from core.models import Tenant
from tests.api_suite import EntityApiSuite
from tests.catalog.factories import (
    WEBHOOK_CONFIG,
    make_category,
    make_channel,
    make_offer,
    make_placement,
)


class TestCategoryApi(EntityApiSuite):
    url = "/api/v1/categories"
    model = Category
    entity_type = "category"

    def make(self, tenant: Tenant, **overrides: Any) -> Category:
        return make_category(tenant, **overrides)

    def create_payload(self, personas: Any) -> dict:
        return {"name": "Credit cards", "status": "active", "ordinal": 1}

    def update_payload(self, instance: Category) -> dict:
        return {"name": f"{instance.name} (renamed)", "ordinal": 7}

    def invalid_payloads(self, personas: Any) -> list[tuple[dict, str]]:
        return [
            ({}, "name"),
            ({"name": ""}, "name"),
            ({"name": "x" * 256}, "name"),
            ({"name": "Cards", "status": "archived"}, "status"),
            ({"name": "Cards", "ordinal": "first"}, "ordinal"),
            ({"name": "Bad\u0000name"}, "name"),
        ]


class TestOfferApi(EntityApiSuite):
    url = "/api/v1/offers"
    model = Offer
    entity_type = "offer"

    def make(self, tenant: Tenant, **overrides: Any) -> Offer:
        overrides.setdefault("category", make_category(tenant))
        return make_offer(tenant, **overrides)

    def create_payload(self, personas: Any) -> dict:
        category = make_category(personas.tenant_a)
        return {
            "name": "Platinum Card Upgrade",
            "description": "Upgrade to Platinum with 3x points on travel.",
            "status": "active",
            "categoryId": category.pk,
            "priority": 80,
            "businessValue": 120.5,
            "startAt": "2026-01-01T00:00:00Z",
            "endAt": "2026-12-31T23:59:59Z",
            "tags": ["cards", "upgrade"],
            "metadata": {"productCode": "PLAT"},
        }

    def update_payload(self, instance: Offer) -> dict:
        return {"priority": 90, "status": "paused", "tags": ["renamed"]}

    def invalid_payloads(self, personas: Any) -> list[tuple[dict, str]]:
        theirs = make_category(personas.tenant_b)
        return [
            ({}, "name"),
            ({"name": "Offer", "priority": 101}, "priority"),
            ({"name": "Offer", "priority": -1}, "priority"),
            ({"name": "Offer", "priority": "high"}, "priority"),
            ({"name": "Offer", "businessValue": -5}, "businessValue"),
            ({"name": "Offer", "businessValue": "NaN"}, "businessValue"),
            ({"name": "Offer", "status": "live"}, "status"),
            ({"name": "Offer", "categoryId": theirs.pk}, "categoryId"),
            ({"name": "Offer", "categoryId": "cat_\u0000"}, "categoryId"),
            ({"name": "Offer", "categoryId": 12}, "categoryId"),
            (
                {
                    "name": "Offer",
                    "startAt": "2026-02-01T00:00:00Z",
                    "endAt": "2026-01-01T00:00:00Z",
                },
                "endAt",
            ),
            ({"name": "Offer", "startAt": "yesterday"}, "startAt"),
            ({"name": "Offer", "tags": "cards"}, "tags"),
            ({"name": "Offer", "tags": [""]}, "tags"),
            ({"name": "Offer", "tags": ["a,b"]}, "tags"),
            ({"name": "Offer", "metadata": [1, 2]}, "metadata"),
            ({"name": "Offer", "metadata": {"k": "\u0000"}}, "metadata"),
            ({"name": "Offer", "eligibility": "everyone"}, "eligibility"),
        ]


class TestChannelApi(EntityApiSuite):
    url = "/api/v1/channels"
    model = Channel
    entity_type = "channel"

    def make(self, tenant: Tenant, **overrides: Any) -> Channel:
        return make_channel(tenant, **overrides)

    def create_payload(self, personas: Any) -> dict:
        return {
            "name": "Partner webhook",
            "channelType": "webhook",
            "deliveryMode": "integration",
            "providerConfig": dict(WEBHOOK_CONFIG),
        }

    def update_payload(self, instance: Channel) -> dict:
        return {"name": f"{instance.name} v2", "status": "inactive"}

    def invalid_payloads(self, personas: Any) -> list[tuple[dict, str]]:
        return [
            ({"name": "No type"}, "channelType"),
            ({"name": "Fax", "channelType": "fax"}, "channelType"),
            ({"name": "Mail", "channelType": "email", "deliveryMode": "pigeon"}, "deliveryMode"),
            ({"name": "Hook", "channelType": "webhook", "providerConfig": []}, "providerConfig"),
            (
                {"name": "Hook", "channelType": "webhook", "providerConfig": {"url": "ftp://x"}},
                "url",
            ),
            (
                {"name": "Hook", "channelType": "webhook", "deliveryMode": "integration"},
                "providerConfig",
            ),
            ({"name": "SMTP", "channelType": "email", "providerConfig": {"port": 25}}, "host"),
            (
                {"name": "Call", "channelType": "voice", "providerConfig": {"agentId": "a"}},
                "phoneNumbers",
            ),
        ]


class TestPlacementApi(EntityApiSuite):
    url = "/api/v1/placements"
    model = Placement
    entity_type = "placement"

    def make(self, tenant: Tenant, **overrides: Any) -> Placement:
        return make_placement(tenant, **overrides)

    def create_payload(self, personas: Any) -> dict:
        channel = make_channel(personas.tenant_a, channel_type="web")
        return {"channelId": channel.pk, "name": "Home hero", "slotType": "banner", "maxSlots": 2}

    def update_payload(self, instance: Placement) -> dict:
        return {"name": f"{instance.name} v2", "maxSlots": 3, "slotType": "card"}

    def invalid_payloads(self, personas: Any) -> list[tuple[dict, str]]:
        mine = make_channel(personas.tenant_a, channel_type="web")
        theirs = make_channel(personas.tenant_b, channel_type="web")
        return [
            ({"name": "Hero"}, "channelId"),
            ({"name": "Hero", "channelId": theirs.pk}, "channelId"),
            ({"name": "Hero", "channelId": mine.pk, "maxSlots": 0}, "maxSlots"),
            ({"name": "Hero", "channelId": mine.pk, "maxSlots": 101}, "maxSlots"),
            ({"name": "Hero", "channelId": mine.pk, "slotType": "popup"}, "slotType"),
            ({"channelId": mine.pk}, "name"),
        ]

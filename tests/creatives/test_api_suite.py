"""The reusable API suite, configured for creatives (spec 003)."""

from __future__ import annotations

from typing import Any

from creatives.models import Creative
from tests.api_suite import EntityApiSuite
from tests.creatives.factories import make_channel, make_creative, make_offer


class TestCreativeApi(EntityApiSuite):
    url = "/api/v1/creatives"
    model = Creative
    entity_type = "creative"
    pagination = "cursor"
    unique_field = "name"
    roles = {"read": "viewer", "create": "editor", "update": "editor", "delete": "editor"}
    detail_style = "query"
    max_list_queries = 8

    def make(self, tenant: Any, **overrides: Any) -> Creative:
        return make_creative(tenant, **overrides)

    def create_payload(self, personas: Any) -> dict:
        offer = make_offer(personas.tenant_a)
        channel = make_channel(personas.tenant_a)
        return {
            "name": "Platinum Card - Email Hero",
            "offerId": offer.pk,
            "channelId": channel.pk,
            "content": {"subject": "Hi {{first_name}}", "body": "<p>Upgrade</p>"},
            "personalization": [{"key": "first_name", "source": "customer.first_name"}],
        }

    def update_payload(self, instance: Creative) -> dict:
        return {"status": "active", "weight": 80}

    def invalid_payloads(self, personas: Any) -> list[tuple[dict, str]]:
        good = self.create_payload(personas)
        other_tenant_offer = make_offer(personas.tenant_b)
        without = {k: v for k, v in good.items() if k != "name"}
        return [
            (without, "name"),
            ({k: v for k, v in good.items() if k != "offerId"}, "offerId"),
            ({k: v for k, v in good.items() if k != "channelId"}, "channelId"),
            ({**good, "name": ""}, "name"),
            ({**good, "name": "x" * 256}, "name"),
            ({**good, "name": 12}, "name"),
            ({**good, "offerId": other_tenant_offer.pk}, "offerId"),
            ({**good, "status": "live"}, "status"),
            ({**good, "templateType": "fax"}, "templateType"),
            ({**good, "content": "hello"}, "content"),
            ({**good, "content": ["a"]}, "content"),
            ({**good, "constraints": []}, "constraints"),
            ({**good, "metrics": 3}, "metrics"),
            ({**good, "personalization": {"key": "a"}}, "personalization"),
            ({**good, "personalization": [{"key": "a"}]}, "personalization"),
            ({**good, "weight": 101}, "weight"),
            ({**good, "weight": -1}, "weight"),
            ({**good, "weight": "50"}, "weight"),
            ({**good, "abTestVariant": 7}, "abTestVariant"),
            ({**good, "contentItemId": {"a": 1}}, "contentItemId"),
            ({**good, "nmae": "typo"}, "nmae"),
        ]

    def test_list_query_count_does_not_grow_with_rows(self, personas: Any) -> None:
        # The first request with a fresh API key also records its last use (one UPDATE);
        # warm the key so both measured requests do the same bookkeeping.
        personas.client("admin_a").get(self.url)
        super().test_list_query_count_does_not_grow_with_rows(personas)

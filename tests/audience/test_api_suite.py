"""The reusable API suite, configured for customers and segments."""

from __future__ import annotations

from typing import Any

from audience.models import Customer, Segment
from tests.api_suite import EntityApiSuite
from tests.audience.factories import make_customer, make_segment


class TestCustomerApi(EntityApiSuite):
    url = "/api/v1/customers"
    model = Customer
    entity_type = "customer"
    pagination = "offset"
    unique_field = "externalId"
    roles = {"read": "viewer", "create": "editor", "update": "editor", "delete": "admin"}
    max_list_queries = 8

    def make(self, tenant: Any, **overrides: Any) -> Customer:
        return make_customer(tenant, **overrides)

    def create_payload(self, personas: Any) -> dict:
        return {
            "externalId": "C-1001",
            "email": "ada@example.com",
            "phone": "+47 912 34 567",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "country": "no",
            "timezone": "Europe/Oslo",
            "attributes": {"age": 36, "tier": "gold"},
        }

    def update_payload(self, instance: Customer) -> dict:
        return {"email": "new@example.com", "country": "SE"}

    def invalid_payloads(self, personas: Any) -> list[tuple[dict, str]]:
        good = self.create_payload(personas)
        return [
            ({k: v for k, v in good.items() if k != "externalId"}, "externalId"),
            ({**good, "externalId": ""}, "externalId"),
            ({**good, "externalId": "x" * 129}, "externalId"),
            ({**good, "externalId": 12}, "externalId"),
            ({**good, "email": "not-an-email"}, "email"),
            ({**good, "phone": "12345"}, "phone"),
            ({**good, "phone": "+0123456789"}, "phone"),
            ({**good, "country": "XX"}, "country"),
            ({**good, "country": "NOR"}, "country"),
            ({**good, "timezone": "Mars/Olympus"}, "timezone"),
            ({**good, "attributes": []}, "attributes"),
            ({**good, "attributes": "x"}, "attributes"),
            ({**good, "attributes": {"a": "\u0000"}}, "attributes"),
            ({**good, "firstName": "a\u0000b"}, "firstName"),
            ({**good, "favouriteColour": "blue"}, "favouriteColour"),
        ]


class TestSegmentApi(EntityApiSuite):
    url = "/api/v1/segments"
    model = Segment
    entity_type = "segment"
    pagination = "offset"
    unique_field = "name"
    roles = {"read": "viewer", "create": "editor", "update": "editor", "delete": "admin"}
    max_list_queries = 8

    def make(self, tenant: Any, **overrides: Any) -> Segment:
        return make_segment(tenant, **overrides)

    def create_payload(self, personas: Any) -> dict:
        return {
            "name": "Gold customers over 30",
            "description": "Upsell audience",
            "segmentType": "rule",
            "combinator": "AND",
            "filters": [
                {"field": "attributes.tier", "operator": "eq", "value": "gold"},
                {"field": "attributes.age", "operator": "gt", "value": 30},
            ],
        }

    def update_payload(self, instance: Segment) -> dict:
        return {"description": "Changed", "combinator": "OR"}

    def invalid_payloads(self, personas: Any) -> list[tuple[dict, str]]:
        good = self.create_payload(personas)
        bad_filter = {"field": "attributes.age", "operator": "gt", "value": 30}
        return [
            ({k: v for k, v in good.items() if k != "name"}, "name"),
            ({**good, "name": ""}, "name"),
            ({**good, "name": "x" * 256}, "name"),
            ({**good, "segmentType": "dynamic"}, "segmentType"),
            ({**good, "combinator": "XOR"}, "combinator"),
            ({**good, "filters": "age > 3"}, "filters"),
            ({**good, "filters": [{**bad_filter, "operator": "between"}]}, "filters[0].operator"),
            (
                {**good, "filters": [{**bad_filter, "field": "age; DROP TABLE x"}]},
                "filters[0].field",
            ),
            ({**good, "filters": [{**bad_filter, "field": "password"}]}, "filters[0].field"),
            ({**good, "filters": [{**bad_filter, "operator": "in"}]}, "filters[0].value"),
            ({**good, "filters": [bad_filter, {**bad_filter, "value": None}]}, "filters[1].value"),
            (
                {**good, "filters": [{**bad_filter, "operator": "regex", "value": "(a+)+$"}]},
                "filters[0].value",
            ),
        ]

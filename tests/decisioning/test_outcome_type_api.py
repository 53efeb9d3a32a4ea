from __future__ import annotations

import itertools
from typing import Any

from decisioning.models import OutcomeType
from tests.api_suite import EntityApiSuite

_seq = itertools.count(1)


class TestOutcomeTypeApi(EntityApiSuite):
    url = "/api/v1/outcome-types"
    model = OutcomeType
    entity_type = "outcome_type"
    unique_field = "key"

    def make(self, tenant: Any, **overrides: Any) -> OutcomeType:
        n = next(_seq)
        return OutcomeType.objects.create(
            tenant=tenant, **{"key": f"outcome-{n}", "name": f"Outcome {n}", **overrides}
        )

    def create_payload(self, personas: Any) -> dict:
        return {"key": "callback_requested", "name": "Callback requested"}

    def update_payload(self, instance: Any) -> dict:
        return {"name": instance.name + " (renamed)"}

    def invalid_payloads(self, personas: Any) -> list[tuple[dict, str]]:
        return [
            ({"name": "no key"}, "key"),
            ({"key": "has space", "name": "x"}, "key"),
            ({"key": "accept", "name": "built-in"}, "key"),
            ({"key": "ok"}, "name"),
        ]

    def test_list_query_count_does_not_grow_with_rows(self, personas: Any) -> None:
        personas.client("admin_a").get(self.url)  # the key's first use writes last_used_at
        super().test_list_query_count_does_not_grow_with_rows(personas)

from __future__ import annotations

from typing import Any

from core.models import AuditLog
from decisioning.models import DecisionFlow, DecisionFlowVersion
from tests.api_suite import EntityApiSuite, assert_error
from tests.decisioning.factories import make_flow, make_world

URL = "/api/v1/decision-flows"


class TestDecisionFlowApi(EntityApiSuite):
    url = URL
    model = DecisionFlow
    entity_type = "decision_flow"
    unique_field = "key"

    def make(self, tenant: Any, **overrides: Any) -> DecisionFlow:
        return make_flow(tenant, **overrides)

    def create_payload(self, personas: Any) -> dict:
        return {
            "key": "next-best-card",
            "name": "Next best card",
            "config": {"ranking": {"limit": 3}, "scoring": {"method": "propensity"}},
        }

    def update_payload(self, instance: Any) -> dict:
        return {"name": instance.name + " (renamed)", "description": "Updated"}

    def invalid_payloads(self, personas: Any) -> list[tuple[dict, str]]:
        base = {"key": "k", "name": "n"}
        return [
            ({"name": "no key"}, "key"),
            ({"key": "has space", "name": "x"}, "key"),
            ({**base, "status": "bogus"}, "status"),
            ({**base, "config": []}, "config"),
            ({**base, "config": {"scoring": {"method": "magic"}}}, "config.scoring.method"),
            ({**base, "config": {"ranking": {"limit": 51}}}, "config.ranking.limit"),
            ({**base, "config": {"ranking": {"limit": "3"}}}, "config.ranking.limit"),
            ({**base, "config": {"unknown": 1}}, "config.unknown"),
            ({**base, "config": {"inventory": {"mode": "offers"}}}, "config.inventory.offerIds"),
            (
                {**base, "config": {"inventory": {"mode": "offers", "offerIds": ["off_nope"]}}},
                "off_nope",
            ),
            (
                {
                    **base,
                    "config": {
                        "contactPolicies": [
                            {"type": "frequencyCap", "scope": "offer", "max": 1, "period": "year"}
                        ]
                    },
                },
                "config.contactPolicies[0].period",
            ),
            (
                {
                    **base,
                    "config": {
                        "contactPolicies": [{"type": "cooldown", "outcomes": ["meh"], "days": 3}]
                    },
                },
                "config.contactPolicies[0].outcomes[0]",
            ),
            (
                {
                    **base,
                    "config": {
                        "eligibility": {
                            "rules": [
                                {
                                    "combinator": "AND",
                                    "filters": [
                                        {"field": "customer.age", "operator": "zz", "value": 1}
                                    ],
                                }
                            ]
                        }
                    },
                },
                "config.eligibility.rules[0]",
            ),
            (
                {
                    **base,
                    "config": {
                        "eligibility": {
                            "rules": [
                                {
                                    "combinator": "AND",
                                    "filters": [
                                        {"field": "nonamespace", "operator": "eq", "value": 1}
                                    ],
                                }
                            ]
                        }
                    },
                },
                "config.eligibility.rules[0]",
            ),
            ({**base, "status": "active"}, "status"),
        ]

    def test_list_query_count_does_not_grow_with_rows(self, personas: Any) -> None:
        # The key's first use writes last_used_at once; warm it up so both counts compare lists.
        personas.client("admin_a").get(self.url)
        super().test_list_query_count_does_not_grow_with_rows(personas)

    def test_create_rejects_bad_input_and_changes_nothing(self, personas: Any) -> None:
        # "status: active" without a published version is a 409 (state), not a 400.
        client = personas.client("admin_a")
        payloads = [
            p
            for p in self.invalid_payloads(personas)
            if p[1] != "status" or p[0].get("status") != "active"
        ]
        for body, field in payloads:
            assert_error(client.post(self.url, body, format="json"), 400, field)
        assert_error(
            client.post(self.url, {"key": "k", "name": "n", "status": "active"}, format="json"), 409
        )
        assert not DecisionFlow.all_objects.filter(tenant=personas.tenant_a).exists()


def test_publish_freezes_the_draft_and_versions_are_listed(personas: Any) -> None:
    client = personas.client("editor_a")
    flow = client.post(
        URL, {"key": "f", "name": "F", "config": {"ranking": {"limit": 2}}}, format="json"
    ).json()
    assert flow["publishedVersion"] is None and flow["status"] == "draft"
    assert_error(personas.client("viewer_a").post(f"{URL}/{flow['id']}/publish"), 403)
    v1 = client.post(f"{URL}/{flow['id']}/publish", {"note": "first"}, format="json")
    assert v1.status_code == 201, v1.content
    assert v1.json()["number"] == 1 and v1.json()["config"]["ranking"]["limit"] == 2
    detail = client.get(f"{URL}/{flow['id']}").json()
    assert detail["publishedVersion"] == 1 and detail["status"] == "active"
    client.put(f"{URL}/{flow['id']}", {"config": {"ranking": {"limit": 5}}}, format="json")
    # the draft changed; the published version did not
    assert (
        DecisionFlowVersion.objects.get(flow_id=flow["id"], number=1).config["ranking"]["limit"]
        == 2
    )
    assert client.post(f"{URL}/{flow['id']}/publish").json()["number"] == 2
    versions = personas.client("viewer_a").get(f"{URL}/{flow['id']}/versions").json()
    assert [v["number"] for v in versions["data"]] == [2, 1]
    assert versions["data"][1]["note"] == "first"
    assert AuditLog.objects.filter(entity_type="decision_flow", entity_id=flow["id"]).count() >= 4


def test_rollback_appends_a_version_and_never_rewrites_history(personas: Any) -> None:
    client = personas.client("editor_a")
    flow = client.post(
        URL, {"key": "f", "name": "F", "config": {"ranking": {"limit": 1}}}, format="json"
    ).json()
    client.post(f"{URL}/{flow['id']}/publish")
    client.put(f"{URL}/{flow['id']}", {"config": {"ranking": {"limit": 4}}}, format="json")
    client.post(f"{URL}/{flow['id']}/publish")
    response = client.post(f"{URL}/{flow['id']}/rollback", {"version": 1}, format="json")
    assert response.status_code == 201, response.content
    v3 = response.json()
    assert v3["number"] == 3 and v3["rolledBackFrom"] == 1 and v3["config"]["ranking"]["limit"] == 1
    rows = list(DecisionFlowVersion.objects.filter(flow_id=flow["id"]).order_by("number"))
    assert [(v.number, v.config["ranking"]["limit"]) for v in rows] == [(1, 1), (2, 4), (3, 1)]
    detail = client.get(f"{URL}/{flow['id']}").json()
    assert detail["publishedVersion"] == 3 and detail["config"]["ranking"]["limit"] == 1
    assert_error(client.post(f"{URL}/{flow['id']}/rollback", {"version": 9}, format="json"), 404)
    assert_error(
        client.post(f"{URL}/{flow['id']}/rollback", {"version": "x"}, format="json"), 400, "version"
    )
    assert_error(client.post(f"{URL}/{flow['id']}/rollback", {}, format="json"), 400, "version")


def test_publish_and_rollback_are_tenant_scoped(personas: Any) -> None:
    theirs = make_flow(personas.tenant_b)
    client = personas.client("admin_a")
    assert_error(client.post(f"{URL}/{theirs.pk}/publish"), 404)
    assert_error(client.post(f"{URL}/{theirs.pk}/rollback", {"version": 1}, format="json"), 404)
    assert_error(client.get(f"{URL}/{theirs.pk}/versions"), 404)
    assert not theirs.versions.exists()


def test_publish_revalidates_references(personas: Any) -> None:
    world = make_world(personas.tenant_a)
    offer = world["offers"][0]
    client = personas.client("editor_a")
    config = {"inventory": {"mode": "offers", "offerIds": [offer.pk]}}
    flow = client.post(URL, {"key": "ref", "name": "Ref", "config": config}, format="json")
    assert flow.status_code == 201, flow.content
    # another tenant's offer does not exist here
    other = make_world(personas.tenant_b)["offers"][0]
    bad = {"inventory": {"mode": "offers", "offerIds": [other.pk]}}
    assert_error(
        client.post(URL, {"key": "ref2", "name": "R", "config": bad}, format="json"), 400, other.pk
    )


def test_archived_flow_cannot_be_published(personas: Any) -> None:
    flow = make_flow(personas.tenant_a, status="archived")
    assert_error(personas.client("editor_a").post(f"{URL}/{flow.pk}/publish"), 409)

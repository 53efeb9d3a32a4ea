from __future__ import annotations

from typing import Any

import pytest

from catalog.models import Offer
from decisioning.models import DecisionFlow, Interaction, OutcomeCounter, OutcomeType
from decisioning.services import decision_flow_publish, decision_flow_update
from tests.api_suite import assert_error
from tests.decisioning.factories import make_flow, make_world

RECOMMEND = "/api/v1/recommend"
RESPOND = "/api/v1/respond"


@pytest.fixture
def world(personas: Any) -> dict[str, Any]:
    return make_world(personas.tenant_a)


def _recommend(client: Any, world: dict, **extra: Any) -> Any:
    body = {
        "customerId": world["customer"].external_id,
        "decisionFlowKey": world["flow"].key,
        **extra,
    }
    return client.post(RECOMMEND, body, format="json")


def test_recommend_returns_ranked_decisions_and_records_them(personas: Any, world: dict) -> None:
    response = _recommend(personas.client("editor_a"), world)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["customerId"] == world["customer"].external_id
    assert body["count"] == 2 and body["recommendationId"].startswith("rec_")
    first, second = body["decisions"]
    assert first["offerId"] == world["offers"][0].pk and first["rank"] == 1
    assert second["offerId"] == world["offers"][1].pk and second["rank"] == 2
    assert first["offerName"] == world["offers"][0].name
    assert first["categoryName"] == world["category"].name
    assert first["channel"] == world["channel"].name and first["channelId"] == world["channel"].pk
    assert first["content"] == {"subject": "Hello Ann", "body": "Offer 0"}
    assert first["score"] == 90.0
    assert set(first) >= {
        "offerId",
        "offerName",
        "categoryName",
        "channel",
        "creativeId",
        "creativeName",
        "content",
        "score",
        "rank",
        "interactionId",
    }
    rows = Interaction.objects.filter(recommendation_id=body["recommendationId"]).order_by("rank")
    assert [r.pk for r in rows] == [d["interactionId"] for d in body["decisions"]]
    assert {r.outcome for r in rows} == {"recommendation"}
    assert all(
        r.tenant_id == personas.tenant_a.pk and r.customer_id == world["customer"].pk for r in rows
    )
    counted = sum(
        OutcomeCounter.objects.filter(
            offer_id=world["offers"][0].pk, outcome="recommendation"
        ).values_list("n", flat=True)
    )
    assert counted == 1


def test_recommend_limit_channel_context_attributes_and_debug(personas: Any, world: dict) -> None:
    client = personas.client("editor_a")
    assert len(_recommend(client, world, limit=1).json()["decisions"]) == 1
    assert _recommend(client, world, channel=world["channel"].name).status_code == 200
    assert _recommend(client, world, channel="email").json()["count"] == 2
    assert_error(_recommend(client, world, channel="carrier-pigeon"), 400, "channel")
    debug = _recommend(
        client, world, debug=True, context={"page": "home"}, attributes={"tier": "silver"}
    ).json()
    assert {e["stage"] for e in debug["trace"]["offers"]} == {"selected", "ranking"}
    assert "trace" not in _recommend(client, world).json()


def test_recommend_default_flow_when_no_key(personas: Any, world: dict) -> None:
    client = personas.client("editor_a")
    response = client.post(RECOMMEND, {"customerId": world["customer"].external_id}, format="json")
    assert response.status_code == 200 and response.json()["decisionFlowId"] == world["flow"].pk


def test_recommend_errors(personas: Any, world: dict) -> None:
    client = personas.client("editor_a")
    assert_error(_recommend(client, world, customerId="nobody"), 404, "customerId")
    assert_error(_recommend(client, world, decisionFlowKey="nope"), 404, "decisionFlowKey")
    unpublished = make_flow(personas.tenant_a)
    assert_error(_recommend(client, world, decisionFlowKey=unpublished.key), 409)
    world["flow"].status = DecisionFlow.Status.PAUSED
    world["flow"].save(update_fields=["status"])
    assert_error(_recommend(client, world), 409)
    assert_error(client.post(RECOMMEND, {}, format="json"), 400, "customerId")
    assert_error(
        client.post(RECOMMEND, {"customerId": "x", "limit": 51}, format="json"), 400, "limit"
    )
    assert_error(
        client.post(RECOMMEND, {"customerId": "x", "context": [1]}, format="json"), 400, "context"
    )
    assert_error(
        client.post(RECOMMEND, {"customerId": "x", "bogus": 1}, format="json"), 400, "bogus"
    )
    assert_error(
        client.post(RECOMMEND, "x=1", content_type="application/x-www-form-urlencoded"), 415
    )
    assert_error(
        personas.client("viewer_a").post(RECOMMEND, {"customerId": "x"}, format="json"), 403
    )


def test_recommend_is_tenant_isolated(personas: Any, world: dict) -> None:
    other = make_world(personas.tenant_b)
    client = personas.client("admin_b")
    # tenant B cannot see tenant A's customer or flow
    assert_error(_recommend(client, world), 404)
    mixed = {"customerId": other["customer"].external_id, "decisionFlowKey": world["flow"].key}
    assert_error(client.post(RECOMMEND, mixed, format="json"), 404, "decisionFlowKey")
    ok = _recommend(client, other).json()
    assert {d["offerId"] for d in ok["decisions"]} <= {o.pk for o in other["offers"]}


def test_recommend_sees_a_new_published_version_at_once(personas: Any, world: dict) -> None:
    client = personas.client("editor_a")
    assert _recommend(client, world).json()["count"] == 2
    decision_flow_update(flow=world["flow"], data={"config": {"ranking": {"limit": 3}}})
    decision_flow_publish(flow=world["flow"])
    body = _recommend(client, world).json()
    assert body["count"] == 3 and body["decisionFlowVersion"] == 2


def test_contact_policy_uses_recorded_history(personas: Any) -> None:
    world = make_world(
        personas.tenant_a,
        config={
            "contactPolicies": [
                {"type": "frequencyCap", "scope": "offer", "max": 1, "period": "day"}
            ]
        },
    )
    client = personas.client("editor_a")
    ranked = [_recommend(client, world).json()["decisions"][0]["offerId"] for _ in range(3)]
    assert ranked == [o.pk for o in world["offers"]]
    assert _recommend(client, world).json()["count"] == 0


def test_history_read_with_the_lookup_follows_a_new_version_at_once(personas: Any) -> None:
    """From the second request on, the history comes back with the flow and customer lookup
    (shaped by the version seen before); a version with other policies must apply at once."""
    cap = {"type": "frequencyCap", "scope": "offer", "max": 1, "period": "day"}
    world = make_world(personas.tenant_a, config={"contactPolicies": [cap]})
    client = personas.client("editor_a")
    first = _recommend(client, world).json()["decisions"][0]["offerId"]
    second = _recommend(client, world).json()["decisions"][0]["offerId"]
    assert first != second  # the cap counted the first recommendation
    # Now the cap counts only accepts: nothing accepted yet, so the top offer is back.
    accepted_only = {**cap, "outcomes": ["accept"]}
    decision_flow_update(flow=world["flow"], data={"config": {"contactPolicies": [accepted_only]}})
    decision_flow_publish(flow=world["flow"])
    assert _recommend(client, world).json()["decisions"][0]["offerId"] == first
    # No policies at all: no history is read, still the top offer.
    decision_flow_update(flow=world["flow"], data={"config": {}})
    decision_flow_publish(flow=world["flow"])
    assert _recommend(client, world).json()["decisions"][0]["offerId"] == first
    # And back to counting recommendations: four recorded for the top offer by now.
    decision_flow_update(flow=world["flow"], data={"config": {"contactPolicies": [cap]}})
    decision_flow_publish(flow=world["flow"])
    third = _recommend(client, world).json()["decisions"]
    assert first not in [d["offerId"] for d in third]


def _respond(client: Any, world: dict, rec: dict, key: str | None = "k-1", **extra: Any) -> Any:
    body = {
        "customerId": world["customer"].external_id,
        "recommendationId": rec["recommendationId"],
        "offerId": rec["decisions"][0]["offerId"],
        "outcome": "accept",
        **extra,
    }
    if key is not None:
        body["idempotencyKey"] = key
    return client.post(RESPOND, body, format="json")


def test_respond_records_once_per_key_and_learns_online(personas: Any, world: dict) -> None:
    client = personas.client("editor_a")
    rec = _recommend(client, world).json()
    first = _respond(client, world, rec, conversionValue="12.50")
    assert first.status_code == 201, first.content
    body = first.json()
    assert (
        body["recorded"] is True
        and body["outcome"] == "accept"
        and body["conversionValue"] == "12.50"
    )
    again = _respond(client, world, rec, conversionValue="12.50")
    assert again.status_code == 200 and again.json()["recorded"] is False
    assert again.json()["interactionId"] == body["interactionId"]
    assert Interaction.objects.filter(outcome="accept").count() == 1
    accepted = sum(
        OutcomeCounter.objects.filter(
            offer_id=rec["decisions"][0]["offerId"], outcome="accept"
        ).values_list("n", flat=True)
    )
    assert accepted == 1
    # the same key for a different outcome is a conflict, and records nothing
    assert_error(_respond(client, world, rec, outcome="dismiss"), 409, "idempotencyKey")
    assert Interaction.objects.exclude(outcome="recommendation").count() == 1


def test_respond_key_from_header_and_required(personas: Any, world: dict) -> None:
    client = personas.client("editor_a")
    rec = _recommend(client, world).json()
    assert_error(_respond(client, world, rec, key=None), 400, "idempotencyKey")
    body = {
        "customerId": world["customer"].external_id,
        "interactionId": rec["decisions"][1]["interactionId"],
        "outcome": "click",
    }
    first = client.post(RESPOND, body, format="json", HTTP_IDEMPOTENCY_KEY="hdr-1")
    assert first.status_code == 201, first.content
    assert first.json()["offerId"] == rec["decisions"][1]["offerId"]
    assert (
        client.post(RESPOND, body, format="json", HTTP_IDEMPOTENCY_KEY="hdr-1").status_code == 200
    )
    assert_error(
        client.post(
            RESPOND,
            {**body, "idempotencyKey": "other"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="hdr-1",
        ),
        400,
        "idempotencyKey",
    )


def test_respond_errors(personas: Any, world: dict) -> None:
    client = personas.client("editor_a")
    rec = _recommend(client, world).json()
    assert_error(_respond(client, world, rec, customerId="nobody"), 404, "customerId")
    assert_error(_respond(client, world, rec, recommendationId="rec_nope"), 404, "recommendationId")
    assert_error(_respond(client, world, rec, outcome="teleported"), 400, "outcome")
    assert_error(_respond(client, world, rec, outcome="recommendation"), 400, "outcome")
    assert_error(_respond(client, world, rec, offerId="off_other"), 400, "offerId")
    no_offer = {
        "customerId": world["customer"].external_id,
        "recommendationId": rec["recommendationId"],
        "outcome": "click",
        "idempotencyKey": "z",
    }
    assert_error(client.post(RESPOND, no_offer, format="json"), 400, "offerId")
    assert_error(
        client.post(
            RESPOND, {"customerId": "x", "outcome": "click", "idempotencyKey": "q"}, format="json"
        ),
        400,
        "recommendationId",
    )
    assert_error(_respond(client, world, rec, conversionValue="-1"), 400, "conversionValue")
    assert_error(_respond(client, world, rec, channelId="ch_nope"), 400, "channelId")
    assert not Interaction.objects.exclude(outcome="recommendation").exists()


def test_respond_accepts_tenant_defined_outcomes(personas: Any, world: dict) -> None:
    OutcomeType.objects.create(tenant=personas.tenant_a, key="callback", name="Callback requested")
    client = personas.client("editor_a")
    rec = _recommend(client, world).json()
    assert _respond(client, world, rec, outcome="callback").status_code == 201


def test_respond_is_tenant_isolated(personas: Any, world: dict) -> None:
    rec = _recommend(personas.client("editor_a"), world).json()
    other = make_world(personas.tenant_b)
    outsider = personas.client("admin_b")
    body = {
        "customerId": other["customer"].external_id,
        "recommendationId": rec["recommendationId"],
        "offerId": rec["decisions"][0]["offerId"],
        "outcome": "accept",
        "idempotencyKey": "k",
    }
    assert_error(outsider.post(RESPOND, body, format="json"), 404, "recommendationId")
    assert_error(_respond(outsider, world, rec), 404, "customerId")
    # keys are per tenant: tenant B may use the same key for its own response
    rec_b = _recommend(outsider, other).json()
    assert _respond(outsider, other, rec_b, key="k").status_code == 201
    assert _respond(personas.client("editor_a"), world, rec, key="k").status_code == 201


def test_learned_propensity_moves_scores(personas: Any) -> None:
    world = make_world(
        personas.tenant_a,
        config={
            "scoring": {"method": "propensity", "propensity": {"priorStrength": 1}},
            "ranking": {"limit": 3},
        },
    )
    client = personas.client("editor_a")
    last = world["offers"][-1]
    rec = _recommend(client, world).json()
    target = next(d for d in rec["decisions"] if d["offerId"] == last.pk)
    for k in range(3):
        body = {
            "customerId": world["customer"].external_id,
            "interactionId": target["interactionId"],
            "outcome": "accept",
            "idempotencyKey": f"a{k}",
        }
        assert client.post(RESPOND, body, format="json").status_code == 201
    from decisioning.snapshots import snapshot_cache

    snapshot_cache.clear()
    assert _recommend(client, world).json()["decisions"][0]["offerId"] == last.pk


def test_inactive_offer_is_never_recommended(personas: Any, world: dict) -> None:
    Offer.objects.filter(pk=world["offers"][0].pk).update(status="paused")
    body = _recommend(personas.client("editor_a"), world).json()
    assert world["offers"][0].pk not in {d["offerId"] for d in body["decisions"]}


def test_interaction_history_api(personas: Any, world: dict) -> None:
    client = personas.client("editor_a")
    rec = _recommend(client, world).json()
    _respond(client, world, rec)
    viewer = personas.client("viewer_a")
    listed = viewer.get(
        "/api/v1/interactions", {"customerId": world["customer"].external_id}
    ).json()
    assert [r["outcome"] for r in listed["data"]] == ["accept", "recommendation", "recommendation"]
    assert viewer.get("/api/v1/interactions", {"customerId": "zz"}).json()["data"] == []
    assert (
        viewer.get("/api/v1/interactions", {"outcome": "accept"}).json()["pagination"]["total"] == 1
    )
    assert personas.client("admin_b").get("/api/v1/interactions").json()["data"] == []
    one = listed["data"][0]["id"]
    assert viewer.get(f"/api/v1/interactions/{one}").status_code == 200
    assert_error(personas.client("admin_b").get(f"/api/v1/interactions/{one}"), 404)


def test_deleting_a_customer_deletes_their_interactions(personas: Any, world: dict) -> None:
    """Interactions have no database foreign keys (cheaper inserts); Django's delete still
    cascades."""
    _recommend(personas.client("editor_a"), world)
    assert Interaction.objects.filter(customer=world["customer"]).count() == 2
    world["customer"].delete()
    assert not Interaction.objects.filter(tenant=personas.tenant_a).exists()

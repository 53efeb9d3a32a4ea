"""The batch path's database loader: one query for the chunk's columns, one for its history,
and decisions identical to the real-time path for the same customers."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audience.models import Customer
from decisioning.customers import customer_chunk_load, customer_find, customer_history
from decisioning.engine import CustomerInput, DecisionOptions, decide
from decisioning.engine.batch import decide_batch
from decisioning.models import Interaction
from decisioning.services import decision_flow_publish, decision_flow_update
from decisioning.snapshots import snapshot_build
from tests.decisioning.factories import make_world

VALUES = [0, 7, 41.5, -3, 2**60, "42", "7.5", "gold", "", None, True, False, {"a": 1}, [1, 2]]


def test_chunk_loader_matches_the_real_time_path(personas: Any) -> None:
    rules = {
        "combinator": "OR",
        "filters": [
            {"field": "attributes.level", "operator": "gte", "value": 7},
            {"field": "attributes.level", "operator": "eq", "value": "gold"},
            {"field": "attributes.level", "operator": "is_null", "value": None},
            {"field": "attributes.deep.x", "operator": "lt", "value": 5},
        ],
    }
    world = make_world(
        personas.tenant_a,
        offers=4,
        config={
            "contactPolicies": [
                {"type": "frequencyCap", "scope": "offer", "max": 1, "period": "week"},
                {"type": "frequencyCap", "scope": "overall", "max": 4, "period": "month"},
                {"type": "frequencyCap", "scope": "category", "max": 2, "period": "day"},
                {"type": "cooldown", "outcomes": ["dismiss"], "days": 3},
            ],
            "ranking": {"limit": 2},
        },
    )
    tenant = personas.tenant_a
    offers = world["offers"]
    offers[0].eligibility = rules
    offers[0].save()
    offers[1].eligibility = {
        "combinator": "AND",
        "filters": [{"field": "country", "operator": "in", "value": ["FR", "DE"]}],
    }
    offers[1].save()
    decision_flow_update(
        flow=world["flow"],
        data={
            "config": {
                **world["flow"].config,
                "eligibility": {
                    "rules": [
                        {
                            "combinator": "AND",
                            "filters": [
                                {
                                    "field": "customer.attributes.blocked",
                                    "operator": "neq",
                                    "value": True,
                                }
                            ],
                        }
                    ]
                },
            }
        },
    )
    decision_flow_publish(flow=world["flow"])
    world["flow"].refresh_from_db()
    rng = random.Random(3)
    customers = []
    for k in range(60):
        attributes: dict[str, Any] = {}
        if rng.random() < 0.8:
            attributes["level"] = rng.choice(VALUES)
        if rng.random() < 0.3:
            attributes["deep"] = rng.choice([{"x": rng.randint(0, 9)}, {"x": "3"}, "flat", {}])
        if rng.random() < 0.2:
            attributes["blocked"] = rng.choice([True, False, "true"])
        customers.append(
            Customer.objects.create(
                tenant=tenant,
                external_id=f"c-{k}",
                country=rng.choice(["FR", "DE", "US", None]),
                first_name="Bo",
                attributes=attributes,
            )
        )
    now = timezone.now()
    for c in customers[:40]:
        for _ in range(rng.randint(1, 6)):
            offer = offers[rng.randrange(4)]
            Interaction.objects.create(
                tenant=tenant,
                customer=c,
                offer=offer,
                category_id=offer.category_id,
                channel=world["channel"],
                outcome=rng.choice(["recommendation", "recommendation", "dismiss", "click"]),
                created_at=now - timedelta(days=rng.choice([0.5, 1, 2.9, 3.1, 6, 8, 20, 40])),
            )
    snap = snapshot_build(flow=world["flow"], version=world["flow"].published_version)
    prep = snap.prepared()
    ids = [c.pk for c in customers] + [999_999_999]  # an unknown id is skipped
    with CaptureQueriesContext(connection) as queries:
        chunk = customer_chunk_load(prep=prep, tenant_id=tenant.pk, customer_ids=ids, now=now)
    assert len(queries) == 2 and len(chunk) == 60
    batch = decide_batch(snap, chunk, now=now)
    decided = 0
    for r, c in enumerate(customers):
        record = customer_find(tenant_id=tenant.pk, ref=c.external_id)
        history = customer_history(prep=prep, tenant_id=tenant.pk, customer_id=c.pk, now=now)
        result = decide(
            prep,
            CustomerInput(id=c.pk, record=record, history=history),
            DecisionOptions(now=now, render=False),
        )
        realtime = [(d.offer_id, d.channel_id, d.creative_id, d.score) for d in result.decisions]
        assert realtime == [
            (d.offer_id, d.channel_id, d.creative_id, d.score) for d in batch.decisions(r)
        ], c.attributes
        decided += len(realtime)
    assert decided > 20
    with_records = customer_chunk_load(
        prep=prep, tenant_id=tenant.pk, customer_ids=ids, now=now, with_records=True
    )
    again = decide_batch(snap, with_records, now=now)
    assert again.offer.tolist() == batch.offer.tolist()

"""Demo decision flows, published: ``default`` (the bank's next best offer, used by the demo
campaigns and by /recommend without a flow key) and ``web-banner`` (real-time, web only).

Idempotent: a flow is created and published only when no live flow has its key; flows the
user edited are left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from catalog.models import Channel, Placement
from core.models import Tenant
from decisioning.models import DecisionFlow
from decisioning.services import decision_flow_create, decision_flow_publish

CONTACT_POLICIES = [
    {"type": "frequencyCap", "scope": "offer", "max": 2, "period": "week"},
    {"type": "frequencyCap", "scope": "overall", "max": 5, "period": "week"},
    {"type": "cooldown", "scope": "offer", "outcomes": ["not_interested"], "days": 30},
    {"type": "cooldown", "scope": "offer", "outcomes": ["convert"], "days": 90},
]


def _flows(tenant: Tenant) -> list[dict[str, Any]]:
    web = Channel.objects.filter(tenant=tenant, name="Web banner").first()
    hero = (
        Placement.objects.filter(tenant=tenant, channel=web, name="Home page hero").first()
        if web
        else None
    )
    return [
        {
            "key": "default",
            "name": "Next best offer",
            "description": "Eligible offers, contact policies, learned propensity x value; "
            "top 3 with at most one offer per category.",
            "config": {
                "eligibility": {
                    "rules": [
                        {
                            "combinator": "AND",
                            "filters": [
                                {"field": "customer.attributes.age", "operator": "gte", "value": 18}
                            ],
                        }
                    ]
                },
                "contactPolicies": CONTACT_POLICIES,
                "scoring": {
                    "method": "formula",
                    "formula": {
                        "weights": {"propensity": 1, "context": 1, "value": 0.5, "lever": 1}
                    },
                    "contextWeights": [
                        {
                            "rule": {
                                "combinator": "AND",
                                "filters": [
                                    {
                                        "field": "customer.attributes.segment",
                                        "operator": "eq",
                                        "value": "premium",
                                    }
                                ],
                            },
                            "weight": 1.3,
                        }
                    ],
                },
                "ranking": {"limit": 3, "onePerCategory": True},
            },
        },
        {
            "key": "web-banner",
            "name": "Web banner (real time)",
            "description": "One offer for the home page hero banner, by priority.",
            "config": {
                "contactPolicies": CONTACT_POLICIES[:1] + CONTACT_POLICIES[2:3],
                "scoring": {"method": "priority"},
                "ranking": {"limit": 1},
                "creativeMatch": {
                    "channelIds": [web.pk] if web else [],
                    "placementId": hero.pk if hero else None,
                },
            },
        },
    ]


def seed(tenant: Tenant, log: Callable[[str], Any]) -> None:
    created = []
    for spec in _flows(tenant):
        if DecisionFlow.objects.filter(tenant=tenant, key=spec["key"]).exists():
            continue
        flow = decision_flow_create(tenant=tenant, **spec)
        decision_flow_publish(flow=flow, note="demo")
        created.append(spec["key"])
    total = DecisionFlow.objects.filter(tenant=tenant).count()
    log(f"decisioning: {len(created)} decision flows created and published ({total} in total)")

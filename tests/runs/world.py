"""A small, realistic campaign world for run tests: offers with rules, batch channels with
creatives, customers, a rule segment, a published flow and a campaign."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from audience.models import Customer, Segment
from audience.services import segment_create
from campaigns.models import Campaign
from campaigns.services import campaign_create
from catalog.models import Category, Channel, Offer
from core.models import Tenant
from creatives.models import Creative
from decisioning.models import DecisionFlow
from decisioning.services import decision_flow_create, decision_flow_publish

TIERS = ("bronze", "silver", "gold")
COUNTRIES = ("US", "GB", "DE", "IN")


@dataclass
class World:
    tenant: Tenant
    flow: DecisionFlow
    segment: Segment
    campaign: Campaign
    offers: list[Offer] = field(default_factory=list)
    channels: dict[str, Channel] = field(default_factory=dict)


def add_customers(tenant: Tenant, count: int, *, seed: int = 1, start: int = 0) -> None:
    rng = random.Random(seed)
    Customer.objects.bulk_create(
        [
            Customer(
                tenant=tenant,
                external_id=f"C{start + i:07d}",
                email=f"c{start + i}@example.com",
                first_name=rng.choice(["Ana", "Ben", "Chloé", "Dev", "Eve"]),
                country=rng.choice(COUNTRIES),
                attributes={
                    "tier": rng.choice(TIERS),
                    "age": rng.randint(18, 80),
                    "income": rng.randint(10, 200) * 1000,
                },
            )
            for i in range(count)
        ],
        batch_size=5000,
    )


def build_world(
    tenant: Tenant,
    *,
    customers: int = 200,
    offers: int = 6,
    limit: int = 1,
    caps: dict[str, int] | None = None,
    file_config: dict[str, Any] | None = None,
    segment_filters: list[dict] | None = None,
) -> World:
    cards = Category.objects.create(tenant=tenant, name="Cards")
    loans = Category.objects.create(tenant=tenant, name="Loans")
    channels = {
        "email": Channel.objects.create(
            tenant=tenant, name="Email", channel_type="email", delivery_mode="file"
        ),
        "sms": Channel.objects.create(
            tenant=tenant, name="SMS", channel_type="sms", delivery_mode="integration"
        ),
        "web": Channel.objects.create(
            tenant=tenant, name="Web", channel_type="web", delivery_mode="api"
        ),
    }
    made: list[Offer] = []
    for i in range(offers):
        rule = {
            "combinator": "AND",
            "filters": [
                {"field": "customer.attributes.age", "operator": "gte", "value": 18 + 5 * i}
            ],
        }
        offer = Offer.objects.create(
            tenant=tenant,
            name=f"Offer {i}",
            status="active",
            category=cards if i % 2 else loans,
            priority=90 - 7 * i,
            business_value=100 + i,
            eligibility=rule,
        )
        made.append(offer)
        for key, channel in channels.items():
            Creative.objects.create(
                tenant=tenant,
                name=f"Offer {i} {key}",
                offer=offer,
                channel=channel,
                status="active",
                template_type="email_html" if key == "email" else "sms_text",
                content={"body": f"Hi {{{{first_name}}}}, offer {i}"},
                personalization=[{"key": "first_name", "source": "customer.first_name|there"}],
            )
    add_customers(tenant, customers)
    segment = segment_create(
        tenant=tenant,
        name="Adults",
        filters=segment_filters
        if segment_filters is not None
        else [{"field": "attributes.age", "operator": "gte", "value": 18}],
    )
    flow = decision_flow_create(
        tenant=tenant,
        key="batch",
        name="Batch flow",
        config={"ranking": {"limit": limit}, "scoring": {"method": "priority"}},
    )
    decision_flow_publish(flow=flow)
    campaign = campaign_create(
        tenant=tenant,
        data={
            "name": "Run test",
            "decision_flow": flow,
            "segment": segment,
            "frequency_caps": caps or {},
            "file_config": file_config
            or {
                "format": "csv",
                "columns": ["customer_id", "offer_name", "channel", "score", "creative"],
                "includePersonalization": False,
                "destination": "download",
                "s3Path": None,
            },
        },
    )
    return World(
        tenant=tenant, flow=flow, segment=segment, campaign=campaign, offers=made, channels=channels
    )

"""Rows straight into the database for decisioning API tests."""

from __future__ import annotations

import itertools
from typing import Any

from audience.models import Customer
from catalog.models import Category, Channel, Offer
from core.models import Tenant
from creatives.models import Creative
from decisioning.models import DecisionFlow
from decisioning.services import decision_flow_publish

_seq = itertools.count(1)


def make_flow(tenant: Tenant, **overrides: Any) -> DecisionFlow:
    n = next(_seq)
    fields = {"key": f"flow-{n}", "name": f"Flow {n}", "config": {}}
    fields.update(overrides)
    return DecisionFlow.objects.create(tenant=tenant, **fields)


def make_world(tenant: Tenant, *, offers: int = 3, config: dict | None = None) -> dict[str, Any]:
    """A category, an email channel, ``offers`` active offers with one creative each, a
    customer, and a published flow over them."""
    n = next(_seq)
    category = Category.objects.create(tenant=tenant, name=f"Cards {n}")
    channel = Channel.objects.create(tenant=tenant, name=f"Email {n}", channel_type="email")
    made = []
    for k in range(offers):
        offer = Offer.objects.create(
            tenant=tenant,
            name=f"Offer {n}-{k}",
            status="active",
            category=category,
            priority=90 - 10 * k,
        )
        Creative.objects.create(
            tenant=tenant,
            name=f"Creative {n}-{k}",
            offer=offer,
            channel=channel,
            status="active",
            template_type="email_html",
            content={"subject": "Hello {{name}}", "body": f"Offer {k}"},
            personalization=[{"key": "name", "source": "customer.first_name|there"}],
        )
        made.append(offer)
    customer = Customer.objects.create(
        tenant=tenant,
        external_id=f"cust-{n}",
        first_name="Ann",
        country="FR",
        attributes={"tier": "gold", "age": 40},
    )
    flow = make_flow(tenant, config=config or {"ranking": {"limit": 2}})
    decision_flow_publish(flow=flow)
    flow.refresh_from_db()
    return {
        "category": category,
        "channel": channel,
        "offers": made,
        "customer": customer,
        "flow": flow,
    }

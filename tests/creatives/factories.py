"""Rows for creatives tests, created straight in the database."""

from __future__ import annotations

import itertools
from typing import Any

from catalog.models import Channel, Offer, Placement
from core.models import Tenant
from creatives.models import Creative

_seq = itertools.count(1)


def make_offer(tenant: Tenant, **overrides: Any) -> Offer:
    fields = {"name": f"Offer {next(_seq)}", "status": "active", **overrides}
    return Offer.objects.create(tenant=tenant, **fields)


def make_channel(tenant: Tenant, **overrides: Any) -> Channel:
    fields = {
        "name": f"Channel {next(_seq)}",
        "channel_type": "email",
        "delivery_mode": "file",
        **overrides,
    }
    return Channel.objects.create(tenant=tenant, **fields)


def make_placement(channel: Channel, **overrides: Any) -> Placement:
    fields = {"name": f"Placement {next(_seq)}", "slot_type": "banner", **overrides}
    return Placement.objects.create(tenant=channel.tenant, channel=channel, **fields)


def make_creative(tenant: Tenant, **overrides: Any) -> Creative:
    if "offer" not in overrides:
        overrides["offer"] = make_offer(tenant)
    if "channel" not in overrides:
        overrides["channel"] = make_channel(tenant)
    fields = {
        "name": f"Creative {next(_seq)}",
        "content": {"subject": "Hi {{first_name}}", "body": "<p>Hello</p>"},
        "personalization": [{"key": "first_name", "source": "customer.first_name|there"}],
        **overrides,
    }
    return Creative.objects.create(tenant=tenant, **fields)

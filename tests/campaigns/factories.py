"""Rows the campaign tests need, created straight in the database."""

from __future__ import annotations

from itertools import count
from typing import Any

from audience.models import Segment
from campaigns.models import Campaign
from campaigns.services import campaign_create
from catalog.models import Channel
from core.models import Tenant
from decisioning.models import DecisionFlow

_seq = count(1)


def make_flow(tenant: Tenant, **overrides: Any) -> DecisionFlow:
    n = next(_seq)
    values: dict[str, Any] = {"key": f"flow-{n}", "name": f"Flow {n}"}
    values.update(overrides)
    return DecisionFlow.objects.create(tenant=tenant, **values)


def make_segment(tenant: Tenant, **overrides: Any) -> Segment:
    n = next(_seq)
    values: dict[str, Any] = {"name": f"Segment {n}"}
    values.update(overrides)
    return Segment.objects.create(tenant=tenant, **values)


def make_channel(tenant: Tenant, delivery_mode: str = "file", **overrides: Any) -> Channel:
    n = next(_seq)
    values: dict[str, Any] = {
        "name": f"Channel {n}",
        "channel_type": "email",
        "delivery_mode": delivery_mode,
    }
    values.update(overrides)
    return Channel.objects.create(tenant=tenant, **values)


def make_campaign(tenant: Tenant, **overrides: Any) -> Campaign:
    """Through the service, so the schedule state exists as in production."""
    n = next(_seq)
    data: dict[str, Any] = {"name": f"Campaign {n}"}
    data.update(overrides)
    data.setdefault("decision_flow", make_flow(tenant))
    data.setdefault("segment", make_segment(tenant))
    return campaign_create(tenant=tenant, data=data)

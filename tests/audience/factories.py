"""Rows straight into the database for audience tests."""

from __future__ import annotations

import itertools
from typing import Any

from audience import services
from audience.models import Customer, Segment
from core.models import Tenant

_seq = itertools.count(1)


def make_customer(tenant: Tenant, **overrides: Any) -> Customer:
    n = next(_seq)
    values: dict[str, Any] = {
        "external_id": f"CUST-{n:06d}",
        "email": f"customer{n}@example.com",
        "first_name": "Ada",
        "last_name": f"Lovelace {n}",
        "country": "NO",
        "timezone": "Europe/Oslo",
        "attributes": {"age": 30 + n % 40, "tier": "gold"},
    }
    values.update(overrides)
    return Customer.objects.create(tenant=tenant, **values)


def make_segment(tenant: Tenant, **overrides: Any) -> Segment:
    """Through the service, so the view exists (as it would in real use)."""
    n = next(_seq)
    values: dict[str, Any] = {
        "name": f"Segment {n}",
        "filters": [{"field": "attributes.tier", "operator": "eq", "value": "gold"}],
    }
    values.update(overrides)
    return services.segment_create(tenant=tenant, **values)

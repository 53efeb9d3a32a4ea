"""The choices the campaign form offers: the tenant's flows, segments and batch channels, the
schedule vocabularies, and a sample output row for the column picker."""

from __future__ import annotations

from typing import Any

from audience.models import Segment
from campaigns import schedule as sched
from campaigns.models import BATCH_DELIVERY_MODES
from catalog.models import Channel, Offer
from core.models import Tenant
from creatives.models import Creative
from decisioning.models import DecisionFlow

COMMON_TIMEZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
)


def timezone_choices() -> list[str]:
    rest = sorted(sched.timezone_names() - set(COMMON_TIMEZONES))
    return [*COMMON_TIMEZONES, *rest]


def sample_row(tenant: Tenant) -> dict[str, str]:
    """One made-up output row in the tenant's own vocabulary (its first offer, channel...)."""
    offer = Offer.objects.filter(tenant=tenant).select_related("category").first()
    channel = Channel.objects.filter(tenant=tenant, delivery_mode__in=BATCH_DELIVERY_MODES).first()
    creative = Creative.objects.filter(tenant=tenant).first()
    return {
        "customer_id": "CUST-000123",
        "offer_name": offer.name if offer else "Premium Card Upgrade",
        "offer_id": offer.pk if offer else "off_01…",
        "channel": channel.name if channel else "Email file",
        "creative": creative.name if creative else "Spring email",
        "score": "0.8734",
        "rank": "1",
        "category": (offer.category.name if offer and offer.category else "Cards"),
        "priority": str(offer.priority) if offer else "50",
        "personalization": '{"first_name":"Ada"}',
    }


def form_choices(tenant: Tenant) -> dict[str, Any]:
    flows = list(
        DecisionFlow.objects.filter(tenant=tenant)
        .exclude(status=DecisionFlow.Status.ARCHIVED)
        .order_by("name")
    )
    segments = list(Segment.objects.filter(tenant=tenant).order_by("name"))
    channels = list(
        Channel.objects.filter(tenant=tenant, delivery_mode__in=BATCH_DELIVERY_MODES).order_by(
            "name"
        )
    )
    return {
        "flows": flows,
        "segments": segments,
        "batch_channels": channels,
        "timezones": timezone_choices(),
        "days_of_week": list(enumerate(sched.DAY_NAMES)),
        "days_of_month": [str(day) for day in range(1, 29)],
        "sample": sample_row(tenant),
    }

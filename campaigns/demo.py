"""Demo campaigns: a daily active one, a weekly one and a manual one. Runs after the
decisioning and audience seeds (INSTALLED_APPS order); idempotent (matched by name)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from audience.models import Segment
from campaigns.models import BATCH_DELIVERY_MODES, Campaign
from campaigns.services import campaign_create
from catalog.models import Channel
from core.models import Tenant
from decisioning.models import DecisionFlow


def _campaigns(channel_ids: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "name": "Daily cross-sell",
            "description": "Every morning: the best offer for every customer, as a CSV.",
            "status": Campaign.Status.ACTIVE,
            "schedule_type": Campaign.ScheduleType.DAILY,
            "schedule_time": "07:30",
            "schedule_timezone": "Europe/London",
            "frequency_caps": {"maxTotalPerRun": 50_000, "maxPerOffer": 20_000},
            "channel_ids": channel_ids,
        },
        {
            "name": "Weekly retention review",
            "description": "Monday morning retention offers, sent to the call centre.",
            "status": Campaign.Status.PAUSED,
            "schedule_type": Campaign.ScheduleType.WEEKLY,
            "schedule_day_of_week": 1,
            "schedule_time": "09:00",
            "schedule_timezone": "America/New_York",
            "frequency_caps": {"maxPerChannel": 5_000},
            "file_config": {
                "format": "json",
                "columns": ["customer_id", "offer_id", "offer_name", "channel", "rank", "score"],
                "includePersonalization": False,
                "destination": "download",
                "s3Path": None,
            },
        },
        {
            "name": "Ad-hoc offer blast",
            "description": "Run by hand from the UI or API when marketing asks for it.",
            "status": Campaign.Status.DRAFT,
            "schedule_type": Campaign.ScheduleType.MANUAL,
            "file_config": {
                "format": "csv",
                "columns": [
                    "customer_id",
                    "offer_name",
                    "channel",
                    "creative",
                    "score",
                    "personalization",
                ],
                "includePersonalization": True,
                "destination": "download",
                "s3Path": None,
            },
        },
    ]


def _pick(queryset: Any) -> Any:
    """Prefer a published/active object, else the oldest live one."""
    model = queryset.model
    field_names = {f.name for f in model._meta.fields}
    ordered = queryset.order_by("created_at", "id")
    if "status" in field_names:
        active = ordered.filter(status="active").first()
        if active is not None:
            return active
    return ordered.first()


def seed(tenant: Tenant, log: Callable[[str], Any]) -> None:
    flow = _pick(DecisionFlow.objects.filter(tenant=tenant))
    segment = _pick(Segment.objects.filter(tenant=tenant))
    if flow is None or segment is None:
        log("campaigns: skipped (needs a decision flow and a segment in the demo tenant)")
        return
    channel_ids = list(
        Channel.objects.filter(tenant=tenant, delivery_mode__in=BATCH_DELIVERY_MODES)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:2]
    )
    existing = set(Campaign.all_objects.filter(tenant=tenant).values_list("name", flat=True))
    created = 0
    for spec in _campaigns(channel_ids):
        if spec["name"] in existing:
            continue
        campaign_create(tenant=tenant, data={**spec, "decision_flow": flow, "segment": segment})
        created += 1
    log(f"campaigns: {created} created, {len(existing)} already there")

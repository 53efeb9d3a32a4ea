"""Snapshots: the plain data a decision needs, read from the database in a few bulk queries.

A campaign run takes one snapshot at its start. The recommend API keeps one per (flow
version) in a small per-process cache for ``NUDGE_DECISION_SNAPSHOT_TTL`` seconds (default 5):
publishing a new version is seen at once (the version is part of the key); catalog, creative
and learned-propensity changes within that many seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from decisioning.engine.data import (
    ChannelData,
    CreativeData,
    OfferData,
    OutcomeCounts,
    PlacementData,
    Snapshot,
)
from decisioning.models import DecisionFlow, DecisionFlowVersion, OutcomeCounter


def offer_record(offer: Any) -> dict[str, Any]:
    """What ``offer.*`` means in rules and personalization."""
    category = offer.category if offer.category_id else None
    return {
        "id": offer.pk,
        "name": offer.name,
        "description": offer.description,
        "status": offer.status,
        "category_id": offer.category_id,
        "category_name": category.name if category else None,
        "priority": offer.priority,
        "business_value": float(offer.business_value or 0),
        "tags": list(offer.tags or []),
        "metadata": offer.metadata or {},
    }


def channel_record(channel: Any) -> dict[str, Any]:
    return {
        "id": channel.pk,
        "name": channel.name,
        "channel_type": channel.channel_type,
        "delivery_mode": channel.delivery_mode,
    }


def snapshot_build(*, flow: DecisionFlow, version: DecisionFlowVersion) -> Snapshot:
    from catalog.models import Channel, Offer, Placement
    from creatives.models import Creative

    tenant_id = flow.tenant_id
    offers = []
    for offer in Offer.objects.filter(tenant_id=tenant_id).select_related("category"):
        category = offer.category if offer.category_id else None
        offers.append(
            OfferData(
                id=offer.pk,
                name=offer.name,
                status=offer.status,
                category_id=offer.category_id,
                category_name=category.name if category else None,
                priority=offer.priority,
                business_value=float(offer.business_value or 0),
                start_at=offer.start_at,
                end_at=offer.end_at,
                eligibility=offer.eligibility or None,
                record=offer_record(offer),
                category_active=category is None
                or (category.status == "active" and category.deleted_at is None),
            )
        )
    channels = tuple(
        ChannelData(
            id=c.pk,
            name=c.name,
            channel_type=c.channel_type,
            delivery_mode=c.delivery_mode,
            record=channel_record(c),
        )
        for c in Channel.objects.filter(tenant_id=tenant_id, status="active")
    )
    creatives = tuple(
        CreativeData(
            id=row["id"],
            name=row["name"],
            offer_id=row["offer_id"],
            channel_id=row["channel_id"],
            placement_id=row["placement_id"],
            weight=float(row["weight"]),
            template_type=row["template_type"],
            content=row["content"],
            personalization=row["personalization"],
        )
        for row in Creative.objects.filter(tenant_id=tenant_id, status="active").values(
            "id",
            "name",
            "offer_id",
            "channel_id",
            "placement_id",
            "weight",
            "template_type",
            "content",
            "personalization",
        )
    )
    placements = tuple(
        PlacementData(id=p["id"], name=p["name"], channel_id=p["channel_id"])
        for p in Placement.objects.filter(tenant_id=tenant_id).values("id", "name", "channel_id")
    )
    counts: dict[str, dict[str, int]] = {}
    rows = (
        OutcomeCounter.objects.filter(tenant_id=tenant_id)
        .values("offer_id", "outcome")
        .annotate(total=Sum("n"))
    )
    for row in rows:
        counts.setdefault(row["offer_id"], {})[row["outcome"]] = int(row["total"])
    return Snapshot(
        tenant_id=tenant_id,
        flow_id=flow.pk,
        flow_key=flow.key,
        flow_version=version.number,
        config=version.config,
        offers=tuple(offers),
        channels=channels,
        creatives=creatives,
        placements=placements,
        outcome_counts=OutcomeCounts(counts),
        taken_at=timezone.now(),
    )


class SnapshotCache:
    """Per-process snapshots by (flow id, version id), each kept for ``ttl`` seconds."""

    def __init__(self, max_entries: int = 256) -> None:
        self._entries: dict[tuple[str, str], tuple[float, Snapshot]] = {}
        self._lock = threading.Lock()
        self.max_entries = max_entries

    @staticmethod
    def ttl() -> float:
        return float(getattr(settings, "NUDGE_DECISION_SNAPSHOT_TTL", 5.0))

    def get(self, key: tuple[str, str], build: Callable[[], Snapshot]) -> Snapshot:
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        snapshot = build()
        snapshot.prepared()
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
            self._entries[key] = (now + self.ttl(), snapshot)
        return snapshot

    def forget_flow(self, flow_id: str) -> None:
        with self._lock:
            self._entries = {k: v for k, v in self._entries.items() if k[0] != flow_id}

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


snapshot_cache = SnapshotCache()


def snapshot_for(*, flow_id: str, version_id: str) -> Snapshot:
    """The cached snapshot of one version of a flow (built on a miss)."""

    def build() -> Snapshot:
        version = DecisionFlowVersion.objects.select_related("flow").get(
            pk=version_id, flow_id=flow_id
        )
        return snapshot_build(flow=version.flow, version=version)

    return snapshot_cache.get((flow_id, version_id), build)

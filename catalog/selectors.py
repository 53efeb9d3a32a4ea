"""Reads for the catalog, always scoped to one tenant."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from catalog.models import Category, Channel, Offer, Placement
from core.errors import NotFound
from core.models import Tenant

BATCH_DELIVERY_MODES = (
    Channel.DeliveryMode.FILE,
    Channel.DeliveryMode.INTEGRATION,
    Channel.DeliveryMode.MANUAL,
)


def _manager(model: type, include_deleted: bool) -> QuerySet:
    return (model.all_objects if include_deleted else model.objects).all()  # type: ignore[attr-defined]


def category_list(*, tenant: Tenant, include_deleted: bool = False) -> QuerySet[Category]:
    return _manager(Category, include_deleted).filter(tenant=tenant)


def offer_list(*, tenant: Tenant, include_deleted: bool = False) -> QuerySet[Offer]:
    return _manager(Offer, include_deleted).filter(tenant=tenant).select_related("category")


def channel_list(*, tenant: Tenant, include_deleted: bool = False) -> QuerySet[Channel]:
    return _manager(Channel, include_deleted).filter(tenant=tenant)


def placement_list(*, tenant: Tenant, include_deleted: bool = False) -> QuerySet[Placement]:
    return _manager(Placement, include_deleted).filter(tenant=tenant).select_related("channel")


def offer_get(*, tenant: Tenant, offer_id: str) -> Offer:
    offer = offer_list(tenant=tenant).filter(pk=offer_id).first()
    if offer is None:
        raise NotFound(f"offer '{offer_id}' not found")
    return offer


def channel_get(*, tenant: Tenant, channel_id: str) -> Channel:
    channel = channel_list(tenant=tenant).filter(pk=channel_id).first()
    if channel is None:
        raise NotFound(f"channel '{channel_id}' not found")
    return channel


def offers_available(*, tenant: Tenant, at: datetime | None = None) -> QuerySet[Offer]:
    """Offers a decision may pick at ``at``: active, inside their start/end window, and not in
    an inactive category (an offer without a category is fine)."""
    at = at or timezone.now()
    return (
        offer_list(tenant=tenant)
        .filter(status=Offer.Status.ACTIVE)
        .filter(Q(start_at__isnull=True) | Q(start_at__lte=at))
        .filter(Q(end_at__isnull=True) | Q(end_at__gt=at))
        .filter(Q(category__isnull=True) | Q(category__status="active"))
    )


def channels_active(*, tenant: Tenant) -> QuerySet[Channel]:
    return channel_list(tenant=tenant).filter(status="active")


def channels_for_batch(*, tenant: Tenant) -> QuerySet[Channel]:
    """Active channels a batch campaign can deliver through (file, integration, manual);
    real-time ``api`` channels are excluded (spec 002, "Batch Channels")."""
    return channels_active(tenant=tenant).filter(delivery_mode__in=BATCH_DELIVERY_MODES)

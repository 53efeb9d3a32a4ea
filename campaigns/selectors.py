"""Reads on campaigns."""

from __future__ import annotations

from django.db.models import QuerySet

from campaigns.models import BATCH_DELIVERY_MODES, Campaign
from catalog.models import Channel
from core.models import Tenant


def campaign_list(*, tenant: Tenant, include_deleted: bool = False) -> QuerySet[Campaign]:
    manager = Campaign.all_objects if include_deleted else Campaign.objects
    return manager.filter(tenant=tenant).select_related(
        "decision_flow", "segment", "segment__stats", "schedule_state"
    )


def campaign_batch_channels(*, campaign: Campaign) -> QuerySet[Channel]:
    """The live batch channels (file/integration/manual) a run of ``campaign`` targets: its
    ``channel_ids``, or every batch channel of the tenant when that list is empty."""
    channels = Channel.objects.filter(
        tenant_id=campaign.tenant_id, delivery_mode__in=BATCH_DELIVERY_MODES
    )
    if campaign.channel_ids:
        channels = channels.filter(pk__in=campaign.channel_ids)
    return channels.order_by("created_at", "id")

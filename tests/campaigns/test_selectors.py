from __future__ import annotations

from typing import Any

import pytest

from campaigns.selectors import campaign_batch_channels
from core.services import entity_soft_delete
from tests.campaigns.factories import make_campaign, make_channel

pytestmark = pytest.mark.django_db


def test_batch_channels_are_the_selected_ones_or_every_live_batch_channel(personas: Any) -> None:
    tenant = personas.tenant_a
    file_channel = make_channel(tenant, delivery_mode="file")
    manual = make_channel(tenant, delivery_mode="manual")
    integration = make_channel(tenant, delivery_mode="integration")
    make_channel(tenant, delivery_mode="api")
    make_channel(personas.tenant_b, delivery_mode="file")
    gone = make_channel(tenant, delivery_mode="file")
    entity_soft_delete(instance=gone)

    everything = make_campaign(tenant)
    assert list(campaign_batch_channels(campaign=everything)) == [file_channel, manual, integration]
    chosen = make_campaign(tenant, channel_ids=[integration.pk, gone.pk])
    assert list(campaign_batch_channels(campaign=chosen)) == [integration]

from __future__ import annotations

from typing import Any

import pytest

from campaigns import demo
from campaigns.models import Campaign
from tests.campaigns.factories import make_channel, make_flow, make_segment

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent(personas: Any) -> None:
    tenant = personas.tenant_a
    lines: list[str] = []
    demo.seed(tenant, lines.append)
    assert "skipped" in lines[-1]
    make_flow(tenant)
    make_segment(tenant)
    make_channel(tenant, delivery_mode="file")
    make_channel(tenant, delivery_mode="api")
    demo.seed(tenant, lines.append)
    demo.seed(tenant, lines.append)
    campaigns = {c.name: c for c in Campaign.objects.filter(tenant=tenant)}
    assert set(campaigns) == {"Daily cross-sell", "Weekly retention review", "Ad-hoc offer blast"}
    daily = campaigns["Daily cross-sell"]
    assert daily.status == "active" and daily.schedule_state.next_run_at is not None
    assert len(daily.channel_ids) == 1
    assert campaigns["Weekly retention review"].schedule_day_of_week == 1
    assert campaigns["Ad-hoc offer blast"].schedule_type == "manual"
    assert lines[-1] == "campaigns: 0 created, 3 already there"

"""Ticks sent at once to real worker processes on a real broker: one slot, one run."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from campaigns.models import CampaignSlot, ScheduleState
from config.celery import app
from core.services import tenant_create
from tests.campaigns.factories import make_campaign

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_concurrent_ticks_on_real_workers_fire_a_due_slot_once(start_worker: Any) -> None:
    from runs.models import Run

    worker = start_worker(concurrency=2)
    tenant = tenant_create(name="Real workers", slug="real-workers")
    an_hour_ago = timezone.now() - timedelta(hours=1)
    campaign = make_campaign(
        tenant,
        status="active",
        schedule_type="daily",
        schedule_time=an_hour_ago.strftime("%H:%M"),
    )
    slot = an_hour_ago.replace(second=0, microsecond=0)
    ScheduleState.objects.filter(campaign=campaign).update(next_run_at=slot - timedelta(days=2))

    for _ in range(4):
        app.send_task("campaigns.tasks.schedule_tick")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if ScheduleState.objects.get(campaign=campaign).next_run_at > timezone.now():
            break
        time.sleep(0.2)
    else:
        pytest.fail("the worker never fired the slot:\n" + worker.log()[-5000:])
    time.sleep(3)  # let every tick finish

    slots = list(CampaignSlot.objects.filter(campaign=campaign))
    assert [s.slot_at for s in slots] == [slot]
    assert slots[0].missed_since == slot - timedelta(days=2)
    runs = list(Run.objects.filter(campaign=campaign))
    assert [(r.trigger, r.slot_at) for r in runs] == [("schedule", slot)]
    assert slots[0].run_id == runs[0].pk

"""Exposure counts (``recommendation`` counters) are summed per process and written at most
once per NUDGE_EXPOSURE_FLUSH_SECONDS: with a recommendation's own statement, by a timer when
the process is quiet, or on demand. Whatever the path, once written they equal the
recommendation rows recorded, counted once."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db.models import Count, Sum

from decisioning.exposures import ExposureBuffer, exposure_buffer
from decisioning.models import Interaction, OutcomeCounter
from tests.decisioning.factories import make_world

RECOMMEND = "/api/v1/recommend"


def _recommend(client: Any, world: dict) -> dict:
    body = {"customerId": world["customer"].external_id, "decisionFlowKey": world["flow"].key}
    response = client.post(RECOMMEND, body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def _per_offer_channel(rows: Any, total: Any) -> dict[tuple[str, str], int]:
    summed = rows.values("offer_id", "channel_id").annotate(total=total)
    return {(r["offer_id"], r["channel_id"]): r["total"] for r in summed}


def _counted(tenant: Any) -> dict[tuple[str, str], int]:
    """Exposures as written to the counters."""
    rows = OutcomeCounter.objects.filter(tenant=tenant, outcome="recommendation")
    return _per_offer_channel(rows, Sum("n"))


def _recorded(tenant: Any) -> dict[tuple[str, str], int]:
    """Exposures as recorded in the interaction history (the truth the counters follow)."""
    rows = Interaction.objects.filter(tenant=tenant, outcome="recommendation")
    return _per_offer_channel(rows, Count("id"))


def test_buffer_sums_takes_gives_back_and_discards(settings: Any) -> None:
    settings.NUDGE_EXPOSURE_FLUSH_SECONDS = 0
    buffer = ExposureBuffer()
    buffer.add("t1", [("o1", "c1"), ("o2", "c1")])
    buffer.add("t1", [("o1", "c1")])
    rows = buffer.take_due()
    assert rows is not None
    assert sorted((r["offer_id"], r["n"]) for r in rows) == [("o1", 2), ("o2", 1)]
    assert buffer.pending() == {}
    buffer.restore(rows)
    buffer.discard("t1", [("o1", "c1"), ("o2", "c1")])
    assert buffer.pending() == {("t1", "o1", "c1"): 1}
    assert buffer.take_due() == [{"tenant_id": "t1", "offer_id": "o1", "channel_id": "c1", "n": 1}]


def test_counts_wait_in_the_buffer_until_flushed_once(personas: Any, settings: Any) -> None:
    settings.NUDGE_EXPOSURE_FLUSH_SECONDS = 3600
    exposure_buffer.flush()
    world = make_world(personas.tenant_a)
    client = personas.client("editor_a")
    for _ in range(3):
        _recommend(client, world)
    recorded = _recorded(personas.tenant_a)
    assert sum(recorded.values()) == 6  # 3 requests x top 2
    assert _counted(personas.tenant_a) == {}
    assert exposure_buffer.flush() == len(recorded)
    assert _counted(personas.tenant_a) == recorded
    assert exposure_buffer.flush() == 0
    assert _counted(personas.tenant_a) == recorded


def test_due_counts_ride_on_a_recommendations_own_statement(personas: Any, settings: Any) -> None:
    settings.NUDGE_EXPOSURE_FLUSH_SECONDS = 3600
    exposure_buffer.flush()
    world = make_world(personas.tenant_a)
    client = personas.client("editor_a")
    _recommend(client, world)
    _recommend(client, world)
    assert _counted(personas.tenant_a) == {}
    settings.NUDGE_EXPOSURE_FLUSH_SECONDS = 0  # due now: the next request carries them all
    _recommend(client, world)
    assert _counted(personas.tenant_a) == _recorded(personas.tenant_a)
    assert sum(_counted(personas.tenant_a).values()) == 6
    assert exposure_buffer.pending() == {}


@pytest.mark.django_db(transaction=True)
def test_a_timer_writes_the_counts_when_the_process_goes_quiet(
    personas: Any, settings: Any
) -> None:
    settings.NUDGE_EXPOSURE_FLUSH_SECONDS = 1.0
    world = make_world(personas.tenant_a)
    client = personas.client("editor_a")
    exposure_buffer.flush()  # the interval starts now
    _recommend(client, world)
    assert _counted(personas.tenant_a) == {}  # buffered; no further request comes
    deadline = time.monotonic() + 10
    while _counted(personas.tenant_a) != _recorded(personas.tenant_a):
        assert time.monotonic() < deadline, "the idle timer never wrote the counts"
        time.sleep(0.05)
    assert sum(_counted(personas.tenant_a).values()) == 2
    assert exposure_buffer.pending() == {}


def test_counts_of_a_tenant_deleted_meanwhile_are_dropped(settings: Any, db: Any) -> None:
    buffer = ExposureBuffer()
    buffer.add("ten_gone", [("off_1", "ch_1")])
    assert buffer.flush() == 1  # written: no row, no error, nothing left to retry
    assert buffer.pending() == {}
    assert not OutcomeCounter.objects.filter(tenant_id="ten_gone").exists()


def test_counters_are_rebuilt_from_the_interaction_history(personas: Any, settings: Any) -> None:
    """Counts lost with a killed process come back from the interactions."""
    from django.core.management import call_command

    settings.NUDGE_EXPOSURE_FLUSH_SECONDS = 3600  # as if the process died before writing
    exposure_buffer.flush()
    world = make_world(personas.tenant_a)
    client = personas.client("editor_a")
    rec = _recommend(client, world)
    _recommend(client, world)
    client.post(
        "/api/v1/respond",
        {
            "customerId": world["customer"].external_id,
            "recommendationId": rec["recommendationId"],
            "offerId": rec["decisions"][0]["offerId"],
            "outcome": "accept",
            "idempotencyKey": "k-rebuild",
        },
        format="json",
    )
    settings.NUDGE_EXPOSURE_FLUSH_SECONDS = 0
    assert exposure_buffer.take_due()  # taken and never written: the lost counts
    other = make_world(personas.tenant_b)
    _recommend(personas.client("admin_b"), other)
    other_before = _counted(personas.tenant_b)
    assert _counted(personas.tenant_a) == {}

    call_command("rebuild_outcome_counters", "--tenant", personas.tenant_a.slug)

    assert _counted(personas.tenant_a) == _recorded(personas.tenant_a)
    accepts = OutcomeCounter.objects.filter(tenant=personas.tenant_a, outcome="accept")
    assert [(c.offer_id, c.n) for c in accepts] == [(rec["decisions"][0]["offerId"], 1)]
    assert _counted(personas.tenant_b) == other_before  # other tenants untouched

"""Runs on real Celery workers over a real Redis broker: a killed worker loses nothing and
doubles nothing, and the result never depends on chunk size or worker count."""

from __future__ import annotations

import time
from typing import Any

import pytest

from runs.models import Run, RunResult
from runs.services import run_create, runs_reap
from tests.runs.world import build_world

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def wait_for(predicate: Any, *, timeout: float, every: float = 0.2, on_tick: Any = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if on_tick:
            on_tick()
        time.sleep(every)
    raise AssertionError("condition not met in time")


def finished(run_id: str) -> bool:
    return Run.objects.get(pk=run_id).is_finished


def results_of(run_id: str) -> list[tuple]:
    return list(
        RunResult.objects.filter(run_id=run_id)
        .order_by("seq")
        .values_list("seq", "external_id", "rank", "offer_id", "channel_id", "creative_id", "score")
    )


def test_killed_worker_mid_run_gives_byte_identical_results(
    personas: Any, start_worker: Any
) -> None:
    world = build_world(
        personas.tenant_a, customers=30_000, offers=12, limit=2, caps={"maxPerOffer": 9000}
    )
    env = {"NUDGE_RUN_CHUNK_SIZE": "500", "NUDGE_RUN_LEASE_SECONDS": "3"}

    steady = start_worker(concurrency=1, **env)
    reference = run_create(campaign=world.campaign)
    wait_for(lambda: finished(reference.pk), timeout=120)
    steady.stop()
    reference.refresh_from_db()
    assert reference.status == "completed", reference.error

    victim = start_worker(concurrency=1, **env)
    disturbed = run_create(campaign=world.campaign)
    wait_for(lambda: Run.objects.get(pk=disturbed.pk).chunks_done >= 5, timeout=120, every=0.05)
    victim.kill()
    disturbed.refresh_from_db()
    assert not disturbed.is_finished, "the kill must land mid-run"
    assert disturbed.chunks_done < disturbed.chunk_count

    start_worker(concurrency=1, **env)
    wait_for(lambda: finished(disturbed.pk), timeout=180, every=1.0, on_tick=runs_reap)
    disturbed.refresh_from_db()
    assert disturbed.status == "completed", disturbed.error
    assert disturbed.chunks_done == disturbed.chunk_count == reference.chunk_count == 60
    assert disturbed.file_sha256 == reference.file_sha256
    assert disturbed.file_rows == reference.file_rows > 0
    assert results_of(disturbed.pk) == results_of(reference.pk)


def test_one_worker_small_chunks_equals_two_workers_big_chunks(
    personas: Any, start_worker: Any
) -> None:
    caps = {"maxTotalPerRun": 9000, "maxPerOffer": 2500, "maxPerChannel": 6000}
    world = build_world(personas.tenant_a, customers=20_000, offers=8, limit=2, caps=caps)

    solo = start_worker(concurrency=1, NUDGE_RUN_CHUNK_SIZE="1000")
    small = run_create(campaign=world.campaign)
    wait_for(lambda: finished(small.pk), timeout=120)
    solo.stop()

    start_worker(concurrency=1, NUDGE_RUN_CHUNK_SIZE="7000")
    start_worker(concurrency=1, NUDGE_RUN_CHUNK_SIZE="7000")
    big = run_create(campaign=world.campaign)
    wait_for(lambda: finished(big.pk), timeout=120)

    small.refresh_from_db()
    big.refresh_from_db()
    assert (small.status, big.status) == ("completed", "completed"), (small.error, big.error)
    assert (small.chunk_count, big.chunk_count) == (20, 3)
    assert small.file_sha256 == big.file_sha256
    rows = results_of(big.pk)
    assert rows == results_of(small.pk)
    assert 0 < len(rows) <= 9000
    per_offer: dict[str, int] = {}
    per_channel: dict[str, int] = {}
    for _, _, _, offer, channel, _, _ in rows:
        per_offer[offer] = per_offer.get(offer, 0) + 1
        per_channel[channel] = per_channel.get(channel, 0) + 1
    assert max(per_offer.values()) <= 2500 and max(per_channel.values()) <= 6000
    assert big.summary["skippedByCaps"] > 0, "the caps must actually bite"

"""A campaign run end to end (Celery eager): start, chunks, caps, results, file, API."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from runs.models import Run, RunCandidate, RunResult
from runs.services import run_chunk_process, run_create, run_finalize
from tests.api_suite import assert_error
from tests.runs.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def chunked(settings: Any) -> None:
    settings.NUDGE_RUN_CHUNK_SIZE = 37


def test_trigger_runs_to_completion_with_results_file_and_stats(
    personas: Any, chunked: None, committed: Any
) -> None:
    world = build_world(personas.tenant_a, customers=200)
    with committed():
        response = personas.client("editor_a").post(f"/api/v1/campaigns/{world.campaign.pk}/runs")
    assert response.status_code == 201, response.content
    run = Run.objects.get(pk=response.json()["id"])
    assert run.status == "completed", run.error
    assert run.chunk_count == 6 and run.chunks_done == 6
    assert run.stats["totalCustomers"] == 200 and run.stats["processed"] == 200
    assert 0 < run.stats["recommended"] <= 200
    assert run.stats["avgLatencyMs"] >= 0
    assert RunResult.objects.filter(run=run).count() == run.stats["recommended"]
    assert not RunCandidate.objects.filter(run=run).exists()
    body = personas.client("viewer_a").get(f"/api/v1/runs/{run.pk}").json()
    assert body["status"] == "completed" and body["progress"]["percent"] == 100.0
    assert {row["name"] for row in body["summary"]["byChannel"]} <= {"Email", "SMS"}, (
        "api channels never in batch"
    )
    download = personas.client("viewer_a").get(body["file"]["downloadUrl"])
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert rows[0] == ["customer_id", "offer_name", "channel", "score", "creative"]
    assert len(rows) - 1 == run.stats["recommended"]


def test_results_are_paginated_with_names_and_searchable(personas: Any, committed: Any) -> None:
    world = build_world(personas.tenant_a, customers=30)
    with committed():
        run = run_create(campaign=world.campaign)
    client = personas.client("viewer_a")
    page = client.get(f"/api/v1/runs/{run.pk}/results", {"limit": 5}).json()
    assert page["pagination"]["total"] == Run.objects.get(pk=run.pk).stats["recommended"]
    first = page["data"][0]
    assert first["offerName"].startswith("Offer ") and first["channelName"] in ("Email", "SMS")
    found = client.get(f"/api/v1/runs/{run.pk}/results", {"search": first["customerId"]}).json()[
        "data"
    ]
    assert {row["customerId"] for row in found} == {first["customerId"]}


def test_caps_hold_and_fall_back_to_the_next_best_offer(
    personas: Any, chunked: None, committed: Any
) -> None:
    world = build_world(
        personas.tenant_a, customers=150, caps={"maxPerOffer": 40, "maxTotalPerRun": 100}
    )
    with committed():
        run = run_create(campaign=world.campaign)
    run.refresh_from_db()
    assert run.status == "completed", run.error
    counts: dict[str, int] = {}
    for offer_id in RunResult.objects.filter(run=run).values_list("offer_id", flat=True):
        counts[offer_id] = counts.get(offer_id, 0) + 1
    assert sum(counts.values()) == 100
    assert max(counts.values()) <= 40 and len(counts) >= 3, counts
    assert run.summary["capReached"] is True and run.summary["skippedByCaps"] > 0


def test_same_data_gives_byte_identical_files_whatever_the_chunk_size(
    personas: Any, settings: Any, committed: Any
) -> None:
    world = build_world(personas.tenant_a, customers=120, caps={"maxPerChannel": 70})
    settings.NUDGE_RUN_CHUNK_SIZE = 1000
    with committed():
        one = run_create(campaign=world.campaign)
    settings.NUDGE_RUN_CHUNK_SIZE = 7
    with committed():
        many = run_create(campaign=world.campaign)
    one.refresh_from_db()
    many.refresh_from_db()
    assert (one.chunk_count, many.chunk_count) == (1, 18)
    assert one.file_sha256 == many.file_sha256 and one.file_rows == many.file_rows > 0


def test_retried_chunk_and_finalize_never_double_results(
    personas: Any, chunked: None, committed: Any
) -> None:
    world = build_world(personas.tenant_a, customers=80)
    with committed():
        run = run_create(campaign=world.campaign)
    run.refresh_from_db()
    rows_before, sha = RunResult.objects.filter(run=run).count(), run.file_sha256
    assert run_chunk_process(run_id=run.pk, chunk_index=0).startswith("skipped")
    assert run_finalize(run_id=run.pk).startswith("skipped")
    assert RunResult.objects.filter(run=run).count() == rows_before
    run.refresh_from_db()
    assert run.file_sha256 == sha


def test_other_tenants_runs_are_invisible(personas: Any, committed: Any) -> None:
    world = build_world(personas.tenant_a, customers=5)
    with committed():
        run = run_create(campaign=world.campaign)
    client = personas.client("admin_b")
    assert_error(client.get(f"/api/v1/runs/{run.pk}"), 404)
    assert_error(client.get(f"/api/v1/runs/{run.pk}/results"), 404)
    assert_error(client.get(f"/api/v1/runs/{run.pk}/file"), 404)
    assert_error(client.post(f"/api/v1/campaigns/{world.campaign.pk}/runs"), 404)
    assert run.pk not in {r["id"] for r in client.get("/api/v1/runs").json()["data"]}


def test_viewer_cannot_trigger_or_cancel(personas: Any) -> None:
    world = build_world(personas.tenant_a, customers=5)
    client = personas.client("viewer_a")
    assert_error(client.post(f"/api/v1/campaigns/{world.campaign.pk}/runs"), 403)
    assert not Run.objects.exists()

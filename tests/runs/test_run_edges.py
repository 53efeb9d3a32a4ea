"""Cancel, the inline executor, S3 delivery and its failure, dead letters, the reaper."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from runs.models import DeadLetter, Run, RunChunk
from runs.services import run_chunk_failed, run_create, runs_reap
from tests.api_suite import assert_error
from tests.runs.world import build_world

pytestmark = pytest.mark.django_db

S3_FILE = {
    "format": "json",
    "columns": ["customer_id", "offer_id", "rank"],
    "includePersonalization": False,
    "destination": "s3",
    "s3Path": "s3://nudge-runs/campaigns/{campaign_id}/{run_date}/",
}


def test_file_destination_s3_uploads_the_file(personas: Any, s3: Any, committed: Any) -> None:
    s3.create_bucket(Bucket="nudge-runs")
    world = build_world(personas.tenant_a, customers=20, file_config=S3_FILE)
    with committed():
        run = run_create(campaign=world.campaign)
    run.refresh_from_db()
    assert run.status == "completed", run.error
    bucket, key = run.upload_url.removeprefix("s3://").split("/", 1)
    assert key == f"campaigns/{world.campaign.pk}/{run.started_at:%Y-%m-%d}/{run.pk}.json"
    uploaded = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    assert uploaded == json.loads(Path(run.file_path).read_text())
    assert [list(row) for row in uploaded[:1]] == [["customer_id", "offer_id", "rank"]]


def test_failed_upload_completes_with_errors_and_keeps_the_file(
    personas: Any, s3: Any, committed: Any
) -> None:
    missing = {**S3_FILE, "s3Path": "s3://nudge-missing/out/"}
    world = build_world(personas.tenant_a, customers=20, file_config=missing)
    with committed():
        run = run_create(campaign=world.campaign)
    run.refresh_from_db()
    assert run.status == "completed_with_errors"
    assert "nudge-missing" in run.error and run.upload_error == run.error
    assert personas.client("viewer_a").get(f"/api/v1/runs/{run.pk}/file").status_code == 200
    letter = DeadLetter.objects.get(run=run)
    assert letter.kind == "upload" and letter.status == "open"
    s3.create_bucket(Bucket="nudge-missing")
    with committed():
        response = personas.client("editor_a").post(f"/api/v1/dead-letters/{letter.pk}/retry")
    assert response.status_code == 200 and response.json()["status"] == "retried"
    run.refresh_from_db()
    assert run.status == "completed" and run.upload_url == f"s3://nudge-missing/out/{run.pk}.json"


def test_personalization_column_renders_the_creative_per_customer(
    personas: Any, committed: Any
) -> None:
    config = {
        "format": "csv",
        "columns": ["customer_id", "personalization"],
        "includePersonalization": True,
        "destination": "download",
        "s3Path": None,
    }
    world = build_world(personas.tenant_a, customers=10, file_config=config)
    with committed():
        run = run_create(campaign=world.campaign)
    run.refresh_from_db()
    with open(run.file_path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(json.loads(r["personalization"])["body"].startswith("Hi ") for r in rows)
    assert not any("{{" in r["personalization"] for r in rows)


def test_cancel_stops_a_pending_run_and_is_409_when_finished(personas: Any, committed: Any) -> None:
    world = build_world(personas.tenant_a, customers=5)
    run = run_create(campaign=world.campaign)  # not committed: still pending
    client = personas.client("editor_a")
    assert client.post(f"/api/v1/runs/{run.pk}/cancel").json()["status"] == "cancelled"
    assert_error(client.post(f"/api/v1/runs/{run.pk}/cancel"), 409)


def test_inline_executor_validates_and_dispatches(personas: Any, committed: Any) -> None:
    world = build_world(personas.tenant_a, customers=15)
    client = personas.client("editor_a")
    error = assert_error(client.post("/api/v1/runs/execute", {}, format="json"), 400)
    assert {"runId", "decisionFlowId", "segmentViewName"} <= set(error["details"])
    run = run_create(campaign=world.campaign)
    body = {
        "runId": run.pk,
        "decisionFlowId": world.flow.pk,
        "segmentViewName": world.segment.view_name,
    }
    assert_error(
        client.post(
            "/api/v1/runs/execute", {**body, "segmentViewName": "x; drop table y"}, format="json"
        ),
        400,
        "segmentViewName",
    )
    assert_error(
        client.post("/api/v1/runs/execute", {**body, "runId": "run_nope"}, format="json"), 404
    )
    assert_error(personas.client("viewer_a").post("/api/v1/runs/execute", body, format="json"), 403)
    with committed():
        response = client.post("/api/v1/runs/execute", body, format="json")
    assert response.status_code == 200 and response.json() == {"dispatched": True, "runId": run.pk}
    run.refresh_from_db()
    assert run.status == "completed" and run.trigger == "inline"
    assert_error(client.post("/api/v1/runs/execute", body, format="json"), 409)


def test_a_flow_without_a_published_version_fails_the_run_with_the_reason(
    personas: Any, committed: Any
) -> None:
    world = build_world(personas.tenant_a, customers=5)
    world.flow.published_version = None
    world.flow.save(update_fields=["published_version"])
    with committed():
        run = run_create(campaign=world.campaign)
    run.refresh_from_db()
    assert run.status == "failed" and "no published version" in run.error


def test_a_chunk_that_keeps_failing_goes_to_the_dead_letter_queue(
    personas: Any, committed: Any, settings: Any
) -> None:
    settings.NUDGE_RUN_CHUNK_SIZE = 10
    world = build_world(personas.tenant_a, customers=30)
    run = run_create(campaign=world.campaign)
    from runs.services import run_start

    run_start(run_id=run.pk)
    run_chunk_failed(run_id=run.pk, chunk_index=1, error="boom", final=True)
    run.refresh_from_db()
    assert run.status == "failed" and "Chunk 1" in run.error
    letter = DeadLetter.objects.get(run=run, kind="chunk")
    listed = (
        personas.client("viewer_a").get("/api/v1/dead-letters", {"status": "open"}).json()["data"]
    )
    assert [row["id"] for row in listed] == [letter.pk]
    assert_error(personas.client("viewer_a").post(f"/api/v1/dead-letters/{letter.pk}/retry"), 403)
    assert_error(personas.client("admin_b").post(f"/api/v1/dead-letters/{letter.pk}/retry"), 404)
    with committed():
        assert (
            personas.client("editor_a").post(f"/api/v1/dead-letters/{letter.pk}/retry").status_code
            == 200
        )
    for index in (0, 2):
        from runs.services import run_chunk_process

        with committed():
            run_chunk_process(run_id=run.pk, chunk_index=index)
    run.refresh_from_db()
    assert run.status == "completed", run.error
    assert_error(personas.client("admin_a").post(f"/api/v1/dead-letters/{letter.pk}/retry"), 409)
    assert (
        personas.client("admin_a").post(f"/api/v1/dead-letters/{letter.pk}/purge").json()["status"]
        == "purged"
    )


def test_reaper_hands_out_expired_chunks_again(
    personas: Any, committed: Any, settings: Any
) -> None:
    settings.NUDGE_RUN_CHUNK_SIZE = 10
    world = build_world(personas.tenant_a, customers=30)
    run = run_create(campaign=world.campaign)
    from runs.services import run_start

    run_start(run_id=run.pk)  # chunks planned, their tasks never delivered (a lost worker)
    RunChunk.objects.filter(run=run).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    Run.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(hours=1))
    with committed():
        report = runs_reap()
    assert report["chunks"] == 3
    run.refresh_from_db()
    assert run.status == "completed" and run.chunks_done == 3
    assert runs_reap() == {"pending": 0, "chunks": 0, "finalize": 0}

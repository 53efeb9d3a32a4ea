"""Campaign list, campaign page (run progress and results), status actions and the dashboard."""

from __future__ import annotations

import re
from typing import Any

import pytest

from campaigns.models import Campaign
from runs.models import DeadLetter, Run, RunResult
from tests.campaigns.factories import make_campaign

pytestmark = pytest.mark.django_db


def finished_run(campaign: Campaign, **overrides: Any) -> Run:
    fields: dict[str, Any] = {
        "tenant_id": campaign.tenant_id,
        "campaign": campaign,
        "status": Run.Status.COMPLETED,
        "total_customers": 3,
        "processed": 3,
        "stats": {"totalCustomers": 3, "processed": 3, "recommended": 2, "avgLatencyMs": 0.25},
        "summary": {
            "recommendations": 3,
            "byOffer": [
                {"id": "off_1", "name": "Gold Card", "count": 2},
                {"id": "off_2", "name": "Travel <Insurance>", "count": 1},
            ],
            "byChannel": [{"id": "ch_1", "name": "Email file", "count": 3}],
            "byCreative": [],
        },
        "snapshot": {
            "offers": {"off_1": {"name": "Gold Card"}, "off_2": {"name": "Travel <Insurance>"}},
            "channels": {"ch_1": {"name": "Email file"}},
            "creatives": {"cre_1": {"name": "Spring email"}},
        },
    }
    fields.update(overrides)
    run = Run.objects.create(**fields)
    for seq, (external_id, offer) in enumerate(
        [("CUST-001", "off_1"), ("CUST-002", "off_1"), ("VIP-003", "off_2")], start=1
    ):
        RunResult.objects.create(
            run=run,
            seq=seq,
            customer_id=seq,
            external_id=external_id,
            rank=1,
            offer_id=offer,
            channel_id="ch_1",
            creative_id="cre_1",
            score=0.9 - seq / 10,
        )
    return run


def test_list_search_status_filter_and_pagination(ui_client: Any, personas: Any) -> None:
    tenant = personas.tenant_a
    for n in range(23):
        make_campaign(tenant, name=f"Batch {n:02d}")
    make_campaign(tenant, name="Spring upsell", status="active")
    make_campaign(personas.tenant_b, name="Spring elsewhere")
    client = ui_client("viewer_a")

    first = client.get("/campaigns").content.decode()
    assert "Page 1 of 2" in first and "24 total" in first
    second = client.get("/campaigns?page=2").content.decode()
    assert second.count("<tr>") == 1 + 4  # header + the last 4

    found = client.get("/campaigns?q=spring").content.decode()
    assert "Spring upsell" in found and "Batch 00" not in found
    assert "Spring elsewhere" not in found

    active = client.get("/campaigns?status=active").content.decode()
    assert "Spring upsell" in active and "Batch 01" not in active
    assert client.get("/campaigns?status=bogus&page=999").status_code == 200


def test_list_shows_next_run_in_the_campaigns_timezone(ui_client: Any, personas: Any) -> None:
    make_campaign(
        personas.tenant_a,
        name="Daily Berlin",
        status="active",
        schedule_type="daily",
        schedule_time="07:15",
        schedule_timezone="Europe/Berlin",
    )
    html = ui_client("viewer_a").get("/campaigns").content.decode()
    assert re.search(r", 07:15 CES?T", html)


def test_campaign_page_shows_a_finished_run(ui_client: Any, personas: Any) -> None:
    campaign = make_campaign(personas.tenant_a, name="Cards")
    run = finished_run(campaign, file_path="/tmp/x.csv", file_format="csv", file_rows=3)
    html = ui_client("viewer_a").get(f"/campaigns/{campaign.pk}").content.decode()
    assert f"Run <code>{run.pk}</code>" in html
    assert 'id="stat-recommended">2<' in html
    # Charts: accessible inline SVG with a data table, names escaped.
    assert html.count('<svg class="bar-chart" role="img"') == 2
    assert '<title id="chart-offers-' in html
    assert "Travel &lt;Insurance&gt;" in html and "Travel <Insurance>" not in html
    assert "Show as a table" in html
    # Results and the file.
    assert "CUST-001" in html and "VIP-003" in html
    assert f'href="/api/v1/runs/{run.pk}/file"' in html
    assert 'id="run-progress"' not in html  # finished: no live progress


def test_results_are_searchable_and_paginated(ui_client: Any, personas: Any) -> None:
    campaign = make_campaign(personas.tenant_a)
    run = finished_run(campaign)
    client = ui_client("viewer_a")
    html = client.get(f"/campaigns/{campaign.pk}?run={run.pk}&q=VIP").content.decode()
    table = html[html.index('id="results-table"') :]
    assert "VIP-003" in table and "CUST-001" not in table
    none = client.get(f"/campaigns/{campaign.pk}?run={run.pk}&q=nobody").content.decode()
    assert "No customer id starts with" in none


def test_a_running_run_shows_a_live_progress_bar(ui_client: Any, personas: Any) -> None:
    campaign = make_campaign(personas.tenant_a)
    run = Run.objects.create(
        tenant_id=campaign.tenant_id,
        campaign=campaign,
        status=Run.Status.RUNNING,
        total_customers=200,
        processed=50,
        chunk_count=4,
        chunks_done=1,
    )
    client = ui_client("viewer_a")
    html = client.get(f"/campaigns/{campaign.pk}").content.decode()
    assert f'data-progress-url="/runs/{run.pk}/progress"' in html
    assert 'role="progressbar"' in html and 'aria-valuenow="23.8"' in html
    progress = client.get(f"/runs/{run.pk}/progress").json()
    assert progress == {
        "id": run.pk,
        "status": "running",
        "statusLabel": "Running",
        "finished": False,
        "percent": 23.8,
        "processed": 50,
        "total": 200,
        "chunksDone": 1,
        "chunkCount": 4,
        "error": "",
    }


def test_a_failed_run_shows_its_error(ui_client: Any, personas: Any) -> None:
    campaign = make_campaign(personas.tenant_a)
    Run.objects.create(
        tenant_id=campaign.tenant_id,
        campaign=campaign,
        status=Run.Status.FAILED,
        error="Segment view is gone <oops>",
    )
    html = ui_client("viewer_a").get(f"/campaigns/{campaign.pk}").content.decode()
    assert "The run failed" in html
    assert "Segment view is gone &lt;oops&gt;" in html


def test_another_tenants_run_is_not_shown(ui_client: Any, personas: Any) -> None:
    mine = make_campaign(personas.tenant_a)
    theirs = finished_run(make_campaign(personas.tenant_b))
    client = ui_client("viewer_a")
    assert client.get(f"/campaigns/{mine.pk}?run={theirs.pk}").status_code == 404
    assert client.get(f"/runs/{theirs.pk}/progress").status_code == 404


def test_status_actions(ui_client: Any, personas: Any) -> None:
    campaign = make_campaign(personas.tenant_a)
    client = ui_client("editor_a")

    def act(action: str) -> str:
        response = client.post(f"/campaigns/{campaign.pk}/{action}", follow=True)
        campaign.refresh_from_db()
        return response.content.decode()

    assert "cannot be paused" in act("pause").lower() or "only a active" in act("pause").lower()
    assert campaign.status == "draft"
    assert "is active" in act("activate") and campaign.status == "active"
    assert "paused" in act("pause") and campaign.status == "paused"
    assert "resumed" in act("resume") and campaign.status == "active"
    html = act("archive")
    assert "archived" in html and campaign.status == "archived"
    assert 'id="run-now"' not in html
    assert "cannot run" in act("run")
    edit = client.get(f"/campaigns/{campaign.pk}/edit")
    assert edit.status_code == 302  # archived campaigns are read-only


def test_run_now_creates_a_run_and_shows_it(
    ui_client: Any, personas: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runs import services

    monkeypatch.setattr(services, "_enqueue", lambda *args: None)  # the run stays pending
    campaign = make_campaign(personas.tenant_a, status="active")
    response = ui_client("editor_a").post(f"/campaigns/{campaign.pk}/run")
    run = campaign.runs.get()
    assert response["Location"] == f"/campaigns/{campaign.pk}?run={run.pk}#run"
    assert run.trigger == "manual" and run.requested_by == "editor_a"
    html = ui_client("editor_a").get(response["Location"]).content.decode()
    assert 'id="run-progress"' in html and "Pending" in html


def test_dashboard(ui_client: Any, personas: Any) -> None:
    active = make_campaign(
        personas.tenant_a,
        name="Daily cards",
        status="active",
        schedule_type="daily",
        schedule_timezone="America/New_York",
    )
    failed = Run.objects.create(
        tenant_id=active.tenant_id, campaign=active, status=Run.Status.FAILED, error="Boom"
    )
    DeadLetter.objects.create(
        tenant_id=active.tenant_id, run=failed, kind="chunk", reference="3", error="Timeout"
    )
    make_campaign(personas.tenant_b, name="B only", status="active")
    html = ui_client("viewer_a").get("/").content.decode()
    assert "Daily cards" in html and "B only" not in html
    assert re.search(r"09:00 E[SD]T", html)  # next scheduled run, in its timezone
    assert "Boom" in html and "Timeout" in html
    assert '<span class="kpi-value">1</span><span class="kpi-label">active campaigns' in html


def test_the_campaign_list_does_not_query_per_row(
    ui_client: Any, personas: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(15):
        campaign = make_campaign(personas.tenant_a, name=f"C{n}", status="active")
        finished_run(campaign)
    client = ui_client("viewer_a")
    client.get("/campaigns")  # warm the session
    with django_assert_max_num_queries(8):
        assert client.get("/campaigns").status_code == 200
    with django_assert_max_num_queries(13):
        assert client.get("/").status_code == 200


def test_json_endpoints(ui_client: Any, personas: Any) -> None:
    from audience.models import Customer
    from audience.services import segment_create, segment_refresh

    Customer.objects.create(tenant=personas.tenant_a, external_id="X1", attributes={"age": 30})
    segment = segment_create(
        tenant=personas.tenant_a,
        name="Thirties",
        filters=[{"field": "attributes.age", "operator": "gte", "value": 30}],
    )
    segment_refresh(segment=segment)
    other = segment_create(tenant=personas.tenant_b, name="B", filters=[])
    client = ui_client("viewer_a")
    counted = client.get(f"/segments/{segment.pk}/count").json()
    assert counted["count"] == 1 and counted["name"] == "Thirties"
    assert counted["countedAt"].startswith(str(segment.last_refreshed_at.year))
    assert client.get(f"/segments/{other.pk}/count").status_code == 404
    preview = client.get(
        "/campaigns/schedule-preview",
        {"scheduleType": "daily", "scheduleTime": "06:00", "scheduleTimezone": "Asia/Tokyo"},
    ).json()
    assert preview["ok"] and len(preview["runs"]) == 5
    assert preview["runs"][0]["local"].endswith("06:00 JST")

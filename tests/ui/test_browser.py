"""The marketer UI in a real browser (Debian's chromium via Playwright) against a live server.

The Run Now test uses a real Celery worker on a real Redis broker, so the progress bar moves
because another process is really doing the work."""

from __future__ import annotations

import csv
import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError

from audience.services import segment_refresh
from campaigns.models import Campaign
from core.services import entity_soft_delete
from creatives.models import Creative
from runs.models import Run, RunResult
from tests.conftest import PASSWORD
from tests.runs.world import build_world
from tests.ui.browser import log_in
from tests.ui.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_editor_creates_a_campaign_runs_it_and_downloads_the_file(
    page: Any,
    personas: Any,
    start_worker: Any,
    screenshot: Any,
    tmp_path: Path,
    settings: Any,
) -> None:
    world = build_world(personas.tenant_a, customers=1200)
    segment_refresh(segment=world.segment)  # its after-commit refresh went to the broker
    files_dir = tmp_path / "run-files"
    settings.NUDGE_RUN_FILES_DIR = files_dir
    worker = start_worker(NUDGE_RUN_CHUNK_SIZE="60", NUDGE_RUN_FILES_DIR=str(files_dir))

    log_in(page, "editor_a", PASSWORD)
    screenshot(page, "dashboard")
    page.get_by_role("link", name="+ New campaign").first.click()
    page.wait_for_url("**/campaigns/new")

    page.get_by_label("Name (optional)").fill("Autumn cross-sell")
    page.get_by_label("Decision flow").select_option(label=world.flow.name)
    page.get_by_label("Segment").select_option(label=world.segment.name)
    count = page.locator("#segment-count")
    page.wait_for_function(
        "() => !document.querySelector('#segment-count').textContent.includes('…')"
    )
    assert count.inner_text().startswith("1,200 customers in Adults (counted ")
    page.get_by_label("Weekly").check()
    page.get_by_label("Day of the week").select_option(label="Tuesday")
    page.get_by_label("Time of day").fill("07:30")
    page.get_by_label("Timezone").fill("Europe/Berlin")
    preview = page.locator("#schedule-preview li")
    preview.first.wait_for()
    page.wait_for_function(
        "() => document.querySelector('#schedule-preview .preview-description')"
        ".textContent.includes('Weekly on Tuesday at 07:30 (Europe/Berlin)')"
    )
    assert preview.count() == 5
    assert all(re.match(r"Tue \d\d \w{3} \d{4}, 07:30 CES?T", t) for t in preview.all_inner_texts())
    page.get_by_label("Max per run").fill("1000")
    page.locator("#f-channelIds").get_by_label("Email").check()
    # Column picker: add "rank", move it to the front; the sample row follows.
    page.get_by_role("checkbox", name="Rank rank").check()
    for _ in range(6):
        page.get_by_role("button", name="Move Rank up").click()
    headers = page.locator("#sample-table thead th").all_text_contents()
    assert headers == ["rank", "customer_id", "offer_name", "channel", "score", "creative"]
    screenshot(page, "new-campaign-form")
    page.get_by_role("button", name="Create campaign").click()

    page.wait_for_url(re.compile(r"/campaigns/cmp_[a-z0-9]+$"))
    campaign = Campaign.objects.get(name="Autumn cross-sell")
    assert campaign.file_config["columns"][:2] == ["rank", "customer_id"]
    assert campaign.schedule_day_of_week == 2 and campaign.schedule_timezone == "Europe/Berlin"
    page.get_by_text("Weekly on Tuesday at 07:30 (Europe/Berlin)").wait_for()

    page.get_by_role("button", name="Run now").click()
    page.wait_for_url(re.compile(r"\?run=run_"))
    run = campaign.runs.get()
    bar = page.locator("#run-progress [role=progressbar]")
    seen: list[float] = []
    deadline = time.monotonic() + 60
    while page.locator("#download-file, #run-error").count() == 0:
        assert time.monotonic() < deadline, f"the run did not finish; progress seen: {seen}"
        try:
            value = bar.get_attribute("aria-valuenow", timeout=500) if bar.count() else None
        except PlaywrightError:  # the page reloaded under us
            value = None
        if value is not None and (not seen or float(value) != seen[-1]):
            seen.append(float(value))
            if len(seen) == 2:
                screenshot(page, "run-in-progress")
        page.wait_for_timeout(50)
    run.refresh_from_db()
    assert run.status == "completed", run.error
    assert seen == sorted(seen), f"progress went backwards: {seen}"
    assert seen and seen[0] < 100, "the run should appear at once, before it finishes"
    done = page.locator(".progress-block.done [role=progressbar]")
    assert done.get_attribute("aria-valuenow") == "100.0"
    assert page.locator("#run-status").inner_text() == "Completed"
    recommended = run.stats["recommended"]
    assert page.locator("#stat-total").inner_text() == "1,200"
    assert page.locator("#stat-recommended").inner_text() == f"{recommended:,}"
    assert page.locator("svg.bar-chart").count() == 2
    screenshot(page, "run-results")

    with page.expect_download() as download_info:
        page.locator("#download-file").click()
    download = download_info.value
    path = download.path()
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert download.suggested_filename == f"{run.pk}.csv"
    assert rows[0] == ["rank", "customer_id", "offer_name", "channel", "score", "creative"]
    assert len(rows) - 1 == RunResult.objects.filter(run=run).count() == run.file_rows
    expected = list(
        RunResult.objects.filter(run=run).order_by("seq").values_list("external_id", "rank")
    )
    assert [(row[1], int(row[0])) for row in rows[1:]] == expected
    assert {row[3] for row in rows[1:]} <= {"Email", "SMS"}

    # Search the per-customer results.
    first_customer = expected[0][0]
    page.get_by_label("Customer id starts with").fill(first_customer)
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"q=" + first_customer))
    assert page.locator("#results-table tbody tr").count() == 1

    page.set_viewport_size(PHONE)
    screenshot(page, "run-results-phone")
    worker.kill()  # idle by now; a warm shutdown would only cost time


def test_viewer_sees_no_run_now(page: Any, personas: Any, screenshot: Any) -> None:
    world = build_world(personas.tenant_a, customers=5)
    Run.objects.create(
        tenant=personas.tenant_a, campaign=world.campaign, status="failed", error="Demo failure"
    )
    log_in(page, "viewer_a", PASSWORD)
    assert page.get_by_role("link", name="+ New campaign").count() == 0
    page.get_by_role("link", name="Campaigns", exact=True).click()
    page.get_by_role("link", name=world.campaign.name).click()
    page.get_by_role("heading", name=world.campaign.name).wait_for()
    assert page.get_by_role("button", name="Run now").count() == 0
    assert page.get_by_role("link", name="Edit").count() == 0
    assert page.locator("#campaign-actions").count() == 0
    assert "Demo failure" in page.locator("#run-error").inner_text()
    screenshot(page, "campaign-as-viewer")
    # The server refuses too, whatever the page shows.
    response = page.request.post(f"/campaigns/{world.campaign.pk}/run")
    assert response.status == 403
    assert not world.campaign.runs.exclude(status="failed").exists()


def test_an_invalid_schedule_shows_its_error_next_to_the_field(
    page: Any, personas: Any, screenshot: Any
) -> None:
    world = build_world(personas.tenant_a, customers=5)
    log_in(page, "editor_a", PASSWORD)
    page.goto("/campaigns/new")
    page.get_by_label("Decision flow").select_option(label=world.flow.name)
    page.get_by_label("Segment").select_option(label=world.segment.name)
    page.get_by_label("Daily").check()
    page.get_by_label("Timezone").fill("Mars/Olympus")
    # The live preview says what is wrong before the form is sent...
    page.locator("#schedule-preview").get_by_text("is not a known IANA timezone").wait_for()
    page.get_by_role("button", name="Create campaign").click()
    # ...and the server's answer puts the API's message right under the field.
    error = page.locator("#f-scheduleTimezone-error")
    error.wait_for()
    assert "'Mars/Olympus' is not a known IANA timezone" in error.inner_text()
    field = page.locator(".field", has=page.locator("#f-scheduleTimezone"))
    assert field.locator(".field-error").inner_text() == error.inner_text()
    timezone_input = page.get_by_label("Timezone")
    assert timezone_input.get_attribute("aria-invalid") == "true"
    assert "f-scheduleTimezone-error" in (timezone_input.get_attribute("aria-describedby") or "")
    assert timezone_input.input_value() == "Mars/Olympus"
    # The summary at the top links to the field, and the field keeps keyboard focus working.
    page.locator("#error-summary a", has_text="Timezone").click()
    assert page.evaluate("document.activeElement.id") == "f-scheduleTimezone"
    assert Campaign.objects.filter(tenant=personas.tenant_a).count() == 1  # only the world's
    screenshot(page, "invalid-schedule")
    page.set_viewport_size(PHONE)
    screenshot(page, "invalid-schedule-phone")


def test_an_admin_restores_a_soft_deleted_creative_in_the_admin(
    page: Any, personas: Any, screenshot: Any, django_user_model: Any
) -> None:
    world = build_world(personas.tenant_a, customers=2, offers=1)
    creative = Creative.objects.filter(tenant=personas.tenant_a).order_by("name").first()
    assert creative is not None
    entity_soft_delete(instance=creative)
    # Like the demo admin: tenant admin and Django admin superuser.
    django_user_model.objects.filter(pk=personas.admin_a.pk).update(
        is_staff=True, is_superuser=True
    )

    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("admin_a")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/admin/creatives/creative/?deleted=yes")
    screenshot(page, "admin-deleted-creatives")
    row = page.locator("#result_list tbody tr", has_text=creative.name)
    assert row.count() == 1
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label="Restore selected")
    page.get_by_role("button", name="Go").click()
    page.locator(".messagelist").get_by_text("Restored 1 object(s).").wait_for()
    screenshot(page, "admin-restored")
    creative.refresh_from_db()
    assert creative.deleted_at is None
    assert world.campaign.pk  # the world stays intact


UNLABELLED_INPUTS = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.name || el.id)"""


def test_every_page_is_labelled_keyboard_ready_and_fits_a_phone(
    page: Any, personas: Any, screenshot: Any
) -> None:
    """A tour of every marketer page at 1280 px and at phone width."""
    world = build_world(personas.tenant_a, customers=3, offers=2)
    log_in(page, "editor_a", PASSWORD)
    pages = {
        "dashboard": "/",
        "campaigns": "/campaigns",
        "campaign": f"/campaigns/{world.campaign.pk}",
        "new-campaign": "/campaigns/new",
        "creatives": "/creatives",
        "offers": "/offers",
        "segments": "/segments",
        "decision-flows": "/decision-flows",
    }
    for name, url in pages.items():
        page.set_viewport_size(DESKTOP)
        page.goto(url)
        assert page.evaluate(UNLABELLED_INPUTS) == [], name
        # The first Tab lands on the skip link, which then shows.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link", name
        screenshot(page, name)
        page.set_viewport_size(PHONE)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow}px wider than a phone"
        screenshot(page, f"{name}-phone")
    page.goto("/creatives")
    assert "Hi " in page.locator(".preview-parts").first.inner_text()

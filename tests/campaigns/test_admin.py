"""The campaigns admin: list, search, filters, the add form's validation, lifecycle actions,
"Run now" through the run-factory seam, soft-delete and restore."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from campaigns.models import Campaign, ScheduleState
from campaigns.scheduling import register_run_factory, run_factory
from tests.campaigns.factories import make_campaign, make_channel, make_flow, make_segment

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/campaigns/campaign/"


@pytest.fixture
def staff(personas: Any) -> Client:
    get_user_model().objects.filter(pk=personas.admin_a.pk).update(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(personas.admin_a)
    return client


def test_changelist_shows_schedule_and_next_run_and_searches(personas: Any, staff: Client) -> None:
    make_campaign(personas.tenant_a, name="Daily cards", status="active", schedule_type="daily")
    make_campaign(personas.tenant_a, name="Loans by hand")
    page = staff.get(CHANGELIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Daily cards" in html and "Daily at 09:00 (UTC)" in html and "Manual" in html
    found = staff.get(CHANGELIST, {"q": "loans"}).content.decode()
    assert "Loans by hand" in found and "Daily cards" not in found
    filtered = staff.get(CHANGELIST, {"status__exact": "active"}).content.decode()
    assert "Daily cards" in filtered and "Loans by hand" not in filtered


def test_campaigns_can_be_autocompleted_by_other_admins(personas: Any, staff: Client) -> None:
    make_campaign(personas.tenant_a, name="Findable")
    response = staff.get(
        "/admin/autocomplete/",
        {"term": "find", "app_label": "runs", "model_name": "run", "field_name": "campaign"},
    )
    if response.status_code == 403:  # the runs admin is not installed yet
        pytest.skip("runs admin not registered")
    assert "Findable" in response.content.decode()


def _form(personas: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "tenant": personas.tenant_a.pk,
        "name": "",
        "description": "",
        "status": "active",
        "decision_flow": make_flow(personas.tenant_a, name="Flow").pk,
        "segment": make_segment(personas.tenant_a, name="Segment").pk,
        "channel_ids": "",
        "schedule_type": "daily",
        "schedule_day_of_week": "",
        "schedule_day_of_month": "",
        "schedule_time": "07:00",
        "schedule_timezone": "Europe/Berlin",
        "schedule_cron": "",
        "frequency_caps": "{}",
        "file_config": '{"format": "json"}',
    }
    data.update(overrides)
    return data


def test_the_add_form_creates_through_the_service(personas: Any, staff: Client) -> None:
    response = staff.post(f"{CHANGELIST}add/", _form(personas))
    assert response.status_code == 302, response.content.decode()[:3000]
    campaign = Campaign.objects.get()
    assert campaign.name == "Flow for Segment"
    assert campaign.file_config["columns"]  # defaults filled in
    assert ScheduleState.objects.get(campaign=campaign).next_run_at is not None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"schedule_timezone": "Mars/Base"}, "IANA"),
        ({"schedule_time": "25:00"}, "HH:mm"),
        ({"schedule_type": "weekly"}, "Required for weekly"),
        ({"schedule_type": "monthly", "schedule_day_of_month": "29"}, "1-28"),
        ({"schedule_cron": "nope"}, "cron"),
        ({"file_config": '{"columns": ["shoe_size"]}'}, "shoe_size"),
        ({"file_config": '{"destination": "s3"}'}, "s3Path"),
        ({"frequency_caps": '{"maxPerOffer": 0}'}, "positive"),
    ],
)
def test_the_add_form_applies_the_api_rules(
    personas: Any, staff: Client, overrides: dict, message: str
) -> None:
    response = staff.post(f"{CHANGELIST}add/", _form(personas, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Campaign.objects.exists()


def test_the_add_form_refuses_other_tenants_targets(personas: Any, staff: Client) -> None:
    api_channel = make_channel(personas.tenant_a, delivery_mode="api")
    response = staff.post(
        f"{CHANGELIST}add/",
        _form(
            personas,
            decision_flow=make_flow(personas.tenant_b).pk,
            channel_ids=api_channel.pk,
        ),
    )
    html = response.content.decode()
    assert "Belongs to another tenant" in html and "Not batch channels" in html
    assert not Campaign.objects.exists()


def test_the_change_form_updates_and_bumps_the_version(personas: Any, staff: Client) -> None:
    campaign = make_campaign(personas.tenant_a, status="active", schedule_type="daily")
    page = staff.get(f"{CHANGELIST}{campaign.pk}/change/")
    assert page.status_code == 200
    data = _form(
        personas,
        name="Renamed",
        decision_flow=campaign.decision_flow_id,
        segment=campaign.segment_id,
    )
    data.pop("tenant")
    response = staff.post(f"{CHANGELIST}{campaign.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    campaign.refresh_from_db()
    assert (campaign.name, campaign.version, campaign.schedule_time) == ("Renamed", 2, "07:00")
    refused = staff.post(f"{CHANGELIST}{campaign.pk}/change/", {**data, "status": "draft"})
    assert refused.status_code == 200 and "cannot become draft" in refused.content.decode()


def _act(staff: Client, action: str, *campaigns: Campaign) -> Any:
    return staff.post(
        CHANGELIST,
        {"action": action, "_selected_action": [c.pk for c in campaigns]},
        follow=True,
    )


def test_pause_and_resume_actions(personas: Any, staff: Client) -> None:
    active = make_campaign(personas.tenant_a, status="active")
    draft = make_campaign(personas.tenant_a)
    page = _act(staff, "pause_selected", active, draft).content.decode()
    assert "Paused 1 campaign(s)" in page and "cannot be paused" in page
    active.refresh_from_db()
    assert active.status == "paused"
    _act(staff, "resume_selected", active)
    active.refresh_from_db()
    assert active.status == "active"
    _act(staff, "archive_selected", draft)
    draft.refresh_from_db()
    assert draft.status == "archived"


def test_run_now_calls_the_run_factory(personas: Any, staff: Client) -> None:
    campaign = make_campaign(personas.tenant_a)
    previous = run_factory()
    register_run_factory(None)
    try:
        page = _act(staff, "run_now_selected", campaign).content.decode()
        assert "no run factory" in page
    finally:
        register_run_factory(previous)

    class Run:
        pk = "run_demo"

    calls: list[dict] = []

    def factory(**kwargs: Any) -> Run:
        calls.append(kwargs)
        return Run()

    register_run_factory(factory)
    try:
        page = _act(staff, "run_now_selected", campaign).content.decode()
    finally:
        register_run_factory(previous)
    assert "run run_demo queued" in page
    assert calls == [
        {"campaign": campaign, "trigger": "manual", "requested_by": "user:admin_a", "slot_at": None}
    ]


def test_soft_delete_and_restore_actions(personas: Any, staff: Client) -> None:
    campaign = make_campaign(personas.tenant_a, status="active", schedule_type="daily")
    _act(staff, "soft_delete_selected", campaign)
    assert Campaign.all_objects.get(pk=campaign.pk).deleted_at is not None
    _act(staff, "restore_selected", campaign)
    assert Campaign.objects.filter(pk=campaign.pk).exists()


def test_fired_slots_are_listed_read_only(personas: Any, staff: Client) -> None:
    assert staff.get("/admin/campaigns/campaignslot/").status_code == 200
    assert staff.get("/admin/campaigns/campaignslot/add/").status_code == 403

"""Campaigns API (spec 000/002): the reusable suite, every validation rule, the spec's
examples, lifecycle actions, nextRunAt and the schedule endpoint."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from campaigns.models import DEFAULT_FILE_COLUMNS, Campaign
from tests.api_suite import EntityApiSuite, assert_error
from tests.campaigns.factories import make_campaign, make_channel, make_flow, make_segment

URL = "/api/v1/campaigns"
pytestmark = pytest.mark.django_db


def targets(personas: Any) -> dict[str, str]:
    return {
        "decisionFlowId": make_flow(personas.tenant_a).pk,
        "segmentId": make_segment(personas.tenant_a).pk,
    }


class TestCampaignApi(EntityApiSuite):
    url = URL
    model = Campaign
    entity_type = "campaign"
    pagination = "offset"
    unique_field = "name"
    roles = {"read": "viewer", "create": "editor", "update": "editor", "delete": "admin"}
    max_list_queries = 8

    def make(self, tenant: Any, **overrides: Any) -> Campaign:
        return make_campaign(tenant, **overrides)

    def create_payload(self, personas: Any) -> dict:
        return {
            **targets(personas),
            "name": "Weekly High-Value Campaign",
            "scheduleType": "weekly",
            "scheduleDayOfWeek": 1,
            "scheduleTime": "09:00",
            "scheduleTimezone": "America/New_York",
        }

    def update_payload(self, instance: Campaign) -> dict:
        return {"description": "Retuned for Q2", "scheduleTime": "10:30"}

    def invalid_payloads(self, personas: Any) -> list[tuple[dict, str]]:
        good = {**targets(personas), "name": "Bad one"}
        theirs_flow = make_flow(personas.tenant_b)
        theirs_segment = make_segment(personas.tenant_b)
        theirs_channel = make_channel(personas.tenant_b)
        api_channel = make_channel(personas.tenant_a, delivery_mode="api")

        def file(**config: Any) -> dict:
            return {**good, "fileConfig": config}

        return [
            ({k: v for k, v in good.items() if k != "decisionFlowId"}, "decisionFlowId"),
            ({k: v for k, v in good.items() if k != "segmentId"}, "segmentId"),
            ({**good, "decisionFlowId": theirs_flow.pk}, "decisionFlowId"),
            ({**good, "segmentId": theirs_segment.pk}, "segmentId"),
            ({**good, "decisionFlowId": "df_nope"}, "decisionFlowId"),
            ({**good, "decisionFlowId": 12}, "decisionFlowId"),
            ({**good, "name": ""}, "name"),
            ({**good, "name": "   "}, "name"),
            ({**good, "name": 7}, "name"),
            ({**good, "name": "x" * 256}, "name"),
            ({**good, "description": ["a"]}, "description"),
            ({**good, "status": "live"}, "status"),
            ({**good, "scheduleType": "hourly"}, "scheduleType"),
            ({**good, "scheduleTimezone": "Mars/Olympus_Mons"}, "scheduleTimezone"),
            ({**good, "scheduleTimezone": "localtime"}, "scheduleTimezone"),
            ({**good, "scheduleTimezone": 5}, "scheduleTimezone"),
            ({**good, "scheduleType": "monthly", "scheduleDayOfMonth": 29}, "scheduleDayOfMonth"),
            ({**good, "scheduleType": "monthly", "scheduleDayOfMonth": "31"}, "scheduleDayOfMonth"),
            (
                {**good, "scheduleType": "monthly", "scheduleDayOfMonth": "first"},
                "scheduleDayOfMonth",
            ),
            ({**good, "scheduleType": "monthly"}, "scheduleDayOfMonth"),
            ({**good, "scheduleTime": "25:00"}, "scheduleTime"),
            ({**good, "scheduleTime": "9:00"}, "scheduleTime"),
            ({**good, "scheduleTime": 900}, "scheduleTime"),
            ({**good, "scheduleType": "weekly"}, "scheduleDayOfWeek"),
            ({**good, "scheduleType": "weekly", "scheduleDayOfWeek": 7}, "scheduleDayOfWeek"),
            ({**good, "scheduleType": "weekly", "scheduleDayOfWeek": "1"}, "scheduleDayOfWeek"),
            ({**good, "scheduleType": "weekly", "scheduleDayOfWeek": True}, "scheduleDayOfWeek"),
            ({**good, "scheduleCron": "61 9 * * *"}, "scheduleCron"),
            ({**good, "scheduleCron": "0 9 * *"}, "scheduleCron"),
            ({**good, "scheduleCron": "0 0 30 2 *"}, "scheduleCron"),
            ({**good, "scheduleCron": 5}, "scheduleCron"),
            ({**good, "frequencyCaps": {"maxPerOffer": 0}}, "maxPerOffer"),
            ({**good, "frequencyCaps": {"maxTotalPerRun": -5}}, "maxTotalPerRun"),
            ({**good, "frequencyCaps": {"maxPerChannel": "10"}}, "maxPerChannel"),
            ({**good, "frequencyCaps": {"maxPerChannel": 2.5}}, "maxPerChannel"),
            ({**good, "frequencyCaps": {"maxPerDay": 10}}, "maxPerDay"),
            ({**good, "frequencyCaps": [1]}, "frequencyCaps"),
            ({**good, "fileConfig": "csv"}, "fileConfig"),
            (file(format="xml"), "format"),
            (file(columns=["customer_id", "shoe_size"]), "columns"),
            (file(columns=[]), "columns"),
            (file(columns=["score", "score"]), "columns"),
            (file(columns="customer_id"), "columns"),
            (file(columns=["customer_id", "personalization"]), "columns"),
            (file(includePersonalization="yes"), "includePersonalization"),
            (file(destination="ftp"), "destination"),
            (file(destination="s3"), "s3Path"),
            (file(destination="s3", s3Path=""), "s3Path"),
            (file(destination="s3", s3Path="https://bucket/x"), "s3Path"),
            (file(destination="s3", s3Path="s3://bucket/{tenant}/"), "s3Path"),
            (file(destination="s3", s3Path="s3://bucket/{run_date!r}/"), "s3Path"),
            (file(destination="s3", s3Path="s3://bucket/{run_date/"), "s3Path"),
            (file(compression="gzip"), "compression"),
            ({**good, "channelIds": [theirs_channel.pk]}, "channelIds"),
            ({**good, "channelIds": [api_channel.pk]}, "channelIds"),
            ({**good, "channelIds": ["ch_missing"]}, "channelIds"),
            ({**good, "channelIds": "ch_1"}, "channelIds"),
            ({**good, "channelIds": [1]}, "channelIds"),
            ({**good, "nmae": "typo"}, "nmae"),
        ]

    def test_list_query_count_does_not_grow_with_rows(self, personas: Any) -> None:
        # A fresh API key records its first use (one UPDATE); warm it so both requests match.
        personas.client("admin_a").get(self.url)
        super().test_list_query_count_does_not_grow_with_rows(personas)


# --- the spec's examples and defaults ------------------------------------------------------


def test_create_with_only_the_required_fields_gets_the_spec_defaults(personas: Any) -> None:
    flow = make_flow(personas.tenant_a, name="Q1 Cross-Sell")
    segment = make_segment(personas.tenant_a, name="High Value Customers")
    client = personas.client("editor_a")
    body = {"decisionFlowId": flow.pk, "segmentId": segment.pk}
    response = client.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["id"].startswith("cmp_")
    assert created["name"] == "Q1 Cross-Sell for High Value Customers"
    assert created["decisionFlowName"] == "Q1 Cross-Sell"
    assert created["segmentName"] == "High Value Customers"
    expected = {
        "description": "",
        "status": "draft",
        "scheduleType": "manual",
        "scheduleDayOfWeek": None,
        "scheduleDayOfMonth": None,
        "scheduleTime": "09:00",
        "scheduleTimezone": "UTC",
        "scheduleCron": None,
        "frequencyCaps": {},
        "fileConfig": {
            "format": "csv",
            "columns": list(DEFAULT_FILE_COLUMNS),
            "includePersonalization": False,
            "destination": "download",
            "s3Path": None,
        },
        "channelIds": [],
        "nextRunAt": None,
        "lastScheduledAt": None,
        "scheduleDescription": "Manual",
        "segmentCustomerCount": None,
        "version": 1,
        "deletedAt": None,
        "tenantId": personas.tenant_a.pk,
    }
    assert {key: created[key] for key in expected} == expected
    again = client.post(URL, body, format="json").json()
    assert again["name"] == "Q1 Cross-Sell for High Value Customers (2)"


@time_machine.travel("2026-03-10T12:00:00Z", tick=False)
def test_replays_the_spec_create_example_with_every_field(personas: Any) -> None:
    email_file = make_channel(personas.tenant_a, delivery_mode="file")
    call_centre = make_channel(personas.tenant_a, delivery_mode="manual")
    webhook = make_channel(personas.tenant_a, delivery_mode="integration")
    body = {
        **targets(personas),
        "name": "Weekly High-Value Campaign",
        "description": "Cross-sell to high-value customers every Monday",
        "status": "active",
        "scheduleType": "weekly",
        "scheduleDayOfWeek": 1,
        "scheduleTime": "09:00",
        "scheduleTimezone": "America/New_York",
        "frequencyCaps": {"maxTotalPerRun": 10000, "maxPerOffer": 2000, "maxPerChannel": 5000},
        "fileConfig": {
            "format": "csv",
            "columns": [
                "customer_id",
                "offer_name",
                "channel",
                "score",
                "creative",
                "personalization",
            ],
            "includePersonalization": True,
            "destination": "s3",
            "s3Path": "s3://bucket/campaigns/{campaign_id}/{run_date}/",
        },
        "channelIds": [email_file.pk, call_centre.pk, webhook.pk, email_file.pk],
    }
    response = personas.client("editor_a").post(URL, body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    for key, value in body.items():
        if key != "channelIds":
            assert created[key] == value, key
    assert created["channelIds"] == [email_file.pk, call_centre.pk, webhook.pk]
    # Monday 16 March 2026, 09:00 in New York (EDT since 8 March) is 13:00 UTC.
    assert created["nextRunAt"] == "2026-03-16T13:00:00Z"
    assert created["scheduleDescription"] == "Weekly on Monday at 09:00 (America/New_York)"
    detail = personas.client("viewer_a").get(f"{URL}/{created['id']}").json()
    assert detail == created


def test_monthly_day_of_month_is_a_string_and_accepts_an_integer(personas: Any) -> None:
    client = personas.client("editor_a")
    for sent, stored in ((15, "15"), ("15", "15"), ("last_working_day", "last_working_day")):
        body = {**targets(personas), "scheduleType": "monthly", "scheduleDayOfMonth": sent}
        response = client.post(URL, body, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["scheduleDayOfMonth"] == stored


def test_cron_is_accepted_without_a_schedule_type_and_normalised(personas: Any) -> None:
    body = {**targets(personas), "scheduleCron": " 0  9 * * 1 ", "scheduleTimezone": "Asia/Kolkata"}
    created = personas.client("editor_a").post(URL, body, format="json").json()
    assert created["scheduleCron"] == "0 9 * * 1"
    assert created["scheduleType"] == "manual"
    assert created["scheduleDescription"] == "Cron '0 9 * * 1' (Asia/Kolkata)"


def test_weekly_with_a_cron_needs_no_day(personas: Any) -> None:
    body = {**targets(personas), "scheduleType": "weekly", "scheduleCron": "0 9 * * 1"}
    assert personas.client("editor_a").post(URL, body, format="json").status_code == 201


def test_an_empty_frequency_cap_value_means_no_cap(personas: Any) -> None:
    body = {**targets(personas), "frequencyCaps": {"maxPerOffer": None, "maxPerChannel": 3}}
    created = personas.client("editor_a").post(URL, body, format="json").json()
    assert created["frequencyCaps"] == {"maxPerChannel": 3}


def test_an_s3_path_is_kept_when_the_destination_is_download(personas: Any) -> None:
    config = {"destination": "download", "s3Path": "s3://bkt/{run_id}.csv"}
    created = (
        personas.client("editor_a")
        .post(URL, {**targets(personas), "fileConfig": config}, format="json")
        .json()
    )
    assert created["fileConfig"]["s3Path"] == "s3://bkt/{run_id}.csv"


def test_read_only_fields_sent_back_are_ignored(personas: Any) -> None:
    campaign = make_campaign(personas.tenant_a)
    client = personas.client("editor_a")
    fetched = client.get(f"{URL}/{campaign.pk}").json()
    response = client.put(f"{URL}/{campaign.pk}", {**fetched, "description": "x"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["description"] == "x"


# --- update ----------------------------------------------------------------------------------


def test_put_retargets_the_flow_and_segment(personas: Any) -> None:
    campaign = make_campaign(personas.tenant_a)
    flow = make_flow(personas.tenant_a, name="New flow")
    segment = make_segment(personas.tenant_a, name="New segment")
    response = personas.client("editor_a").put(
        f"{URL}/{campaign.pk}", {"decisionFlowId": flow.pk, "segmentId": segment.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["decisionFlowId"], body["segmentId"]) == (flow.pk, segment.pk)
    assert (body["decisionFlowName"], body["segmentName"]) == ("New flow", "New segment")
    assert body["version"] == 2


def test_put_cannot_retarget_to_another_tenants_flow_or_segment(personas: Any) -> None:
    campaign = make_campaign(personas.tenant_a)
    client = personas.client("editor_a")
    for field, other in (
        ("decisionFlowId", make_flow(personas.tenant_b)),
        ("segmentId", make_segment(personas.tenant_b)),
    ):
        assert_error(
            client.put(f"{URL}/{campaign.pk}", {field: other.pk}, format="json"), 400, field
        )
    campaign.refresh_from_db()
    assert campaign.version == 1


def test_put_validates_against_the_stored_values(personas: Any) -> None:
    weekly = make_campaign(personas.tenant_a, schedule_type="weekly", schedule_day_of_week=2)
    client = personas.client("editor_a")
    assert_error(
        client.put(f"{URL}/{weekly.pk}", {"scheduleDayOfWeek": None}, format="json"),
        400,
        "scheduleDayOfWeek",
    )
    assert_error(
        client.put(f"{URL}/{weekly.pk}", {"scheduleType": "monthly"}, format="json"),
        400,
        "scheduleDayOfMonth",
    )
    ok = client.put(f"{URL}/{weekly.pk}", {"scheduleTime": "18:45"}, format="json")
    assert ok.status_code == 200 and ok.json()["scheduleDayOfWeek"] == 2


def test_put_replaces_the_whole_file_config(personas: Any) -> None:
    campaign = make_campaign(
        personas.tenant_a,
        file_config={
            "format": "json",
            "columns": ["customer_id", "rank"],
            "includePersonalization": False,
            "destination": "download",
            "s3Path": None,
        },
    )
    response = personas.client("editor_a").put(
        f"{URL}/{campaign.pk}",
        {"fileConfig": {"destination": "s3", "s3Path": "s3://exports/{campaign_id}/{run_date}/"}},
        format="json",
    )
    assert response.json()["fileConfig"] == {
        "format": "csv",
        "columns": list(DEFAULT_FILE_COLUMNS),
        "includePersonalization": False,
        "destination": "s3",
        "s3Path": "s3://exports/{campaign_id}/{run_date}/",
    }


def test_an_unchanged_put_keeps_the_version(personas: Any) -> None:
    campaign = make_campaign(personas.tenant_a, description="same")
    response = personas.client("editor_a").put(
        f"{URL}/{campaign.pk}", {"description": "same"}, format="json"
    )
    assert response.json()["version"] == 1


def test_a_deleted_campaign_cannot_be_updated(personas: Any) -> None:
    campaign = make_campaign(personas.tenant_a)
    admin = personas.client("admin_a")
    admin.delete(f"{URL}/{campaign.pk}")
    response = admin.put(
        f"{URL}/{campaign.pk}?includeDeleted=true", {"description": "x"}, format="json"
    )
    assert response.status_code in (404, 409)


# --- status lifecycle ------------------------------------------------------------------------


def action(client: Any, campaign: Campaign, verb: str) -> Any:
    return client.post(f"{URL}/{campaign.pk}/{verb}")


def test_pause_resume_archive_follow_the_lifecycle(personas: Any) -> None:
    campaign = make_campaign(personas.tenant_a, status="active")
    client = personas.client("editor_a")
    paused = action(client, campaign, "pause")
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    assert paused.json()["version"] == 2
    assert_error(action(client, campaign, "pause"), 409, "status")
    resumed = action(client, campaign, "resume")
    assert resumed.status_code == 200 and resumed.json()["status"] == "active"
    assert_error(action(client, campaign, "resume"), 409)
    archived = action(client, campaign, "archive")
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    for verb in ("pause", "resume", "archive"):
        assert_error(action(client, campaign, verb), 409)


def test_a_draft_cannot_be_paused_or_resumed_but_can_be_archived(personas: Any) -> None:
    campaign = make_campaign(personas.tenant_a)
    client = personas.client("editor_a")
    assert_error(action(client, campaign, "pause"), 409)
    assert_error(action(client, campaign, "resume"), 409)
    assert action(client, campaign, "archive").json()["status"] == "archived"


def test_actions_need_the_editor_role_and_the_tenant(personas: Any) -> None:
    campaign = make_campaign(personas.tenant_a, status="active")
    assert_error(action(personas.client("viewer_a"), campaign, "pause"), 403)
    assert_error(action(personas.client("admin_b"), campaign, "pause"), 404)
    assert_error(personas.client("editor_a").post(f"{URL}/cmp_missing/pause"), 404)
    campaign.refresh_from_db()
    assert campaign.status == "active"


def test_status_changes_by_put_obey_the_same_transitions(personas: Any) -> None:
    campaign = make_campaign(personas.tenant_a)
    client = personas.client("editor_a")
    assert_error(client.put(f"{URL}/{campaign.pk}", {"status": "paused"}, format="json"), 409)
    assert (
        client.put(f"{URL}/{campaign.pk}", {"status": "active"}, format="json").status_code == 200
    )
    assert (
        client.put(f"{URL}/{campaign.pk}", {"status": "archived"}, format="json").status_code == 200
    )
    assert_error(client.put(f"{URL}/{campaign.pk}", {"status": "active"}, format="json"), 409)
    assert_error(client.put(f"{URL}/{campaign.pk}", {"status": "draft"}, format="json"), 409)


def test_delete_is_for_admins_only(personas: Any) -> None:
    campaign = make_campaign(personas.tenant_a)
    assert_error(personas.client("editor_a").delete(f"{URL}/{campaign.pk}"), 403)
    assert personas.client("admin_a").delete(f"{URL}/{campaign.pk}").json() == {
        "success": True,
        "id": campaign.pk,
    }


# --- list filters ----------------------------------------------------------------------------


def test_list_filters_by_status_schedule_type_and_name(personas: Any) -> None:
    make_campaign(personas.tenant_a, name="Spring cards", status="active", schedule_type="daily")
    make_campaign(personas.tenant_a, name="Autumn loans", status="draft")
    make_campaign(personas.tenant_b, name="Spring cards", status="active", schedule_type="daily")
    client = personas.client("viewer_a")

    def names(**params: Any) -> list[str]:
        response = client.get(URL, params)
        assert response.status_code == 200, response.content
        return sorted(row["name"] for row in response.json()["data"])

    assert names(status="active") == ["Spring cards"]
    assert names(scheduleType="manual") == ["Autumn loans"]
    assert names(search="LOANS") == ["Autumn loans"]
    assert names(search="zzz") == []
    assert_error(client.get(URL, {"status": "live"}), 400, "status")
    assert_error(client.get(URL, {"scheduleType": "hourly"}), 400, "scheduleType")


# --- nextRunAt -------------------------------------------------------------------------------


def test_next_run_at_is_set_only_for_active_scheduled_campaigns(personas: Any) -> None:
    client = personas.client("editor_a")
    with time_machine.travel("2025-03-08T12:00:00Z", tick=False):
        body = {
            **targets(personas),
            "scheduleType": "daily",
            "scheduleTime": "09:00",
            "scheduleTimezone": "America/New_York",
        }
        created = client.post(URL, body, format="json").json()
        assert created["nextRunAt"] is None  # draft
        url = f"{URL}/{created['id']}"
        active = client.put(url, {"status": "active"}, format="json").json()
        assert active["nextRunAt"] == "2025-03-08T14:00:00Z"
    with time_machine.travel("2025-03-08T15:00:00Z", tick=False):
        # Today's slot has passed; tomorrow is after the spring-forward change (EDT).
        moved = client.put(url, {"scheduleTime": "09:30"}, format="json").json()
        assert moved["nextRunAt"] == "2025-03-09T13:30:00Z"
        assert action(client, Campaign(pk=created["id"]), "pause").json()["nextRunAt"] is None
    with time_machine.travel("2025-03-20T00:00:00Z", tick=False):
        resumed = action(client, Campaign(pk=created["id"]), "resume").json()
        assert resumed["nextRunAt"] == "2025-03-20T13:30:00Z"
        manual = client.put(url, {"scheduleType": "manual"}, format="json").json()
        assert manual["nextRunAt"] is None
        cron = client.put(url, {"scheduleCron": "0 6 * * 6"}, format="json").json()
        assert cron["nextRunAt"] == "2025-03-22T10:00:00Z"
        listed = {row["id"]: row for row in client.get(URL).json()["data"]}
        assert listed[created["id"]]["nextRunAt"] == "2025-03-22T10:00:00Z"


# --- GET /campaigns/{id}/schedule ------------------------------------------------------------


def test_schedule_lists_the_next_slots_in_utc_and_local_time(personas: Any) -> None:
    campaign = make_campaign(
        personas.tenant_a,
        schedule_type="daily",
        schedule_time="02:30",
        schedule_timezone="America/New_York",
    )
    response = personas.client("viewer_a").get(
        f"{URL}/{campaign.pk}/schedule", {"from": "2025-03-08T00:00:00Z", "count": 3}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["campaignId"] == campaign.pk
    assert body["firesOnSchedule"] is False  # a draft: slots are listed anyway
    assert body["from"] == "2025-03-08T00:00:00Z"
    assert body["data"] == [
        {"utc": "2025-03-08T07:30:00Z", "local": "2025-03-08T02:30:00-05:00", "timezone": "America/New_York"},
        {"utc": "2025-03-09T07:00:00Z", "local": "2025-03-09T03:00:00-04:00", "timezone": "America/New_York"},
        {"utc": "2025-03-10T06:30:00Z", "local": "2025-03-10T02:30:00-04:00", "timezone": "America/New_York"},
    ]  # fmt: skip


def test_schedule_from_is_inclusive_and_takes_any_offset(personas: Any) -> None:
    campaign = make_campaign(personas.tenant_a, schedule_type="daily", schedule_time="09:00")
    client = personas.client("viewer_a")
    url = f"{URL}/{campaign.pk}/schedule"
    for value in ("2025-06-01T09:00:00Z", "2025-06-01T11:00:00+02:00", "2025-06-01T09:00:00"):
        slots = client.get(url, {"from": value, "count": 1}).json()["data"]
        assert slots == [
            {"utc": "2025-06-01T09:00:00Z", "local": "2025-06-01T09:00:00+00:00", "timezone": "UTC"}
        ]
    # An unencoded "+" arrives as a space.
    slots = client.get(f"{url}?from=2025-06-01T11:00:00+02:00&count=1").json()["data"]
    assert slots[0]["utc"] == "2025-06-01T09:00:00Z"


def test_schedule_defaults_to_ten_slots_from_now(personas: Any) -> None:
    campaign = make_campaign(personas.tenant_a, schedule_type="weekly", schedule_day_of_week=0)
    with time_machine.travel("2025-06-02T00:00:00Z", tick=False):
        body = personas.client("viewer_a").get(f"{URL}/{campaign.pk}/schedule").json()
    assert len(body["data"]) == 10
    assert body["data"][0]["utc"] == "2025-06-08T09:00:00Z"
    assert body["schedule"] == "Weekly on Sunday at 09:00 (UTC)"


def test_schedule_of_a_manual_campaign_is_empty(personas: Any) -> None:
    campaign = make_campaign(personas.tenant_a)
    body = personas.client("viewer_a").get(f"{URL}/{campaign.pk}/schedule").json()
    assert body["data"] == [] and body["schedule"] == "Manual"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"from": "2025-13-01T00:00:00Z"}, "from"),
        ({"from": "0001-01-01T00:00:00Z"}, "from"),
        ({"from": "9999-12-31T23:59:59Z"}, "from"),
        ({"count": "abc"}, "count"),
        ({"count": 0}, "count"),
        ({"count": -3}, "count"),
    ],
)
def test_schedule_rejects_bad_parameters(personas: Any, params: dict, field: str) -> None:
    campaign = make_campaign(personas.tenant_a, schedule_type="daily")
    assert_error(
        personas.client("viewer_a").get(f"{URL}/{campaign.pk}/schedule", params), 400, field
    )


def test_schedule_count_is_capped_and_scoped_to_the_tenant(personas: Any) -> None:
    campaign = make_campaign(personas.tenant_a, schedule_cron="*/5 * * * *")
    url = f"{URL}/{campaign.pk}/schedule"
    assert len(personas.client("viewer_a").get(url, {"count": 500}).json()["data"]) == 100
    assert_error(personas.client("admin_b").get(url), 404)


def test_the_openapi_schema_describes_the_campaign_endpoints(personas: Any) -> None:
    schema = personas.client("viewer_a").get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/campaigns",
        "/api/v1/campaigns/{id}",
        "/api/v1/campaigns/{id}/pause",
        "/api/v1/campaigns/{id}/resume",
        "/api/v1/campaigns/{id}/archive",
        "/api/v1/campaigns/{id}/schedule",
    ):
        assert path in paths, sorted(p for p in paths if "campaign" in p)
    params = {p["name"] for p in paths["/api/v1/campaigns"]["get"]["parameters"]}
    assert {"limit", "offset", "status", "scheduleType", "search"} <= params

"""New/Edit Campaign: what the form saves, and that its inline errors are the API's errors."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from campaigns.models import Campaign
from tests.campaigns.factories import make_campaign, make_channel, make_flow, make_segment
from ui.campaign_form import flatten_errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(personas: Any) -> dict[str, Any]:
    tenant = personas.tenant_a
    return {
        "flow": make_flow(tenant, name="Cards NBA"),
        "segment": make_segment(tenant, name="Gold customers"),
        "file_channel": make_channel(tenant, delivery_mode="file", name="Email file"),
        "api_channel": make_channel(tenant, delivery_mode="api", name="Web API"),
        "other_flow": make_flow(personas.tenant_b, name="B flow"),
    }


def form_data(setup: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """What a browser sends for the form (unticked checkboxes are simply absent)."""
    data: dict[str, Any] = {
        "name": "Spring upsell",
        "description": "Gold customers, cards",
        "status": "draft",
        "decisionFlowId": setup["flow"].pk,
        "segmentId": setup["segment"].pk,
        "scheduleType": "weekly",
        "scheduleTime": "08:30",
        "scheduleTimezone": "Europe/Berlin",
        "scheduleDayOfWeek": "1",
        "scheduleDayOfMonth": "1",
        "scheduleCron": "",
        "frequencyCaps.maxTotalPerRun": "1000",
        "frequencyCaps.maxPerOffer": "",
        "frequencyCaps.maxPerChannel": "",
        "channelIds": [setup["file_channel"].pk],
        "fileConfig.format": "csv",
        "fileConfig.columns": ["customer_id", "offer_name", "score"],
        "fileConfig.destination": "download",
        "fileConfig.s3Path": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def error_for(page: str, key: str) -> str:
    """The inline error rendered next to the input for ``key`` ("" when none)."""
    element_id = "f-" + key.replace(".", "-") + "-error"
    match = re.search(rf'<p class="field-error" id="{re.escape(element_id)}">(.*?)</p>', page, re.S)
    return unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else ""


def test_the_form_creates_the_campaign_the_api_would(ui_client: Any, setup: dict) -> None:
    response = ui_client("editor_a").post("/campaigns/new", form_data(setup))
    campaign = Campaign.objects.get(name="Spring upsell")
    assert response.status_code == 302
    assert response["Location"] == f"/campaigns/{campaign.pk}"
    assert campaign.decision_flow == setup["flow"]
    assert campaign.segment == setup["segment"]
    assert campaign.status == "draft"
    assert (campaign.schedule_type, campaign.schedule_time, campaign.schedule_timezone) == (
        "weekly",
        "08:30",
        "Europe/Berlin",
    )
    assert campaign.schedule_day_of_week == 1
    assert campaign.schedule_day_of_month is None  # only the weekly part is kept
    assert campaign.frequency_caps == {"maxTotalPerRun": 1000}
    assert campaign.channel_ids == [setup["file_channel"].pk]
    assert campaign.file_config == {
        "format": "csv",
        "columns": ["customer_id", "offer_name", "score"],
        "includePersonalization": False,
        "destination": "download",
        "s3Path": None,
    }


def test_an_empty_name_is_generated_like_the_api_does(ui_client: Any, setup: dict) -> None:
    ui_client("editor_a").post("/campaigns/new", form_data(setup, name=""))
    assert Campaign.objects.filter(name="Cards NBA for Gold customers").exists()


def test_the_form_page_offers_only_this_tenants_choices(ui_client: Any, setup: dict) -> None:
    html = ui_client("editor_a").get("/campaigns/new").content.decode()
    assert "Cards NBA" in html and "Gold customers" in html and "Email file" in html
    assert "B flow" not in html
    assert "Web API" not in html  # api channels are not batch channels
    assert 'id="schedule-preview"' in html
    assert 'id="sample-table"' in html


INVALID = [
    ({"scheduleTimezone": "Mars/Olympus"}, "scheduleTimezone", "not a known IANA timezone"),
    ({"scheduleTime": "25:61"}, "scheduleTime", "HH:mm"),
    ({"scheduleCron": "every tuesday"}, "scheduleCron", "5 fields"),
    ({"scheduleType": "monthly", "scheduleDayOfMonth": "31"}, "scheduleDayOfMonth", "1-28"),
    ({"frequencyCaps.maxPerOffer": "0"}, "frequencyCaps.maxPerOffer", "positive integer"),
    ({"frequencyCaps.maxPerChannel": "lots"}, "frequencyCaps.maxPerChannel", "positive integer"),
    (
        {"fileConfig.columns": ["customer_id", "personalization"]},
        "fileConfig.columns",
        "includePersonalization",
    ),
    ({"fileConfig.columns": None}, "fileConfig.columns", "non-empty"),
    ({"fileConfig.destination": "s3"}, "fileConfig.s3Path", "Required"),
    (
        {"fileConfig.destination": "s3", "fileConfig.s3Path": "s3://Bad Bucket/x"},
        "fileConfig.s3Path",
        "s3://bucket",
    ),
    ({"decisionFlowId": ""}, "decisionFlowId", "required"),
    ({"segmentId": None}, "segmentId", "required"),
    ({"scheduleType": "hourly"}, "scheduleType", "valid choice"),
]


@pytest.mark.parametrize(("overrides", "key", "fragment"), INVALID)
def test_invalid_input_shows_its_error_next_to_the_field(
    ui_client: Any, setup: dict, overrides: dict, key: str, fragment: str
) -> None:
    response = ui_client("editor_a").post("/campaigns/new", form_data(setup, **overrides))
    html = response.content.decode()
    assert response.status_code == 400
    assert fragment.lower() in error_for(html, key).lower(), html
    assert 'id="error-summary"' in html
    assert not Campaign.objects.exists()


def test_another_tenants_ids_are_unknown(ui_client: Any, setup: dict) -> None:
    response = ui_client("editor_a").post(
        "/campaigns/new",
        form_data(
            setup, decisionFlowId=setup["other_flow"].pk, channelIds=[setup["api_channel"].pk]
        ),
    )
    html = response.content.decode()
    assert "does not exist" in error_for(html, "decisionFlowId")
    assert "delivery mode" in error_for(html, "channelIds")


def test_a_duplicate_name_is_reported_on_the_name(
    ui_client: Any, setup: dict, personas: Any
) -> None:
    make_campaign(personas.tenant_a, name="Spring upsell")
    response = ui_client("editor_a").post("/campaigns/new", form_data(setup))
    assert response.status_code == 400
    assert "already exists" in error_for(response.content.decode(), "name")


def test_what_was_typed_is_kept_after_an_error(ui_client: Any, setup: dict) -> None:
    html = (
        ui_client("editor_a")
        .post(
            "/campaigns/new", form_data(setup, scheduleTimezone="Mars/Olympus", description="Kept")
        )
        .content.decode()
    )
    assert 'value="Mars/Olympus"' in html
    assert ">Kept</textarea>" in html
    assert re.search(r'id="f-scheduleTimezone"[^>]*aria-invalid="true"', html)


@pytest.mark.parametrize(("overrides", "key", "fragment"), INVALID)
def test_form_and_api_flag_the_same_fields(
    ui_client: Any, api: Any, setup: dict, overrides: dict, key: str, fragment: str
) -> None:
    """The form is a front for the API: the same bad input is refused for the same reason."""
    from django.http import QueryDict

    from ui.campaign_form import payload_from_post

    post = QueryDict(mutable=True)
    for name, value in form_data(setup, **overrides).items():
        if isinstance(value, list):
            post.setlist(name, value)
        else:
            post[name] = value
    payload = payload_from_post(post, creating=True)
    api_response = api("editor_a").post("/api/v1/campaigns", payload, format="json")
    assert api_response.status_code == 400
    api_errors = flatten_errors(api_response.json()["error"]["details"])
    form_html = ui_client("editor_a").post("/campaigns/new", post).content.decode()
    assert key in api_errors
    assert error_for(form_html, key) == " ".join(api_errors[key])


def test_edit_shows_the_campaign_and_saves_changes(
    ui_client: Any, setup: dict, personas: Any
) -> None:
    campaign = make_campaign(
        personas.tenant_a,
        name="Old name",
        decision_flow=setup["flow"],
        segment=setup["segment"],
        file_config={"format": "json", "columns": ["score", "customer_id"]},
    )
    client = ui_client("editor_a")
    html = client.get(f"/campaigns/{campaign.pk}/edit").content.decode()
    assert 'value="Old name"' in html
    # Columns are listed in the campaign's file order first.
    assert html.index('value="score"') < html.index('value="customer_id"')
    response = client.post(
        f"/campaigns/{campaign.pk}/edit",
        form_data(
            setup,
            name="New name",
            status=None,
            scheduleType="daily",
            **{"fileConfig.columns": ["score", "customer_id"], "fileConfig.format": "json"},
        ),
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.name == "New name"
    assert campaign.schedule_type == "daily"
    assert campaign.schedule_day_of_week is None
    assert campaign.file_config["columns"] == ["score", "customer_id"]
    assert campaign.version == 2


def test_edit_errors_keep_the_campaign_unchanged(
    ui_client: Any, setup: dict, personas: Any
) -> None:
    campaign = make_campaign(personas.tenant_a, name="Stable")
    response = ui_client("editor_a").post(
        f"/campaigns/{campaign.pk}/edit", form_data(setup, name="", scheduleCron="61 * * * *")
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert error_for(html, "name")
    assert error_for(html, "scheduleCron")
    campaign.refresh_from_db()
    assert campaign.name == "Stable" and campaign.version == 1


def test_flatten_errors() -> None:
    assert flatten_errors(
        {
            "fileConfig": {"columns": ["a"], "nonFieldErrors": ["b"]},
            "channelIds": {0: ["c"], "1": ["d"]},
            "name": ["e"],
        }
    ) == {"fileConfig.columns": ["a"], "fileConfig": ["b"], "channelIds": ["c", "d"], "name": ["e"]}

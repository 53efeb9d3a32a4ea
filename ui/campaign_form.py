"""The New/Edit Campaign form on top of the API's own rules.

The browser form is turned into the API's JSON body and validated by
``campaigns.serializers.CampaignSerializer``, then saved by ``campaigns.services`` — exactly
what ``POST``/``PUT /api/v1/campaigns`` do — so the UI and the API can never disagree. The
serializer's (camelCase, possibly nested) errors are flattened to dotted keys such as
``fileConfig.columns`` and shown next to the input that owns them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, QueryDict

from campaigns.models import DEFAULT_FILE_COLUMNS, FILE_COLUMNS, FREQUENCY_CAP_KEYS, Campaign
from core.api.views import integrity_errors_as_api_errors
from core.errors import Conflict, NudgeError

# The form's inputs, in page order, with the wire key their errors come back under.
FIELD_ORDER = (
    "name",
    "description",
    "decisionFlowId",
    "segmentId",
    "status",
    "scheduleType",
    "scheduleTime",
    "scheduleTimezone",
    "scheduleDayOfWeek",
    "scheduleDayOfMonth",
    "scheduleCron",
    "frequencyCaps.maxTotalPerRun",
    "frequencyCaps.maxPerOffer",
    "frequencyCaps.maxPerChannel",
    "frequencyCaps",
    "channelIds",
    "fileConfig.format",
    "fileConfig.columns",
    "fileConfig.includePersonalization",
    "fileConfig.destination",
    "fileConfig.s3Path",
    "fileConfig",
)
FIELD_LABELS = {
    "name": "Name",
    "description": "Description",
    "decisionFlowId": "Decision flow",
    "segmentId": "Segment",
    "status": "Status",
    "scheduleType": "Schedule",
    "scheduleTime": "Time of day",
    "scheduleTimezone": "Timezone",
    "scheduleDayOfWeek": "Day of the week",
    "scheduleDayOfMonth": "Day of the month",
    "scheduleCron": "Cron expression",
    "frequencyCaps.maxTotalPerRun": "Max recommendations per run",
    "frequencyCaps.maxPerOffer": "Max per offer",
    "frequencyCaps.maxPerChannel": "Max per channel",
    "frequencyCaps": "Volume caps",
    "channelIds": "Batch channels",
    "fileConfig.format": "File format",
    "fileConfig.columns": "File columns",
    "fileConfig.includePersonalization": "Include personalization",
    "fileConfig.destination": "Destination",
    "fileConfig.s3Path": "S3 path",
    "fileConfig": "File output",
}
COLUMN_LABELS = {
    "customer_id": "Customer id",
    "offer_name": "Offer name",
    "offer_id": "Offer id",
    "channel": "Channel",
    "creative": "Creative",
    "score": "Score",
    "rank": "Rank",
    "category": "Category",
    "priority": "Priority",
    "personalization": "Personalization",
}
CAP_FIELDS = {f"frequencyCaps.{key}": key for key in FREQUENCY_CAP_KEYS}


def flatten_errors(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """``{"fileConfig": {"columns": ["x"]}, "channelIds": {0: ["y"]}}`` ->
    ``{"fileConfig.columns": ["x"], "channelIds": ["y"]}``."""
    flat: dict[str, list[str]] = {}

    def add(key: str, message: Any) -> None:
        flat.setdefault(key or "nonFieldErrors", []).append(str(message))

    def walk(node: Any, key: str) -> None:
        if isinstance(node, Mapping):
            for child_key, child in node.items():
                if isinstance(child_key, int) or str(child_key).isdigit():
                    walk(child, key)  # a list item's errors belong to the list's input
                elif child_key == "nonFieldErrors":
                    walk(child, key)
                else:
                    walk(child, f"{key}.{child_key}" if key else str(child_key))
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item, key)
        else:
            add(key, node)

    walk(errors, prefix)
    return flat


def _int_or_raw(text: str) -> Any:
    text = text.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    return text


def payload_from_post(post: QueryDict, *, creating: bool) -> dict[str, Any]:
    """The API body the form stands for. Values the browser cannot type as JSON (numbers) are
    converted; anything else is passed as typed so the API's message explains the problem."""
    payload: dict[str, Any] = {}
    name = post.get("name", "").strip()
    if name or not creating:
        payload["name"] = name
    payload["description"] = post.get("description", "")
    for key in ("decisionFlowId", "segmentId"):
        value = post.get(key, "")
        if value or not creating:  # on create, empty is "required" like a missing API field
            payload[key] = value or None
    if creating and post.get("status"):
        payload["status"] = post.get("status")
    kind = post.get("scheduleType", "manual")
    payload["scheduleType"] = kind
    payload["scheduleTime"] = post.get("scheduleTime", "").strip()
    payload["scheduleTimezone"] = post.get("scheduleTimezone", "").strip()
    day_of_week = post.get("scheduleDayOfWeek", "").strip()
    payload["scheduleDayOfWeek"] = (
        _int_or_raw(day_of_week) if kind == "weekly" and day_of_week else None
    )
    day_of_month = post.get("scheduleDayOfMonth", "").strip()
    payload["scheduleDayOfMonth"] = day_of_month if kind == "monthly" and day_of_month else None
    payload["scheduleCron"] = post.get("scheduleCron", "").strip()
    caps: dict[str, Any] = {}
    for form_key, wire_key in CAP_FIELDS.items():
        text = post.get(form_key, "").strip()
        if text:
            caps[wire_key] = _int_or_raw(text)
    payload["frequencyCaps"] = caps
    payload["channelIds"] = [value for value in post.getlist("channelIds") if value]
    s3_path = post.get("fileConfig.s3Path", "").strip()
    payload["fileConfig"] = {
        "format": post.get("fileConfig.format", "csv"),
        "columns": [value for value in post.getlist("fileConfig.columns") if value],
        "includePersonalization": post.get("fileConfig.includePersonalization") == "on",
        "destination": post.get("fileConfig.destination", "download"),
        "s3Path": s3_path or None,
    }
    return payload


def values_from_campaign(campaign: Campaign | None) -> dict[str, Any]:
    """What the form shows for an existing campaign (or the defaults of a new one)."""
    if campaign is None:
        return {
            "name": "",
            "description": "",
            "decisionFlowId": "",
            "segmentId": "",
            "status": "draft",
            "scheduleType": "manual",
            "scheduleTime": "09:00",
            "scheduleTimezone": "UTC",
            "scheduleDayOfWeek": "1",
            "scheduleDayOfMonth": "1",
            "scheduleCron": "",
            "caps": {key: "" for key in CAP_FIELDS},
            "channelIds": [],
            "file": {
                "format": "csv",
                "columns": list(DEFAULT_FILE_COLUMNS),
                "includePersonalization": False,
                "destination": "download",
                "s3Path": "",
            },
        }
    caps = campaign.frequency_caps or {}
    file_config = campaign.file_config or {}
    return {
        "name": campaign.name,
        "description": campaign.description,
        "decisionFlowId": campaign.decision_flow_id,
        "segmentId": campaign.segment_id,
        "status": campaign.status,
        "scheduleType": campaign.schedule_type,
        "scheduleTime": campaign.schedule_time,
        "scheduleTimezone": campaign.schedule_timezone,
        "scheduleDayOfWeek": ""
        if campaign.schedule_day_of_week is None
        else str(campaign.schedule_day_of_week),
        "scheduleDayOfMonth": campaign.schedule_day_of_month or "1",
        "scheduleCron": campaign.schedule_cron or "",
        "caps": {form: str(caps.get(wire) or "") for form, wire in CAP_FIELDS.items()},
        "channelIds": list(campaign.channel_ids or []),
        "file": {
            "format": file_config.get("format", "csv"),
            "columns": list(file_config.get("columns") or DEFAULT_FILE_COLUMNS),
            "includePersonalization": bool(file_config.get("includePersonalization")),
            "destination": file_config.get("destination", "download"),
            "s3Path": file_config.get("s3Path") or "",
        },
    }


def values_from_post(post: QueryDict, *, fallback: Mapping[str, Any]) -> dict[str, Any]:
    """Re-show exactly what was typed after a failed submit."""
    values = dict(fallback)
    for key in (
        "name",
        "description",
        "decisionFlowId",
        "segmentId",
        "status",
        "scheduleType",
        "scheduleTime",
        "scheduleTimezone",
        "scheduleDayOfWeek",
        "scheduleDayOfMonth",
        "scheduleCron",
    ):
        if key in post:
            values[key] = post.get(key, "")
    values["caps"] = {key: post.get(key, "") for key in CAP_FIELDS}
    values["channelIds"] = post.getlist("channelIds")
    values["file"] = {
        "format": post.get("fileConfig.format", "csv"),
        "columns": post.getlist("fileConfig.columns"),
        "includePersonalization": post.get("fileConfig.includePersonalization") == "on",
        "destination": post.get("fileConfig.destination", "download"),
        "s3Path": post.get("fileConfig.s3Path", ""),
    }
    return values


def column_choices(selected: list[str]) -> list[dict[str, Any]]:
    """Every column, the selected ones first in their file order, then the rest."""
    ordered = [c for c in selected if c in FILE_COLUMNS] + [
        c for c in FILE_COLUMNS if c not in selected
    ]
    return [{"key": c, "label": COLUMN_LABELS.get(c, c), "checked": c in selected} for c in ordered]


@dataclass
class SaveResult:
    campaign: Campaign | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.campaign is not None and not self.errors


def _domain_errors(exc: NudgeError) -> dict[str, list[str]]:
    flat = flatten_errors(exc.details) if exc.details else {}
    message = exc.message.lower()
    if (
        isinstance(exc, Conflict)
        and not flat
        and ("unique" in message or "already exists" in message)
    ):
        return {"name": ["A campaign with this name already exists in this tenant."]}
    return flat or {"nonFieldErrors": [exc.message]}


def save_campaign(
    request: HttpRequest, payload: dict[str, Any], *, instance: Campaign | None = None
) -> SaveResult:
    """Validate with the API serializer and save with the campaigns services."""
    from campaigns.serializers import CampaignSerializer
    from campaigns.services import campaign_create, campaign_update

    serializer = CampaignSerializer(
        instance=instance, data=payload, partial=instance is not None, context={"request": request}
    )
    if not serializer.is_valid():
        return SaveResult(errors=flatten_errors(serializer.errors))
    try:
        with integrity_errors_as_api_errors():
            if instance is None:
                campaign = campaign_create(
                    tenant=request.tenant,  # type: ignore[attr-defined]
                    data=dict(serializer.validated_data),
                )
            else:
                campaign = campaign_update(campaign=instance, data=dict(serializer.validated_data))
    except NudgeError as exc:
        return SaveResult(errors=_domain_errors(exc))
    return SaveResult(campaign=campaign)


def ordered_errors(errors: Mapping[str, list[str]]) -> list[tuple[str, str, list[str]]]:
    """(key, label, messages) in page order, for the error summary at the top of the form."""
    known = [key for key in FIELD_ORDER if key in errors]
    unknown = [key for key in errors if key not in FIELD_ORDER]
    return [(key, FIELD_LABELS.get(key, key), list(errors[key])) for key in known + unknown]

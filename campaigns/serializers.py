"""Wire format of campaigns (spec 000/002): camelCase, strict types, every field validated."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from audience.models import Segment
from campaigns import schedule as sched
from campaigns import validation
from campaigns.models import (
    BATCH_DELIVERY_MODES,
    FILE_COLUMNS,
    FILE_DESTINATIONS,
    FILE_FORMATS,
    Campaign,
)
from campaigns.scheduling import next_run_at_for_display
from catalog.models import Channel
from core.api.serializers import EntitySerializer, SafePrimaryKeyRelatedField
from decisioning.models import DecisionFlow

MAX_CHANNELS = 200


def _type_name(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array"}.get(
        type(value), "object" if isinstance(value, dict) else type(value).__name__
    )


class StrictCharField(serializers.CharField):
    """A string, never a number or boolean coerced to one."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            raise serializers.ValidationError(f"Must be a string, got {_type_name(data)}.")
        return super().to_internal_value(data)


class ScheduleTimeField(StrictCharField):
    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            sched.parse_time(value)
        except sched.ScheduleError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value


class TimezoneField(StrictCharField):
    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            sched.load_timezone(value)
        except sched.ScheduleError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value


class CronField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str | None:  # type: ignore[override]
        if not isinstance(data, str):
            raise serializers.ValidationError(f"Must be a string, got {_type_name(data)}.")
        if not data.strip():
            return None
        try:
            return sched.check_cron(data)
        except sched.ScheduleError as exc:
            raise serializers.ValidationError(str(exc)) from None


class DayOfWeekField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        try:
            return sched.parse_day_of_week(data)
        except sched.ScheduleError as exc:
            raise serializers.ValidationError(str(exc)) from None


@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "description": '"1".."28" or "last_working_day" (an integer 1-28 is accepted too).',
        "example": "last_working_day",
    }
)
class DayOfMonthField(serializers.Field):
    def to_internal_value(self, data: Any) -> str:
        try:
            return sched.parse_day_of_month(data)
        except sched.ScheduleError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def to_representation(self, value: Any) -> Any:
        return value


def inline_enum(choices: Any, description: str) -> Any:
    """A ChoiceField documented inline, so the OpenAPI enum never collides with another app's
    ``status`` enum of different values."""

    @extend_schema_field(
        {"type": "string", "enum": [value for value, _ in choices], "description": description}
    )
    class InlineChoiceField(serializers.ChoiceField):
        pass

    return InlineChoiceField


CampaignStatusField = inline_enum(
    Campaign.Status.choices, "draft (default), active, paused or archived."
)
ScheduleTypeField = inline_enum(
    Campaign.ScheduleType.choices, "manual (default), daily, weekly or monthly."
)


class _ValidatedObjectField(serializers.JSONField):
    def validate_value(self, data: Any) -> Any:
        raise NotImplementedError

    def to_internal_value(self, data: Any) -> Any:
        try:
            return self.validate_value(data)
        except validation.FieldErrors as exc:
            raise serializers.ValidationError(exc.errors) from None


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": False,
        "description": "Per-run volume limits; omit a key (or send null) for no limit.",
        "properties": {
            "maxTotalPerRun": {"type": "integer", "minimum": 1, "nullable": True},
            "maxPerOffer": {"type": "integer", "minimum": 1, "nullable": True},
            "maxPerChannel": {"type": "integer", "minimum": 1, "nullable": True},
        },
    }
)
class FrequencyCapsField(_ValidatedObjectField):
    def validate_value(self, data: Any) -> Any:
        return validation.frequency_caps(data)


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": False,
        "description": "Output file settings. A PUT replaces the whole object (defaults fill "
        "what is left out).",
        "properties": {
            "format": {"type": "string", "enum": list(FILE_FORMATS), "default": "csv"},
            "columns": {
                "type": "array",
                "items": {"type": "string", "enum": list(FILE_COLUMNS)},
                "minItems": 1,
                "uniqueItems": True,
                "description": "Columns in file order. 'personalization' requires "
                "includePersonalization: true.",
            },
            "includePersonalization": {"type": "boolean", "default": False},
            "destination": {
                "type": "string",
                "enum": list(FILE_DESTINATIONS),
                "default": "download",
            },
            "s3Path": {
                "type": "string",
                "nullable": True,
                "description": "Required for destination s3, e.g. "
                "s3://bucket/campaigns/{campaign_id}/{run_date}/ (placeholders: {campaign_id}, "
                "{run_date}, {run_id}).",
            },
        },
    }
)
class FileConfigField(_ValidatedObjectField):
    def validate_value(self, data: Any) -> Any:
        return validation.file_config(data)


class CampaignSerializer(EntitySerializer):
    """Unknown body fields are a 400 (a typo must not be silently ignored); read-only ones, as
    returned by GET, are accepted and ignored so a fetched object can be sent back."""

    name = StrictCharField(max_length=255, required=False, help_text="Auto-generated if omitted.")
    description = StrictCharField(required=False, allow_blank=True, max_length=10_000)
    decisionFlowId = SafePrimaryKeyRelatedField(
        source="decision_flow", queryset=DecisionFlow.objects.all()
    )
    segmentId = SafePrimaryKeyRelatedField(source="segment", queryset=Segment.objects.all())
    status = CampaignStatusField(choices=Campaign.Status.choices, required=False)
    scheduleType = ScheduleTypeField(
        source="schedule_type", choices=Campaign.ScheduleType.choices, required=False
    )
    scheduleDayOfWeek = DayOfWeekField(
        source="schedule_day_of_week",
        required=False,
        allow_null=True,
        min_value=0,
        max_value=6,
        help_text="0=Sunday .. 6=Saturday (weekly).",
    )
    scheduleDayOfMonth = DayOfMonthField(
        source="schedule_day_of_month", required=False, allow_null=True
    )
    scheduleTime = ScheduleTimeField(
        source="schedule_time", required=False, help_text="HH:mm, 24-hour, local time."
    )
    scheduleTimezone = TimezoneField(
        source="schedule_timezone", required=False, help_text="IANA timezone, e.g. Europe/Berlin."
    )
    scheduleCron = CronField(
        source="schedule_cron",
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="5-field cron in scheduleTimezone, e.g. '0 9 * * 1'. When set it defines the "
        "schedule, whatever scheduleType says.",
    )
    frequencyCaps = FrequencyCapsField(source="frequency_caps", required=False)
    fileConfig = FileConfigField(source="file_config", required=False)
    channelIds = serializers.ListField(
        source="channel_ids",
        child=StrictCharField(max_length=40),
        required=False,
        max_length=MAX_CHANNELS,
        help_text="Batch channels (file/integration/manual) to target; empty = all of them.",
    )
    decisionFlowName = serializers.CharField(source="decision_flow.name", read_only=True)
    segmentName = serializers.CharField(source="segment.name", read_only=True)
    segmentCustomerCount = serializers.IntegerField(
        source="segment.customer_count",
        read_only=True,
        allow_null=True,
        help_text="Customers in the segment at its last refresh (null before the first).",
    )
    scheduleDescription = serializers.SerializerMethodField()
    nextRunAt = serializers.SerializerMethodField()
    lastScheduledAt = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "tenantId",
            "name",
            "description",
            "decisionFlowId",
            "decisionFlowName",
            "segmentId",
            "segmentName",
            "segmentCustomerCount",
            "status",
            "scheduleType",
            "scheduleDayOfWeek",
            "scheduleDayOfMonth",
            "scheduleTime",
            "scheduleTimezone",
            "scheduleCron",
            "scheduleDescription",
            "frequencyCaps",
            "fileConfig",
            "channelIds",
            "nextRunAt",
            "lastScheduledAt",
            "version",
            "deletedAt",
            "createdAt",
            "updatedAt",
        ]

    # --- read-only extras ---------------------------------------------------------------------

    def get_scheduleDescription(self, obj: Campaign) -> str:
        return sched.describe(obj.schedule())

    @extend_schema_field(
        {
            "type": "string",
            "format": "date-time",
            "nullable": True,
            "description": "Next scheduled run (UTC); null unless active with a schedule.",
        }
    )
    def get_nextRunAt(self, obj: Campaign) -> str | None:
        value = next_run_at_for_display(obj)
        return serializers.DateTimeField().to_representation(value) if value else None

    @extend_schema_field(
        {
            "type": "string",
            "format": "date-time",
            "nullable": True,
            "description": "The latest schedule slot that fired (UTC).",
        }
    )
    def get_lastScheduledAt(self, obj: Campaign) -> str | None:
        state = getattr(obj, "schedule_state", None)
        value = state.last_scheduled_slot if state is not None else None
        return serializers.DateTimeField().to_representation(value) if value else None

    # --- validation ---------------------------------------------------------------------------

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("May not be blank.")
        return value.strip()

    def validate_channelIds(self, value: list[str]) -> list[str]:
        ids = list(dict.fromkeys(value))
        tenant = getattr(self.context.get("request"), "tenant", None)
        found = dict(
            Channel.objects.filter(tenant=tenant, pk__in=ids).values_list("pk", "delivery_mode")
        )
        problems = []
        for channel_id in ids:
            mode = found.get(channel_id)
            if mode is None:
                problems.append(f"Channel '{channel_id}' does not exist.")
            elif mode not in BATCH_DELIVERY_MODES:
                problems.append(
                    f"Channel '{channel_id}' has delivery mode '{mode}'; batch campaigns use "
                    f"{', '.join(BATCH_DELIVERY_MODES)} channels only."
                )
        if problems:
            raise serializers.ValidationError(problems)
        return ids

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Rules across fields, checked against the merged result of a partial update."""
        instance: Campaign | None = self.instance
        if attrs.get("schedule_cron") == "":
            attrs["schedule_cron"] = None

        def final(name: str, default: Any = None) -> Any:
            if name in attrs:
                return attrs[name]
            return getattr(instance, name) if instance is not None else default

        cron = final("schedule_cron")
        schedule_type = final("schedule_type", Campaign.ScheduleType.MANUAL)
        errors: dict[str, list[str]] = {}
        weekly = schedule_type == Campaign.ScheduleType.WEEKLY
        monthly = schedule_type == Campaign.ScheduleType.MONTHLY
        if not cron and weekly and final("schedule_day_of_week") is None:
            errors["scheduleDayOfWeek"] = ["Required for a weekly schedule (0=Sun..6=Sat)."]
        if not cron and monthly and final("schedule_day_of_month") is None:
            errors["scheduleDayOfMonth"] = [
                "Required for a monthly schedule (1-28 or last_working_day)."
            ]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

"""Wire shapes of the audience API (shapes only; the rules are in services and core.rules)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from audience.models import Customer, Segment
from core.api.serializers import EntitySerializer
from core.rules import OPERATORS

FILTER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["field", "operator"],
    "properties": {
        "field": {
            "type": "string",
            "description": "externalId, email, phone, firstName, lastName, country, timezone "
            "or attributes.<key>[.<key>...]",
            "example": "attributes.age",
        },
        "operator": {"type": "string", "enum": list(OPERATORS)},
        "value": {
            "description": "A number, string (ISO dates compare as dates) or boolean; a list "
            "for in/not_in; absent for is_null/is_not_null."
        },
    },
}
GROUP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Nested group",
    "required": ["filters"],
    "properties": {
        "combinator": {"type": "string", "enum": ["AND", "OR"]},
        "filters": {"type": "array", "items": {"type": "object"}},
    },
}
FILTERS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {"anyOf": [FILTER_SCHEMA, GROUP_SCHEMA]},
    "example": [{"field": "attributes.age", "operator": "gte", "value": 18}],
}


@extend_schema_field({"type": "object", "additionalProperties": True})
class JsonObjectField(serializers.JSONField):
    pass


@extend_schema_field(FILTERS_SCHEMA)
class FiltersField(serializers.JSONField):
    pass


class CustomerSerializer(EntitySerializer):
    """A customer. ``id`` is Nudge's (an integer, keyset order); ``externalId`` is yours."""

    attributes = JsonObjectField(
        required=False,
        allow_null=True,
        help_text="Any JSON object (at most 16 KiB); null clears it (stored and returned as {}).",
    )

    class Meta:
        model = Customer
        fields = [*EntitySerializer.BOOKKEEPING, *Customer.PROFILE_FIELDS]
        extra_kwargs = {
            "external_id": {"help_text": "Your id; unique per tenant among live customers."},
            "phone": {"help_text": "E.164 (+4791234567); spaces, dashes and 00 are normalized."},
            "country": {"help_text": "ISO 3166-1 alpha-2 (uppercased)."},
            "timezone": {"help_text": "IANA time zone, e.g. Europe/Oslo."},
        }


class BulkErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    externalId = serializers.CharField(allow_null=True)
    details = serializers.DictField()


class BulkResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    failed = serializers.IntegerField()
    errors = BulkErrorSerializer(many=True)  # type: ignore[assignment]


class SegmentSerializer(EntitySerializer):
    """A segment: a rule over customer fields, or a static member list (optionally narrowed by
    a rule). ``viewName`` is the PostgreSQL view holding its customers."""

    filters = FiltersField(required=False, help_text="Rule conditions; [] = every customer.")
    viewName = serializers.CharField(source="view_name", read_only=True)
    customerCount = serializers.IntegerField(
        source="customer_count",
        read_only=True,
        allow_null=True,
        help_text="As of lastRefreshedAt; POST .../refresh recounts.",
    )
    lastRefreshedAt = serializers.DateTimeField(
        source="last_refreshed_at", read_only=True, allow_null=True
    )

    class Meta:
        model = Segment
        fields = [
            *EntitySerializer.BOOKKEEPING,
            "name",
            "description",
            "segment_type",
            "combinator",
            "filters",
            "viewName",
            "customerCount",
            "lastRefreshedAt",
        ]


class RulePreviewRequestSerializer(serializers.Serializer):
    """Both fields are optional: no body (or ``{}``) previews every live customer."""

    combinator = serializers.ChoiceField(choices=["AND", "OR"], required=False, default="AND")
    filters = FiltersField(required=False, help_text="Absent: no condition (every customer).")


class PreviewSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    customers = CustomerSerializer(many=True)


class MembersRequestSerializer(serializers.Serializer):
    externalIds = serializers.ListField(
        child=serializers.CharField(max_length=128, allow_blank=True), max_length=10_000
    )
    mode = serializers.ChoiceField(choices=["add", "remove", "replace"], default="add")


class MembersResultSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    removed = serializers.IntegerField()
    unknownExternalIds = serializers.ListField(child=serializers.CharField())
    unknownCount = serializers.IntegerField()
    memberCount = serializers.IntegerField()

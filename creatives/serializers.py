"""Wire format of creatives (spec 003): camelCase, strict types, offer/channel/placement nested."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Channel, Offer, Placement
from core.api.serializers import EntitySerializer, SafePrimaryKeyRelatedField
from creatives.models import Creative, TemplateType
from creatives.validation import object_problems, personalization_problems, type_name


class StrictCharField(serializers.CharField):
    """A string, never a number or boolean coerced to one."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            raise serializers.ValidationError(f"Must be a string, got {type_name(data)}.")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """An integer, never a string, float or boolean."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise serializers.ValidationError(f"Must be an integer, got {type_name(data)}.")
        return super().to_internal_value(data)


@extend_schema_field({"type": "object", "additionalProperties": True})
class ObjectField(serializers.JSONField):
    """A JSON object (``{...}``)."""

    def to_internal_value(self, data: Any) -> Any:
        problems = object_problems(data)
        if problems:
            raise serializers.ValidationError(problems)
        return data


@extend_schema_field(
    {
        "type": "array",
        "maxItems": 500,
        "items": {
            "type": "object",
            "required": ["key", "source"],
            "additionalProperties": False,
            "properties": {
                "key": {"type": "string", "example": "first_name"},
                "source": {
                    "type": "string",
                    "description": "<root>.<path>[|fallback], root one of customer, offer, "
                    "channel, placement, creative",
                    "example": "customer.first_name|there",
                },
            },
        },
    }
)
class PersonalizationField(serializers.JSONField):
    def to_internal_value(self, data: Any) -> Any:
        problems = personalization_problems(data)
        if problems:
            raise serializers.ValidationError(problems)
        return data


@extend_schema_field({"oneOf": [{"type": "string", "maxLength": 255}, {"type": "integer"}]})
class CustomerRefField(serializers.Field):
    """A customer id (integer or digits) or externalId (string)."""

    def to_internal_value(self, data: Any) -> str | int:
        if isinstance(data, bool) or not isinstance(data, str | int):
            raise serializers.ValidationError(
                f"Must be a customer id or externalId, got {type_name(data)}."
            )
        if (isinstance(data, str) and not (0 < len(data) <= 255)) or "\x00" in str(data):
            raise serializers.ValidationError("Must be 1-255 characters without NUL.")
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class RefSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class CreativeSerializer(EntitySerializer):
    """Unknown body fields are a 400 (a typo must not be silently ignored); read-only ones, as
    returned by GET, are accepted and ignored so a fetched object can be sent back."""

    name = StrictCharField(max_length=255)
    offerId = SafePrimaryKeyRelatedField(source="offer", queryset=Offer.objects.all())
    channelId = SafePrimaryKeyRelatedField(source="channel", queryset=Channel.objects.all())
    placementId = SafePrimaryKeyRelatedField(
        source="placement", queryset=Placement.objects.all(), allow_null=True, required=False
    )
    contentItemId = StrictCharField(
        source="content_item_id", max_length=255, allow_null=True, required=False
    )
    templateType = serializers.ChoiceField(
        source="template_type",
        choices=TemplateType.choices,
        required=False,
    )
    content = ObjectField(required=False)
    personalization = PersonalizationField(required=False)
    constraints = ObjectField(required=False)
    abTestVariant = StrictCharField(
        source="ab_test_variant", max_length=255, allow_null=True, required=False
    )
    weight = StrictIntegerField(min_value=0, max_value=100, required=False)
    metrics = ObjectField(required=False)
    offer = RefSerializer(read_only=True)
    channel = RefSerializer(read_only=True)
    placement = RefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Creative
        fields = [
            "id",
            "tenantId",
            "name",
            "offerId",
            "channelId",
            "placementId",
            "contentItemId",
            "status",
            "templateType",
            "content",
            "personalization",
            "constraints",
            "abTestVariant",
            "weight",
            "metrics",
            "version",
            "deletedAt",
            "offer",
            "channel",
            "placement",
            "createdAt",
            "updatedAt",
        ]

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class CreativeUpdateSerializer(CreativeSerializer):
    """PUT body: every create field optional, plus the ``id`` of the creative to change."""

    id = serializers.CharField(max_length=40)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for name, field in fields.items():
            if name != "id" and not field.read_only:
                field.required = False
        return fields


class CreativePreviewSerializer(serializers.Serializer):
    customerId = CustomerRefField(
        required=False, help_text="A customer of this tenant: its id or its externalId."
    )
    customer = ObjectField(
        required=False,
        help_text="Inline sample customer: firstName/first_name, email, ..., attributes {...}.",
    )
    templateType = serializers.ChoiceField(
        choices=TemplateType.choices,
        required=False,
        help_text="Preview unsaved edits: overrides the creative's templateType.",
    )
    content = ObjectField(required=False, help_text="Overrides the creative's content.")
    personalization = PersonalizationField(
        required=False, help_text="Overrides the creative's personalization."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("customerId" in attrs) == ("customer" in attrs):
            raise serializers.ValidationError(
                {"customerId": ["Send exactly one of customerId or customer."]}
            )
        return attrs


class CreativePreviewResultSerializer(serializers.Serializer):
    creativeId = serializers.CharField()
    templateType = serializers.CharField()
    customerId = CustomerRefField(allow_null=True)
    content = serializers.DictField()
    values = serializers.DictField(child=serializers.CharField())
    fallbacks = serializers.ListField(child=serializers.CharField())
    unresolvedTokens = serializers.ListField(child=serializers.CharField())

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.api.serializers import (
    CamelModelSerializer,
    EntitySerializer,
    StrictCharField,
    StrictSlugField,
)
from core.errors import InvalidInput
from decisioning.models import DecisionFlow, DecisionFlowVersion, Interaction, OutcomeType

SLUG_HELP = "Letters, digits, hyphens and underscores; unique per tenant among live flows."


class DecisionFlowSerializer(EntitySerializer):
    key = StrictSlugField(max_length=100, help_text=SLUG_HELP)
    config = serializers.JSONField(
        required=False,
        help_text="The draft pipeline config (see the decisioning docs); validated strictly.",
    )
    publishedVersion = serializers.SerializerMethodField()
    publishedAt = serializers.SerializerMethodField()

    class Meta:
        model = DecisionFlow
        fields = [
            "id",
            "tenantId",
            "key",
            "name",
            "description",
            "status",
            "config",
            "publishedVersion",
            "publishedAt",
            "version",
            "deletedAt",
            "createdAt",
            "updatedAt",
        ]

    def get_publishedVersion(self, obj: DecisionFlow) -> int | None:
        version = obj.published_version
        return version.number if version else None

    def get_publishedAt(self, obj: DecisionFlow) -> Any:
        version = obj.published_version
        return (
            serializers.DateTimeField().to_representation(version.published_at) if version else None
        )

    def validate_config(self, value: Any) -> Any:
        from decisioning.services import flow_config_validate

        tenant = getattr(self.context.get("request"), "tenant", None)
        if tenant is None:
            raise serializers.ValidationError("No tenant for this request.")
        try:
            return flow_config_validate(tenant=tenant, config=value)
        except InvalidInput as exc:
            raise serializers.ValidationError(exc.details or exc.message) from exc


class DecisionFlowVersionSerializer(CamelModelSerializer):
    publishedBy = serializers.SerializerMethodField()

    class Meta:
        model = DecisionFlowVersion
        fields = [
            "id",
            "flow",
            "number",
            "config",
            "published_at",
            "publishedBy",
            "rolled_back_from",
            "note",
        ]
        read_only_fields = fields

    def get_publishedBy(self, obj: DecisionFlowVersion) -> str | None:
        user = obj.published_by
        return user.get_username() if user else None


class PublishSerializer(serializers.Serializer):
    note = StrictCharField(required=False, allow_blank=True, max_length=255, default="")


class RollbackSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=2_000_000_000)


class OutcomeTypeSerializer(EntitySerializer):
    key = StrictSlugField(max_length=64)

    class Meta:
        model = OutcomeType
        fields = [
            "id",
            "tenantId",
            "key",
            "name",
            "description",
            "version",
            "deletedAt",
            "createdAt",
            "updatedAt",
        ]

    def validate_key(self, value: str) -> str:
        from decisioning.flow_config import BUILTIN_OUTCOMES

        if value in BUILTIN_OUTCOMES:
            raise serializers.ValidationError("This is a built-in outcome.")
        if self.instance is not None and value != self.instance.key:
            raise serializers.ValidationError("The key of an outcome type cannot change.")
        return value


class InteractionSerializer(CamelModelSerializer):
    class Meta:
        model = Interaction
        fields = [
            "id",
            "customer",
            "recommendation_id",
            "offer",
            "category_id",
            "channel",
            "creative",
            "placement_id",
            "flow",
            "flow_version",
            "outcome",
            "rank",
            "score",
            "conversion_value",
            "related",
            "idempotency_key",
            "created_at",
        ]
        read_only_fields = fields


# --- recommend / respond -------------------------------------------------------------------


class StrictSerializer(serializers.Serializer):
    """Rejects unknown fields (a typo should not be silently ignored)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({k: ["Unknown field."] for k in unknown})
        return super().to_internal_value(data)


class RecommendRequestSerializer(StrictSerializer):
    customerId = serializers.CharField(max_length=255)
    decisionFlowKey = serializers.CharField(max_length=100, required=False)
    decisionFlowId = serializers.CharField(max_length=40, required=False)
    channel = serializers.CharField(
        max_length=255, required=False, help_text="Channel id, name or channel type."
    )
    placement = serializers.CharField(
        max_length=255, required=False, help_text="Placement id or name."
    )
    limit = serializers.IntegerField(min_value=1, max_value=50, required=False)
    context = serializers.DictField(  # type: ignore[assignment]
        required=False, help_text="What context.* rules read."
    )
    attributes = serializers.DictField(
        required=False, help_text="Customer attributes for this decision (not stored)."
    )
    debug = serializers.BooleanField(required=False, default=False)


def _plain_text(value: Any, max_length: int) -> bool:
    """A string DRF's CharField would take unchanged: ASCII (so no surrogates), no NUL,
    nothing to trim, not blank, not too long."""
    return (
        type(value) is str
        and 0 < len(value) <= max_length
        and value.isascii()
        and "\x00" not in value
        and value.strip() == value
    )


def recommend_body(data: dict[str, Any]) -> dict[str, Any]:
    """The validated ``/recommend`` body. A well-formed body of plain JSON values is taken as
    it is (the hot path skips building serializer fields per request); anything else goes
    through :class:`RecommendRequestSerializer`, which gives the errors. A property test proves
    both give the same result for every body the fast path accepts."""
    fast = _plain_recommend_body(data)
    if fast is not None:
        return fast
    body = RecommendRequestSerializer(data=data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


_TEXT_LIMITS = {
    "customerId": 255,
    "decisionFlowKey": 100,
    "decisionFlowId": 40,
    "channel": 255,
    "placement": 255,
}


def _plain_recommend_body(data: Any) -> dict[str, Any] | None:
    if type(data) is not dict or "customerId" not in data:
        return None
    out: dict[str, Any] = {"debug": False}
    for name, value in data.items():
        limit = _TEXT_LIMITS.get(name)
        if limit is not None:
            if not _plain_text(value, limit):
                return None
        elif name == "limit":
            if type(value) is not int or not 1 <= value <= 50:
                return None
        elif name in ("context", "attributes"):
            if type(value) is not dict:
                return None
            value = dict(value)
        elif name == "debug":
            if type(value) is not bool:
                return None
        else:
            return None
        out[name] = value
    return out


class DecisionSerializer(serializers.Serializer):
    offerId = serializers.CharField()
    offerName = serializers.CharField()
    categoryId = serializers.CharField(allow_null=True)
    categoryName = serializers.CharField(allow_null=True)
    channel = serializers.CharField(help_text="Channel name.")
    channelId = serializers.CharField()
    placementId = serializers.CharField(allow_null=True)
    creativeId = serializers.CharField()
    creativeName = serializers.CharField()
    content = serializers.JSONField()
    score = serializers.FloatField()
    rank = serializers.IntegerField()
    interactionId = serializers.CharField()


class RecommendResponseSerializer(serializers.Serializer):
    recommendationId = serializers.CharField()
    customerId = serializers.CharField()
    decisionFlowId = serializers.CharField()
    decisionFlowVersion = serializers.IntegerField()
    count = serializers.IntegerField()
    decisions = DecisionSerializer(many=True)
    trace = serializers.JSONField(required=False, help_text="Only with debug=true.")


class RespondRequestSerializer(StrictSerializer):
    customerId = serializers.CharField(max_length=255)
    recommendationId = serializers.CharField(max_length=40, required=False)
    interactionId = serializers.CharField(max_length=40, required=False)
    outcome = serializers.SlugField(max_length=64)
    offerId = serializers.CharField(max_length=40, required=False)
    channelId = serializers.CharField(max_length=40, required=False)
    conversionValue = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, min_value=0
    )
    idempotencyKey = serializers.CharField(max_length=255, required=False)
    context = serializers.DictField(required=False)  # type: ignore[assignment]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("recommendationId") and not attrs.get("interactionId"):
            raise serializers.ValidationError(
                {"recommendationId": ["recommendationId or interactionId is required."]}
            )
        return attrs


class RespondResponseSerializer(serializers.Serializer):
    interactionId = serializers.CharField()
    recommendationId = serializers.CharField(allow_null=True)
    customerId = serializers.CharField()
    offerId = serializers.CharField(allow_null=True)
    channelId = serializers.CharField(allow_null=True)
    outcome = serializers.CharField()
    conversionValue = serializers.CharField(allow_null=True)
    idempotencyKey = serializers.CharField()
    recorded = serializers.BooleanField(help_text="False when the key was seen before.")
    createdAt = serializers.DateTimeField()

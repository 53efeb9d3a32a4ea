"""Wire shapes of the catalog API. Shapes and types only; the domain rules are in services."""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog import schema
from catalog.models import Category, Channel, Offer, Placement
from catalog.provider_config import provider_config_masked
from core.api.serializers import EntitySerializer

ID_RE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


class TenantPkField(serializers.PrimaryKeyRelatedField):
    """A related id; anything that cannot be an id is "does not exist" without a query (a NUL
    byte would otherwise reach PostgreSQL and fail there). The queryset is limited to the
    request's tenant by ``CamelModelSerializer``."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not ID_RE.match(data):
            self.fail("does_not_exist", pk_value=data[:64])
        return super().to_internal_value(data)


class CategorySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name"]
        read_only_fields = fields


class ChannelSummarySerializer(serializers.ModelSerializer):
    channelType = serializers.CharField(source="channel_type", read_only=True)

    class Meta:
        model = Channel
        fields = ["id", "name", "channelType"]
        read_only_fields = fields


class CategorySerializer(EntitySerializer):
    """An offer category (business objective). Names are unique per tenant among live rows."""

    class Meta:
        model = Category
        fields = [*EntitySerializer.BOOKKEEPING, "name", "status", "ordinal"]


@extend_schema_field(schema.ELIGIBILITY)
class EligibilityField(serializers.JSONField):
    pass


@extend_schema_field(schema.JSON_OBJECT)
class JsonObjectField(serializers.JSONField):
    pass


class OfferSerializer(EntitySerializer):
    """Something a decision can recommend. Names are unique per tenant among live rows."""

    categoryId = TenantPkField(
        source="category",
        queryset=Category.objects.all(),
        allow_null=True,
        required=False,
        help_text="Category of the offer (its business objective), or null.",
    )
    category = CategorySummarySerializer(read_only=True, allow_null=True)
    businessValue = serializers.DecimalField(
        source="business_value",
        max_digits=14,
        decimal_places=2,
        min_value=0,
        coerce_to_string=False,
        required=False,
        help_text="Value of one acceptance, used by ranking (>= 0). Default 0.",
    )
    eligibility = EligibilityField(
        required=False, help_text="Who may receive the offer; {} means everyone."
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=64),
        max_length=50,
        required=False,
        help_text="Free labels (trimmed and de-duplicated); filter with ?tags=a,b.",
    )
    metadata = JsonObjectField(required=False, help_text="Any JSON object.")

    class Meta:
        model = Offer
        fields = [
            *EntitySerializer.BOOKKEEPING,
            "name",
            "description",
            "status",
            "categoryId",
            "category",
            "priority",
            "businessValue",
            "start_at",
            "end_at",
            "eligibility",
            "tags",
            "metadata",
        ]
        extra_kwargs = {
            "priority": {"help_text": "0-100, higher ranks first among equals. Default 50."},
            "start_at": {"help_text": "Not offered before this time (UTC). Null = no start."},
            "end_at": {"help_text": "Not offered from this time on; must be after startAt."},
        }


@extend_schema_field(schema.PROVIDER_CONFIG)
class ProviderConfigField(serializers.JSONField):
    """Reads the settings with each stored secret replaced by ``"********"``."""

    def get_attribute(self, instance: Channel) -> Any:
        return provider_config_masked(
            public=instance.provider_config, secrets=instance.provider_secrets
        )


class ChannelSerializer(EntitySerializer):
    """A delivery channel. Secrets inside providerConfig are write-only."""

    providerConfig = ProviderConfigField(
        source="provider_config",
        required=False,
        help_text=schema.PROVIDER_CONFIG["description"],
    )

    class Meta:
        model = Channel
        fields = [
            *EntitySerializer.BOOKKEEPING,
            "name",
            "channel_type",
            "delivery_mode",
            "providerConfig",
            "secrets_updated_at",
            "status",
        ]
        extra_kwargs = {
            "secrets_updated_at": {
                "help_text": "When a providerConfig secret was last set, replaced or removed."
            }
        }


class PlacementSerializer(EntitySerializer):
    """A slot within a channel. Names are unique per channel among live rows."""

    channelId = TenantPkField(source="channel", queryset=Channel.objects.all())
    channel = ChannelSummarySerializer(read_only=True)

    class Meta:
        model = Placement
        fields = [
            *EntitySerializer.BOOKKEEPING,
            "channelId",
            "channel",
            "name",
            "slot_type",
            "max_slots",
        ]

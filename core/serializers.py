from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from core.api.serializers import CamelModelSerializer, camel
from core.models import ApiKey, AuditLog, Membership, Tenant
from core.roles import Role


def camel_keys(data: Any) -> Any:
    if isinstance(data, dict):
        return {camel(k): v for k, v in data.items()}
    return data


class TenantSerializer(CamelModelSerializer):
    class Meta:
        model = Tenant
        fields = ["id", "name", "slug", "created_at"]
        read_only_fields = fields


class AuditLogSerializer(CamelModelSerializer):
    before = serializers.SerializerMethodField()
    after = serializers.SerializerMethodField()

    class Meta:
        model = AuditLog
        fields = [
            "id",
            "tenant_id",
            "entity_type",
            "entity_id",
            "action",
            "entity_version",
            "before",
            "after",
            "actor",
            "request_id",
            "created_at",
        ]
        read_only_fields = fields

    def get_before(self, obj: AuditLog) -> dict[str, Any] | None:
        return camel_keys(obj.before)

    def get_after(self, obj: AuditLog) -> dict[str, Any] | None:
        return camel_keys(obj.after)


class ApiKeySerializer(CamelModelSerializer):
    role = serializers.ChoiceField(choices=Role.choices, default=Role.VIEWER)
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "role",
            "prefix",
            "active",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at"]
        extra_kwargs = {"name": {"max_length": 255}}


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(
        read_only=True, help_text="The secret. Shown only in this response."
    )

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]


class MembershipSerializer(CamelModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.CharField(source="user.email", read_only=True)
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["id", "username", "email", "role", "created_at", "updated_at"]
        read_only_fields = ["id", "username", "email", "created_at", "updated_at"]


class MembershipCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)

    def validate_username(self, value: str) -> Any:
        user = get_user_model().objects.filter(username=value).first()
        if user is None:
            raise serializers.ValidationError(f"No user named '{value}'.")
        return user

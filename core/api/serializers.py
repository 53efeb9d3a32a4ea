"""Serializer bases: camelCase names on the wire, snake_case in Python, tenant-safe relations."""

from __future__ import annotations

from typing import Any

from django.db import models
from rest_framework import serializers
from rest_framework.validators import UniqueValidator


class SafePrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id that never reaches PostgreSQL when it cannot be one (a NUL byte or a
    kilobyte-long string would fail there): it is simply "does not exist"."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and ("\x00" in data or len(data) > 64):
            self.fail("does_not_exist", pk_value=data[:64].replace("\x00", ""))
        return super().to_internal_value(data)


class StrictStringMixin:
    """A JSON string only, and no longer than ``max_length`` as sent: DRF's CharField turns
    ``0`` into ``"0"`` and measures the length after trimming whitespace, neither of which the
    schema (``type: string``, ``maxLength``) allows."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")  # type: ignore[attr-defined]
        max_length = getattr(self, "max_length", None)
        if max_length is not None and len(data) > max_length:
            self.fail("max_length", max_length=max_length)  # type: ignore[attr-defined]
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictCharField(StrictStringMixin, serializers.CharField):
    pass


class StrictEmailField(StrictStringMixin, serializers.EmailField):
    pass


class StrictSlugField(StrictStringMixin, serializers.SlugField):
    pass


class StrictURLField(StrictStringMixin, serializers.URLField):
    pass


STRICT_STRING_FIELDS = {
    models.CharField: StrictCharField,
    models.TextField: StrictCharField,
    models.EmailField: StrictEmailField,
    models.SlugField: StrictSlugField,
    models.URLField: StrictURLField,
}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class CamelModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose field names are camelCase (``deleted_at`` -> ``deletedAt``,
    FK ``offer`` -> ``offerId``, M2M ``channels`` -> ``channelIds``).

    Related-object choices are limited to the request's tenant, so another tenant's id is
    "does not exist". Uniqueness is left to the database so a duplicate is a 409, not a 400.
    """

    serializer_related_field = SafePrimaryKeyRelatedField
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        **STRICT_STRING_FIELDS,
    }

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        tenant = getattr(self.context.get("request"), "tenant", None)
        renamed: dict[str, serializers.Field] = {}
        for name, field in fields.items():
            wire = name
            if name not in self._declared_fields:
                if isinstance(field, serializers.PrimaryKeyRelatedField):
                    wire = camel(name) + "Id"
                elif isinstance(field, serializers.ManyRelatedField):
                    wire = camel(name[:-1] if name.endswith("s") else name) + "Ids"
                else:
                    wire = camel(name)
            if wire != name and field.source is None:
                field.source = name
            self._scope_to_tenant(field, tenant)
            field.validators = [v for v in field.validators if not isinstance(v, UniqueValidator)]
            renamed[wire] = field
        return renamed

    @staticmethod
    def _scope_to_tenant(field: serializers.Field, tenant: Any) -> None:
        relation: Any = getattr(field, "child_relation", field)
        queryset = getattr(relation, "queryset", None)
        if queryset is None or tenant is None:
            return
        if any(f.name == "tenant" for f in queryset.model._meta.fields):
            relation.queryset = queryset.filter(tenant=tenant)

    def get_validators(self) -> list[Any]:
        return []


class EntitySerializer(CamelModelSerializer):
    """Base for ConfigEntity models: the bookkeeping fields are always present and read-only."""

    tenantId = serializers.CharField(source="tenant_id", read_only=True)
    version = serializers.IntegerField(read_only=True)
    deletedAt = serializers.DateTimeField(source="deleted_at", read_only=True, allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at", read_only=True)
    updatedAt = serializers.DateTimeField(source="updated_at", read_only=True)

    BOOKKEEPING = ("id", "tenantId", "version", "deletedAt", "createdAt", "updatedAt")


class SuccessSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    id = serializers.CharField()

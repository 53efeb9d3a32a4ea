"""Abstract base models every configuration entity is built from.

- ``TenantScopedModel``: belongs to one tenant; API and selectors always filter by it.
- ``SoftDeleteModel``: ``deleted_at`` instead of removal; ``objects`` hides deleted rows,
  ``all_objects`` shows them. Unique names use partial constraints (``live_unique``).
- ``VersionedModel``: ``version`` is bumped by a database trigger on every real change, so
  bulk ``.update()`` counts too.
- ``AuditedModel``: a database trigger writes a before/after row to ``core_auditlog`` in the
  same transaction as the change (create/update/soft_delete/restore/delete).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class TenantScopedModel(models.Model):
    tenant = models.ForeignKey("core.Tenant", on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


class SoftDeleteQuerySet(models.QuerySet):
    def alive(self) -> SoftDeleteQuerySet:
        return self.filter(deleted_at__isnull=True)

    def deleted(self) -> SoftDeleteQuerySet:
        return self.filter(deleted_at__isnull=False)


class SoftDeleteManager(models.Manager.from_queryset(SoftDeleteQuerySet)):  # type: ignore[misc]
    def get_queryset(self) -> SoftDeleteQuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


AllObjectsManager = models.Manager.from_queryset(SoftDeleteQuerySet)


class SoftDeleteModel(models.Model):
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True, editable=False)

    objects = SoftDeleteManager()
    all_objects = AllObjectsManager()

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class VersionedModel(models.Model):
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class AuditedModel(models.Model):
    """Marker: concrete subclasses set ``entity_type`` (the API's ``entityType``)."""

    entity_type: ClassVar[str]
    audit_exclude_columns: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True


class ConfigEntity(
    TenantScopedModel, SoftDeleteModel, VersionedModel, AuditedModel, TimeStampedModel
):
    """Tenant-scoped, soft-deletable, versioned and audited: the default for configuration."""

    class Meta:
        abstract = True


def live_unique(*fields: str, name: str) -> models.UniqueConstraint:
    """A unique constraint that ignores soft-deleted rows, so a deleted row frees its name."""
    return models.UniqueConstraint(
        fields=list(fields), condition=Q(deleted_at__isnull=True), name=name
    )


def snapshot(instance: models.Model) -> dict[str, Any]:
    """A JSON-ready dict of the instance's concrete columns (for previews and tests)."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    data = {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))

"""Reads shared by every app."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from core.errors import InvalidInput, NotFound
from core.models import AuditLog, Tenant
from core.registry import audited_entity_types, soft_deletable_models


def soft_deletable_for(*, tenant: Tenant, entity_type: str, entity_id: str) -> Any:
    models_by_type = soft_deletable_models()
    model = models_by_type.get(entity_type)
    if model is None:
        raise InvalidInput(
            f"Unknown entityType '{entity_type}'",
            details={"entityType": [f"Must be one of: {', '.join(sorted(models_by_type))}."]},
        )
    try:
        instance = model.all_objects.filter(tenant=tenant, pk=entity_id).first()
    except (ValueError, TypeError, ValidationError):  # e.g. "abc" for an integer id
        instance = None
    if instance is None:
        raise NotFound(f"{entity_type} '{entity_id}' not found")
    return instance


def audit_log_list(
    *, tenant: Tenant, entity_type: str | None = None, entity_id: str | None = None
) -> QuerySet[AuditLog]:
    if entity_type and entity_type not in audited_entity_types():
        raise InvalidInput(
            f"Unknown entityType '{entity_type}'",
            details={"entityType": [f"Must be one of: {', '.join(audited_entity_types())}."]},
        )
    qs = AuditLog.objects.filter(tenant_id=tenant.pk)
    if entity_type:
        qs = qs.filter(entity_type=entity_type)
    if entity_id:
        qs = qs.filter(entity_id=entity_id)
    return qs.order_by("-id")

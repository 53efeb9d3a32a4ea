"""Writes on creatives. Version bumps and audit rows come from the database triggers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError

from core.api.serializers import camel
from core.errors import InvalidInput
from core.models import Tenant
from core.services import entity_soft_delete, model_update
from creatives.models import Creative

CREATIVE_FIELDS = [
    "name",
    "offer",
    "channel",
    "placement",
    "content_item_id",
    "status",
    "template_type",
    "content",
    "personalization",
    "constraints",
    "ab_test_variant",
    "weight",
    "metrics",
]
_RELATIONS = {"offer", "channel", "placement"}


def wire_name(field: str) -> str:
    """Model field name -> the API's field name (``placement`` -> ``placementId``)."""
    if field == "__all__":
        return "nonFieldErrors"
    return camel(field) + ("Id" if field in _RELATIONS else "")


def _invalid(exc: DjangoValidationError) -> InvalidInput:
    details = {wire_name(name): messages for name, messages in exc.message_dict.items()}
    first = next(iter(details.items()))
    return InvalidInput(f"Validation failed: {first[0]}: {first[1][0]}", details=details)


def creative_create(
    *, tenant: Tenant, name: str, offer: Any, channel: Any, **fields: Any
) -> Creative:
    """Create a creative; a duplicate live name surfaces as an IntegrityError (the API's 409)."""
    unknown = set(fields) - set(CREATIVE_FIELDS)
    if unknown:
        raise TypeError(f"unknown creative field(s): {', '.join(sorted(unknown))}")
    creative = Creative(tenant=tenant, name=name, offer=offer, channel=channel, **fields)
    try:
        creative.full_clean(validate_unique=False, validate_constraints=False)
    except DjangoValidationError as exc:
        raise _invalid(exc) from exc
    creative.save(force_insert=True)
    return creative


def creative_update(*, creative: Creative, data: dict[str, Any]) -> Creative:
    """Change only the fields in ``data`` (model field names)."""
    unknown = set(data) - set(CREATIVE_FIELDS)
    if unknown:
        raise TypeError(f"unknown creative field(s): {', '.join(sorted(unknown))}")
    try:
        creative, _ = model_update(instance=creative, fields=CREATIVE_FIELDS, data=data)
    except DjangoValidationError as exc:
        raise _invalid(exc) from exc
    return creative


def creative_delete(*, creative: Creative) -> Creative:
    """Soft-delete; a creative already deleted is a 400 per spec 003 (not the generic 409)."""
    if creative.deleted_at is not None:
        raise InvalidInput(
            f"Creative '{creative.pk}' is already deleted.",
            details={"id": [f"Creative '{creative.pk}' is already deleted."]},
        )
    entity_soft_delete(instance=creative)
    return creative

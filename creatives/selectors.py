"""Reads on creatives."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet

from core.errors import InvalidInput
from core.models import Tenant
from creatives.models import Creative

ID_RE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


def creative_list(*, tenant: Tenant, include_deleted: bool = False) -> QuerySet[Creative]:
    manager = Creative.all_objects if include_deleted else Creative.objects
    return manager.filter(tenant=tenant).select_related("offer", "channel", "placement")


def creative_by_body_id(*, tenant: Tenant, value: Any, field: str = "id") -> Creative:
    """The creative named by an ``id`` in a body or query string (spec 003: unknown is a 400,
    not a 404). Soft-deleted ones are returned; callers decide what that means."""
    if value is None or value == "":
        raise InvalidInput(f"{field} is required", details={field: ["This field is required."]})
    if not isinstance(value, str) or not ID_RE.match(value):
        raise InvalidInput(
            f"{field} is not a valid creative id", details={field: ["Not a valid creative id."]}
        )
    creative = creative_list(tenant=tenant, include_deleted=True).filter(pk=value).first()
    if creative is None:
        message = f"Creative '{value}' does not exist."
        raise InvalidInput(message, details={field: [message]})
    return creative

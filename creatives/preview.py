"""Preview: render a creative for one customer (a stored one, or an inline sample)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models

from core.errors import InvalidInput
from core.models import Tenant
from creatives.models import Creative
from creatives.rendering import compile_creative

CUSTOMER_MODEL = "audience.Customer"
_HIDDEN = {"tenant", "tenant_id", "deleted_at", "version"}
_CAMEL_BOUNDARY = re.compile(r"(?<!^)(?=[A-Z])")


def entity_source(obj: models.Model | None) -> dict[str, Any] | None:
    """A model row as a personalization source (``offer.name``, ``offer.metadata.x``).

    Bookkeeping columns and the model's ``audit_exclude_columns`` (secrets such as a channel's
    ``provider_secrets``) are left out, so a template can never print them.
    """
    if obj is None:
        return None
    hidden = _HIDDEN | set(getattr(type(obj), "audit_exclude_columns", ()))
    return {
        (f.attname if f.is_relation else f.name): getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.name not in hidden and f.attname not in hidden
    }


def sources_for(creative: Creative) -> dict[str, Any]:
    """What ``offer.*``, ``channel.*``, ``placement.*`` and ``creative.*`` resolve against."""
    own = entity_source(creative) or {}
    for name in ("content", "personalization"):
        own.pop(name, None)
    return {
        "offer": entity_source(creative.offer),
        "channel": entity_source(creative.channel),
        "placement": entity_source(creative.placement),
        "creative": own,
    }


def sample_customer(data: Mapping[str, Any]) -> dict[str, Any]:
    """An inline sample: top-level camelCase keys (``firstName``) become snake_case like the
    customer columns; ``attributes`` is kept as sent."""
    return {_CAMEL_BOUNDARY.sub("_", key).lower(): value for key, value in data.items()}


def stored_customer(*, tenant: Tenant, customer_id: str | int) -> dict[str, Any]:
    """A tenant's customer by id or externalId, as a plain mapping (400 when unknown)."""
    try:
        customer_model = apps.get_model(CUSTOMER_MODEL)
    except LookupError:
        customer_model = None
    found = None
    if customer_model is not None:
        rows = customer_model._default_manager.filter(tenant=tenant)
        pk = _as_pk(customer_model, customer_id)
        if pk is not None:
            found = rows.filter(pk=pk).first()
        if found is None:
            found = rows.filter(external_id=str(customer_id)).first()
    if found is None:
        message = f"Customer '{customer_id}' does not exist."
        raise InvalidInput(message, details={"customerId": [message]})
    return entity_source(found) or {}


def _as_pk(model: Any, value: str | int) -> Any:
    """``value`` as the model's primary key, or None when it cannot be one (so a lookup never
    fails on a bigint column given ``"C-77"``)."""
    try:
        pk = model._meta.pk.to_python(value)
    except ValidationError:
        return None
    if isinstance(pk, int) and not 0 < pk < 2**63:
        return None
    return pk


def creative_preview(
    *,
    creative: Creative,
    customer: Mapping[str, Any],
    customer_id: str | int | None = None,
    template_type: str | None = None,
    content: Mapping[str, Any] | None = None,
    personalization: list[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The rendered content plus what a marketer needs to fix a template: each token's value,
    the tokens that used their fallback, and tokens with no mapping."""
    template_type = template_type or creative.template_type
    compiled = compile_creative(
        content if content is not None else creative.content,
        personalization if personalization is not None else creative.personalization,
        template_type=template_type,
    )
    rendered = compiled.render_detailed(customer, sources_for(creative))
    return {
        "creativeId": creative.pk,
        "templateType": template_type,
        "customerId": customer_id,
        "content": rendered.content,
        "values": rendered.values,
        "fallbacks": rendered.missing,
        "unresolvedTokens": sorted(compiled.unknown_tokens),
    }

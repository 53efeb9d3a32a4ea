"""Writes for categories, offers, channels and placements.

Every write validates the domain rules here (the API serializer only checks shapes), so the
API, the admin and the demo seed enforce the same rules. Errors name the API's camelCase
fields. Names are checked for duplicates first so the usual case is a readable 409; the
partial unique constraints in the database still decide under concurrency.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from catalog.eligibility import eligibility_clean
from catalog.models import Category, Channel, Offer, Placement
from catalog.provider_config import provider_config_clean
from catalog.validation import normalize_tags, object_problems
from core.api.serializers import camel
from core.errors import Conflict, InvalidInput
from core.models import Tenant
from core.services import entity_soft_delete, model_update

CATEGORY_FIELDS = ["name", "status", "ordinal"]
OFFER_FIELDS = [
    "name",
    "description",
    "status",
    "category",
    "priority",
    "business_value",
    "start_at",
    "end_at",
    "eligibility",
    "tags",
    "metadata",
]
DOMAIN_CHECKED = ("tags", "metadata", "business_value", "eligibility")
CHANNEL_FIELDS = ["name", "channel_type", "delivery_mode", "status"]
PLACEMENT_FIELDS = ["channel", "name", "slot_type", "max_slots"]
WIRE_NAMES = {"category": "categoryId", "channel": "channelId"}


def wire_name(field: str) -> str:
    return WIRE_NAMES.get(field, camel(field))


def _invalid_from(exc: ValidationError) -> InvalidInput:
    if hasattr(exc, "error_dict"):
        details = {wire_name(k): v for k, v in exc.message_dict.items() if k != "__all__"}
        if "__all__" in exc.message_dict:
            details["nonFieldErrors"] = exc.message_dict["__all__"]
    else:
        details = {"nonFieldErrors": exc.messages}
    first = next(iter(details))
    return InvalidInput(f"Validation failed: {first}", details=details)


def _full_clean(instance: models.Model) -> None:
    """Field checks (choices, lengths, bounds). Uniqueness is left to :func:`_ensure_name_free`
    so a duplicate is a 409, not a 400; related rows are checked by :func:`_lock_live_parent`."""
    relations = [f.name for f in instance._meta.fields if f.is_relation]
    try:
        instance.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise _invalid_from(exc) from exc


def _update(instance: Any, fields: list[str], data: dict[str, Any]) -> Any:
    try:
        with transaction.atomic():
            instance, _ = model_update(instance=instance, fields=fields, data=data)
    except ValidationError as exc:
        raise _invalid_from(exc) from exc
    return instance


def _ensure_name_free(
    queryset: models.QuerySet, *, name: str, label: str, exclude_pk: str | None = None
) -> None:
    clash = queryset.filter(name=name)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise Conflict(
            f"A {label} named '{name}' already exists.",
            details={"name": [f"A live {label} with this name already exists."]},
        )


def _lock_live_parent(related: Any, tenant_id: str, wire: str) -> None:
    """The referenced category/channel must be a live row of this tenant, and stay so until
    the transaction commits: a ``FOR NO KEY UPDATE`` lock makes a concurrent delete of the
    parent wait (and then see this child, or make this write fail)."""
    if related is None:
        return
    model = type(related)
    live = model.objects.select_for_update(no_key=True).filter(pk=related.pk, tenant_id=tenant_id)
    if not live.exists():
        raise InvalidInput(
            f"{wire} '{related.pk}' does not exist",
            details={wire: [f'Invalid pk "{related.pk}" - object does not exist.']},
        )


# --- Categories ----------------------------------------------------------------------------


def category_create(
    *, tenant: Tenant, name: str, status: str = "active", ordinal: int = 0
) -> Category:
    category = Category(tenant=tenant, name=name, status=status, ordinal=ordinal)
    _full_clean(category)
    _ensure_name_free(Category.objects.filter(tenant=tenant), name=name, label="category")
    category.save()
    return category


def category_update(*, category: Category, data: dict[str, Any]) -> Category:
    if "name" in data:
        _ensure_name_free(
            Category.objects.filter(tenant_id=category.tenant_id),
            name=data["name"],
            label="category",
            exclude_pk=category.pk,
        )
    return _update(category, CATEGORY_FIELDS, data)


@transaction.atomic
def category_delete(*, category: Category) -> Category:
    """Soft-delete, refused (409) while live offers still use the category."""
    Category.all_objects.select_for_update().filter(pk=category.pk).first()
    in_use = Offer.objects.filter(category=category)
    count = in_use.count()
    if count:
        names = list(in_use.order_by("name").values_list("name", flat=True)[:5])
        raise Conflict(
            f"Category '{category.name}' is used by {count} offer(s); move or delete them first.",
            details={"offerCount": count, "offers": names},
        )
    entity_soft_delete(instance=category)
    return category


# --- Offers --------------------------------------------------------------------------------


def _offer_checks(
    values: dict[str, Any], *, start_at: datetime | None, end_at: datetime | None
) -> dict[str, Any]:
    """Domain rules the model fields cannot express; returns the normalized values."""
    errors: dict[str, Any] = {}
    out = dict(values)
    if start_at and end_at and end_at <= start_at:
        errors["endAt"] = ["Must be after startAt."]
    if "tags" in values:
        out["tags"], problems = normalize_tags(values["tags"])
        if problems:
            errors["tags"] = problems
    if "metadata" in values and (problems := object_problems(values["metadata"])):
        errors["metadata"] = problems
    if "business_value" in values:
        value = values["business_value"]
        if isinstance(value, float | int) and not isinstance(value, bool):
            out["business_value"] = Decimal(str(value))
    if "eligibility" in values:
        try:
            out["eligibility"] = eligibility_clean(values["eligibility"])
        except InvalidInput as exc:
            errors.update(exc.details)
    if errors:
        first = next(iter(errors))
        raise InvalidInput(f"Validation failed: {first}", details=errors)
    return out


@transaction.atomic
def offer_create(
    *,
    tenant: Tenant,
    name: str,
    description: str = "",
    status: str = Offer.Status.DRAFT,
    category: Category | None = None,
    priority: int = 50,
    business_value: Decimal | float = 0,
    start_at: datetime | None = None,
    end_at: datetime | None = None,
    eligibility: dict[str, Any] | None = None,
    tags: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Offer:
    _lock_live_parent(category, tenant.pk, "categoryId")
    values = _offer_checks(
        {
            "business_value": business_value,
            "eligibility": eligibility or {},
            "tags": tags or [],
            "metadata": metadata if metadata is not None else {},
        },
        start_at=start_at,
        end_at=end_at,
    )
    offer = Offer(
        tenant=tenant,
        name=name,
        description=description,
        status=status,
        category=category,
        priority=priority,
        start_at=start_at,
        end_at=end_at,
        **values,
    )
    _full_clean(offer)
    _ensure_name_free(Offer.objects.filter(tenant=tenant), name=name, label="offer")
    offer.save()
    return offer


@transaction.atomic
def offer_update(*, offer: Offer, data: dict[str, Any]) -> Offer:
    """Change only the keys present in ``data``; the date window is checked with the stored
    value of whichever end is not being changed."""
    if "category" in data:
        _lock_live_parent(data["category"], offer.tenant_id, "categoryId")
    checked = _offer_checks(
        {k: data[k] for k in DOMAIN_CHECKED if k in data},
        start_at=data.get("start_at", offer.start_at),
        end_at=data.get("end_at", offer.end_at),
    )
    data = {**data, **checked}
    if "name" in data:
        _ensure_name_free(
            Offer.objects.filter(tenant_id=offer.tenant_id),
            name=data["name"],
            label="offer",
            exclude_pk=offer.pk,
        )
    return _update(offer, OFFER_FIELDS, data)


def offer_delete(*, offer: Offer) -> Offer:
    """Soft-delete; creatives follow through the cascade the creatives app registers."""
    entity_soft_delete(instance=offer)
    return offer


# --- Channels ------------------------------------------------------------------------------


def channel_create(
    *,
    tenant: Tenant,
    name: str,
    channel_type: str,
    delivery_mode: str = Channel.DeliveryMode.API,
    provider_config: dict[str, Any] | None = None,
    status: str = "active",
) -> Channel:
    channel = Channel(
        tenant=tenant,
        name=name,
        channel_type=channel_type,
        delivery_mode=delivery_mode,
        status=status,
    )
    _full_clean(channel)
    clean = provider_config_clean(
        channel_type=channel_type,
        delivery_mode=delivery_mode,
        raw=provider_config if provider_config is not None else {},
    )
    channel.provider_config, channel.provider_secrets = clean.public, clean.secrets
    channel.secrets_updated_at = timezone.now() if clean.secrets else None
    _ensure_name_free(Channel.objects.filter(tenant=tenant), name=name, label="channel")
    channel.save()
    return channel


def channel_update(*, channel: Channel, data: dict[str, Any]) -> Channel:
    """``provider_config`` in ``data`` replaces the stored settings as a whole (secrets left
    out or masked are kept). Changing the type or delivery mode re-validates the stored
    settings against the new type."""
    fields = [f for f in CHANNEL_FIELDS if f in data]
    if "name" in data:
        _ensure_name_free(
            Channel.objects.filter(tenant_id=channel.tenant_id),
            name=data["name"],
            label="channel",
            exclude_pk=channel.pk,
        )
    changes = {k: data[k] for k in fields}
    if {"provider_config", "channel_type", "delivery_mode"} & data.keys():
        clean = provider_config_clean(
            channel_type=data.get("channel_type", channel.channel_type),
            delivery_mode=data.get("delivery_mode", channel.delivery_mode),
            raw=data.get("provider_config", channel.provider_config),
            current_secrets=channel.provider_secrets,
        )
        changes["provider_config"] = clean.public
        if clean.secrets != channel.provider_secrets:
            changes["provider_secrets"] = clean.secrets
            changes["secrets_updated_at"] = timezone.now()
    return _update(
        channel,
        [*CHANNEL_FIELDS, "provider_config", "provider_secrets", "secrets_updated_at"],
        changes,
    )


def channel_delete(*, channel: Channel) -> Channel:
    """Soft-delete; its placements follow (cascade registered in ``CatalogConfig.ready``)."""
    entity_soft_delete(instance=channel)
    return channel


# --- Placements ----------------------------------------------------------------------------


@transaction.atomic
def placement_create(
    *,
    tenant: Tenant,
    channel: Channel,
    name: str,
    slot_type: str = Placement.SlotType.BANNER,
    max_slots: int = 1,
) -> Placement:
    _lock_live_parent(channel, tenant.pk, "channelId")
    placement = Placement(
        tenant=tenant, channel=channel, name=name, slot_type=slot_type, max_slots=max_slots
    )
    _full_clean(placement)
    _ensure_name_free(
        Placement.objects.filter(channel=channel), name=name, label="placement in this channel"
    )
    placement.save()
    return placement


def placement_update(*, placement: Placement, data: dict[str, Any]) -> Placement:
    """A placement stays in its channel: creatives pair a channel with one of its placements,
    so moving it would silently break them. Create a new placement instead."""
    if "channel" in data and data["channel"].pk != placement.channel_id:
        raise InvalidInput(
            "A placement cannot move to another channel; create a new placement there.",
            details={"channelId": ["Cannot be changed after creation."]},
        )
    if "name" in data:
        _ensure_name_free(
            Placement.objects.filter(channel_id=placement.channel_id),
            name=data["name"],
            label="placement in this channel",
            exclude_pk=placement.pk,
        )
    return _update(placement, PLACEMENT_FIELDS, data)


def placement_delete(*, placement: Placement) -> Placement:
    entity_soft_delete(instance=placement)
    return placement

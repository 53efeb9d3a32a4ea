"""Writes shared by every app: generic update, soft-delete/restore, tenants, members, API keys."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from core.errors import Conflict
from core.mixins import SoftDeleteModel, VersionedModel
from core.models import ApiKey, Membership, Tenant
from core.registry import cascades_for
from core.roles import Role

M = TypeVar("M", bound=models.Model)

API_KEY_PREFIX = "nud_"


def refresh_version(instance: models.Model) -> None:
    """Reload what the database triggers changed (``version``) after a write."""
    if isinstance(instance, VersionedModel):
        fields = ["version"] + (["updated_at"] if hasattr(instance, "updated_at") else [])
        instance.refresh_from_db(fields=fields)


def model_update(*, instance: M, fields: list[str], data: dict[str, Any]) -> tuple[M, bool]:
    """Set whitelisted ``fields`` from ``data``, validate and save only what changed.

    Returns the instance and whether anything changed. ``version`` and the audit row come
    from the database triggers.
    """
    changed: list[str] = []
    for field in fields:
        if field not in data:
            continue
        model_field = instance._meta.get_field(field)
        attname = getattr(model_field, "attname", field)
        new_value = data[field]
        current = getattr(instance, field)
        if current != new_value:
            setattr(instance, field, new_value)
            changed.append(attname)
    if not changed:
        return instance, False
    # Unique constraints are left to the database, so a duplicate is a 409, not a 400.
    instance.full_clean(
        exclude=[f.name for f in instance._meta.fields if f.attname not in changed],
        validate_constraints=False,
    )
    if hasattr(instance, "updated_at"):
        changed.append("updated_at")
    instance.save(update_fields=changed)
    refresh_version(instance)
    return instance, True


def _set_deleted_at(instance: SoftDeleteModel, value: Any) -> None:
    type(instance).all_objects.filter(pk=instance.pk).update(deleted_at=value)
    instance.deleted_at = value
    refresh_version(instance)


@transaction.atomic
def entity_soft_delete(*, instance: SoftDeleteModel) -> SoftDeleteModel:
    if instance.deleted_at is not None:
        raise Conflict(f"{type(instance).entity_type} {instance.pk} is already deleted")  # type: ignore[attr-defined]
    now = timezone.now()
    _set_deleted_at(instance, now)
    for children in cascades_for(type(instance).entity_type):  # type: ignore[attr-defined]
        children(instance).filter(deleted_at__isnull=True).update(deleted_at=now)
    return instance


@transaction.atomic
def entity_restore(*, instance: SoftDeleteModel) -> SoftDeleteModel:
    entity_type = type(instance).entity_type  # type: ignore[attr-defined]
    if instance.deleted_at is None:
        raise Conflict(f"{entity_type} {instance.pk} is not deleted")
    deleted_at = instance.deleted_at
    try:
        with transaction.atomic():
            _set_deleted_at(instance, None)
            for children in cascades_for(entity_type):
                children(instance).filter(deleted_at=deleted_at).update(deleted_at=None)
    except IntegrityError as exc:
        raise Conflict(
            f"{entity_type} {instance.pk} cannot be restored: a live one with the same name exists"
        ) from exc
    return instance


# --- Tenants and access --------------------------------------------------------------------


def tenant_create(*, name: str, slug: str | None = None) -> Tenant:
    slug = slug or slugify(name)[:100] or "tenant"
    if Tenant.objects.filter(slug=slug).exists():
        raise Conflict(f"A tenant with slug '{slug}' already exists")
    return Tenant.objects.create(name=name, slug=slug)


def membership_set(*, tenant: Tenant, user: Any, role: str) -> Membership:
    membership, created = Membership.objects.get_or_create(
        tenant=tenant, user=user, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
    return membership


def user_with_membership(
    *, tenant: Tenant, username: str, role: str, password: str | None = None, email: str = ""
) -> Any:
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username, defaults={"email": email})
    if password and (created or not user.check_password(password)):
        user.set_password(password)
        user.save(update_fields=["password"])
    membership_set(tenant=tenant, user=user, role=role)
    return user


def hash_api_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_key_create(
    *, tenant: Tenant, name: str, role: str = Role.VIEWER, created_by: Any = None
) -> tuple[ApiKey, str]:
    """Create a key; the raw secret is returned once and never stored."""
    raw = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        tenant=tenant,
        name=name,
        role=role,
        prefix=raw[:12],
        key_hash=hash_api_key(raw),
        created_by=created_by if getattr(created_by, "pk", None) else None,
    )
    return key, raw


def api_key_revoke(*, key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at", "updated_at"])
    return key


def api_key_touch(*, key: ApiKey, min_interval_seconds: int = 60) -> None:
    """Record use, at most once a minute per key so hot paths don't write on every request."""
    now = timezone.now()
    if key.last_used_at and (now - key.last_used_at).total_seconds() < min_interval_seconds:
        return
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    key.last_used_at = now

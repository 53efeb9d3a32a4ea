from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone

from core.ids import PrefixedIdField
from core.mixins import AuditedModel, TimeStampedModel
from core.roles import Role


class Tenant(AuditedModel, TimeStampedModel):
    entity_type = "tenant"

    id = PrefixedIdField(prefix="ten")
    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(AuditedModel, TimeStampedModel):
    entity_type = "membership"

    id = PrefixedIdField(prefix="mem")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="uniq_membership_tenant_user")
        ]
        ordering = ["tenant__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant} ({self.role})"


class ApiKey(AuditedModel, TimeStampedModel):
    """A tenant-bound key. Only a SHA-256 hash of the secret is stored; the key is shown once."""

    entity_type = "api_key"
    audit_exclude_columns = ("key_hash", "last_used_at")

    id = PrefixedIdField(prefix="key")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=255)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    prefix = models.CharField(max_length=16, help_text="First characters of the key, for display.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditLog(models.Model):
    """One immutable row per change, written by a database trigger (see core.audit)."""

    class Action(models.TextChoices):
        CREATE = "create"
        UPDATE = "update"
        SOFT_DELETE = "soft_delete"
        RESTORE = "restore"
        DELETE = "delete"

    id = models.BigAutoField(primary_key=True)
    tenant_id = models.CharField(max_length=40, null=True, blank=True)
    entity_type = models.CharField(max_length=64)
    entity_id = models.CharField(max_length=64)
    action = models.CharField(max_length=16, choices=Action.choices)
    entity_version = models.IntegerField(null=True, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    actor = models.CharField(max_length=255, null=True, blank=True)
    request_id = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now(), default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["tenant_id", "entity_type", "entity_id", "-id"], name="audit_entity_idx"
            ),
            models.Index(fields=["tenant_id", "-id"], name="audit_tenant_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.entity_type} {self.entity_id} v{self.entity_version}"

    @property
    def changed_fields(self) -> list[str]:
        before, after = self.before or {}, self.after or {}
        ignored = {"updated_at", "version"}
        return sorted(
            k
            for k in before.keys() | after.keys()
            if k not in ignored and before.get(k) != after.get(k)
        )

"""What decisions are made of: categories, offers, channels and their placements."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from core.ids import PrefixedIdField
from core.mixins import ConfigEntity, live_unique


class ActiveStatus(models.TextChoices):
    ACTIVE = "active"
    INACTIVE = "inactive"


class Category(ConfigEntity):
    entity_type = "category"

    id = PrefixedIdField(prefix="cat")
    name = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=ActiveStatus.choices, default="active")
    ordinal = models.IntegerField(default=0, help_text="Display order (ascending).")

    class Meta:
        ordering = ["ordinal", "name", "id"]
        verbose_name_plural = "categories"
        constraints = [live_unique("tenant", "name", name="uniq_category_name_live")]
        indexes = [models.Index(fields=["tenant", "ordinal"], name="cat_tenant_ordinal")]

    def __str__(self) -> str:
        return self.name


class Offer(ConfigEntity):
    entity_type = "offer"

    class Status(models.TextChoices):
        DRAFT = "draft"
        ACTIVE = "active"
        PAUSED = "paused"
        ARCHIVED = "archived"

    id = PrefixedIdField(prefix="off")
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # PROTECT semantics live in ``category_delete`` (soft-delete never reaches the database FK).
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="offers"
    )
    priority = models.PositiveSmallIntegerField(
        default=50, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    business_value = models.DecimalField(
        max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    start_at = models.DateTimeField(null=True, blank=True)
    end_at = models.DateTimeField(null=True, blank=True)
    eligibility = models.JSONField(
        default=dict,
        blank=True,
        help_text='A rule {"combinator": "AND"|"OR", "filters": [...]}; empty = everyone.',
    )
    tags = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            live_unique("tenant", "name", name="uniq_offer_name_live"),
            models.CheckConstraint(
                condition=Q(priority__gte=0, priority__lte=100), name="offer_priority_0_100"
            ),
            models.CheckConstraint(condition=Q(business_value__gte=0), name="offer_value_gte_0"),
            models.CheckConstraint(
                condition=Q(start_at__isnull=True)
                | Q(end_at__isnull=True)
                | Q(end_at__gt=F("start_at")),
                name="offer_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "created_at", "id"], name="off_tenant_created"),
            models.Index(fields=["tenant", "status"], name="off_tenant_status"),
        ]

    def __str__(self) -> str:
        return self.name


class Channel(ConfigEntity):
    """A way to reach a customer.

    ``provider_config`` holds the non-secret provider settings (shown in the API and audit log);
    the secret ones (webhook ``signingSecret``, SMTP ``password``) live in ``provider_secrets``,
    which is write-only in the API and excluded from audit snapshots (``secrets_updated_at``
    is audited instead, so a rotation still leaves a trace). Code that talks to the
    provider uses :meth:`resolved_provider_config` to get both merged.
    """

    entity_type = "channel"
    audit_exclude_columns = ("provider_secrets",)

    class ChannelType(models.TextChoices):
        EMAIL = "email"
        SMS = "sms"
        PUSH = "push"
        IN_APP = "in_app"
        WEB = "web"
        WEBHOOK = "webhook"
        VOICE = "voice"
        WHATSAPP = "whatsapp"
        DIRECT_MAIL = "direct_mail"

    class DeliveryMode(models.TextChoices):
        API = "api"
        FILE = "file"
        INTEGRATION = "integration"
        MANUAL = "manual"

    id = PrefixedIdField(prefix="ch")
    name = models.CharField(max_length=255)
    channel_type = models.CharField(max_length=16, choices=ChannelType.choices)
    delivery_mode = models.CharField(
        max_length=16, choices=DeliveryMode.choices, default=DeliveryMode.API
    )
    provider_config = models.JSONField(default=dict, blank=True)
    provider_secrets = models.JSONField(default=dict, blank=True, editable=False)
    secrets_updated_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When a provider secret was last set or removed (audited, unlike the secrets).",
    )
    status = models.CharField(max_length=10, choices=ActiveStatus.choices, default="active")

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [live_unique("tenant", "name", name="uniq_channel_name_live")]
        indexes = [
            models.Index(fields=["tenant", "created_at", "id"], name="ch_tenant_created"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.channel_type})"

    def resolved_provider_config(self) -> dict[str, Any]:
        """Provider settings including secrets, for delivery code only (never for responses)."""
        return {**(self.provider_config or {}), **(self.provider_secrets or {})}


class Placement(ConfigEntity):
    entity_type = "placement"

    class SlotType(models.TextChoices):
        BANNER = "banner"
        CARD = "card"
        INLINE = "inline"
        MODAL = "modal"

    id = PrefixedIdField(prefix="plc")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="placements")
    name = models.CharField(max_length=255)
    slot_type = models.CharField(max_length=10, choices=SlotType.choices, default=SlotType.BANNER)
    max_slots = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="How many offers the slot shows at once.",
    )

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            live_unique("channel", "name", name="uniq_placement_name_live"),
            models.CheckConstraint(
                condition=Q(max_slots__gte=1, max_slots__lte=100), name="placement_max_slots_1_100"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "created_at", "id"], name="plc_tenant_created"),
        ]

    def __str__(self) -> str:
        return f"{self.channel.name} / {self.name}"

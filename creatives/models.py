"""Creatives: the content variant of an offer delivered through one channel (spec 003)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.ids import PrefixedIdField
from core.mixins import ConfigEntity, live_unique
from creatives.validation import object_problems, personalization_problems


class CreativeStatus(models.TextChoices):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    ARCHIVED = "archived"


class TemplateType(models.TextChoices):
    """How ``content`` is meant to be read; HTML ones escape personalized values."""

    EMAIL_HTML = "email_html", "Email (HTML)"
    EMAIL_TEXT = "email_text", "Email (plain text)"
    SMS_TEXT = "sms_text", "SMS text"
    PUSH = "push", "Push notification"
    BANNER = "banner", "Banner (HTML)"
    IN_APP = "in_app", "In-app message (HTML)"
    VOICE_SCRIPT = "voice_script", "Voice call script"
    WEBHOOK_JSON = "webhook_json", "Webhook JSON payload"
    WHATSAPP_TEXT = "whatsapp_text", "WhatsApp text"
    DIRECT_MAIL = "direct_mail", "Direct mail"


class Creative(ConfigEntity):
    entity_type = "creative"

    id = PrefixedIdField(prefix="cre")
    name = models.CharField(max_length=255)
    offer = models.ForeignKey("catalog.Offer", on_delete=models.PROTECT, related_name="creatives")
    channel = models.ForeignKey(
        "catalog.Channel", on_delete=models.PROTECT, related_name="creatives"
    )
    placement = models.ForeignKey(
        "catalog.Placement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="creatives",
    )
    content_item_id = models.CharField(max_length=255, null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=CreativeStatus.choices, default=CreativeStatus.DRAFT
    )
    template_type = models.CharField(
        max_length=32, choices=TemplateType.choices, default=TemplateType.EMAIL_HTML
    )
    content = models.JSONField(
        default=dict, blank=True, help_text="Template content: subject, body, image URLs, ..."
    )
    personalization = models.JSONField(
        default=list,
        blank=True,
        help_text='Token mappings [{"key": "first_name", "source": "customer.first_name|there"}].',
    )
    constraints = models.JSONField(
        default=dict, blank=True, help_text="Delivery constraints (time-of-day, frequency)."
    )
    ab_test_variant = models.CharField(max_length=255, null=True, blank=True)
    weight = models.PositiveSmallIntegerField(
        default=100,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Traffic weight for multi-variant rotation (0-100).",
    )
    metrics = models.JSONField(default=dict, blank=True, help_text="Performance metric overrides.")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            live_unique("tenant", "name", name="uniq_creative_name_live"),
            models.CheckConstraint(
                condition=Q(weight__gte=0, weight__lte=100), name="creative_weight_0_100"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "created_at", "id"], name="cre_tenant_created"),
            models.Index(fields=["tenant", "status"], name="cre_tenant_status"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Shapes of the JSON fields, and offer/channel/placement that fit together."""
        errors: dict[str, list[str]] = {}
        for name in ("content", "constraints", "metrics"):
            problems = object_problems(getattr(self, name))
            if problems:
                errors[name] = problems
        problems = personalization_problems(self.personalization)
        if problems:
            errors["personalization"] = problems
        for name in ("offer", "channel", "placement"):
            related = getattr(self, name) if getattr(self, f"{name}_id") else None
            if related is not None and self.tenant_id and related.tenant_id != self.tenant_id:
                errors[name] = [f"{name.capitalize()} '{related.pk}' does not exist."]
        placement = self.placement if self.placement_id else None
        if (
            "placement" not in errors
            and placement is not None
            and self.channel_id
            and placement.channel_id != self.channel_id
        ):
            errors["placement"] = [
                f"Placement '{self.placement_id}' belongs to another channel than "
                f"'{self.channel_id}'."
            ]
        if errors:
            raise ValidationError(errors)

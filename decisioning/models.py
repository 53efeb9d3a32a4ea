"""Decision flows (versioned pipelines) and the interaction history the engine learns from."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.ids import PrefixedIdField
from core.mixins import ConfigEntity, live_unique


class DecisionFlow(ConfigEntity):
    """A named decision pipeline. ``config`` is the editable draft; campaigns, journeys and the
    recommend API execute the newest :class:`DecisionFlowVersion` (publish and rollback both
    append one)."""

    entity_type = "decision_flow"

    class Status(models.TextChoices):
        DRAFT = "draft"
        ACTIVE = "active"
        PAUSED = "paused"
        ARCHIVED = "archived"

    id = PrefixedIdField(prefix="df")
    key = models.SlugField(max_length=100)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    config = models.JSONField(default=dict, blank=True)
    published_version = models.ForeignKey(
        "decisioning.DecisionFlowVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text="The version that executes (the newest one appended by publish or rollback).",
    )

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [live_unique("tenant", "key", name="uniq_decision_flow_key_live")]
        indexes = [models.Index(fields=["tenant", "created_at", "id"], name="df_tenant_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


class DecisionFlowVersion(models.Model):
    """An immutable published snapshot of a flow's config."""

    id = PrefixedIdField(prefix="dfv")
    tenant = models.ForeignKey("core.Tenant", on_delete=models.PROTECT, related_name="+")
    flow = models.ForeignKey(DecisionFlow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    config = models.JSONField()
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rolled_back_from = models.PositiveIntegerField(
        null=True, blank=True, help_text="Set when this version re-publishes an older one."
    )
    note = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["flow", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["flow", "number"], name="uniq_decision_flow_version")
        ]

    def __str__(self) -> str:
        return f"{self.flow_id} v{self.number}"


class OutcomeType(ConfigEntity):
    """A tenant-defined outcome (beyond the built-in ones), e.g. ``callback_requested``."""

    entity_type = "outcome_type"

    id = PrefixedIdField(prefix="oct")
    key = models.SlugField(max_length=64)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["key", "id"]
        constraints = [live_unique("tenant", "key", name="uniq_outcome_type_key_live")]

    def __str__(self) -> str:
        return self.key


def _id_column(
    to: Any, *, on_delete: Any = models.DO_NOTHING, null: bool = False, **extra: Any
) -> Any:
    """A foreign key kept as an id: no database constraint, no index of its own (the table's
    composite indexes serve the reads), no reverse accessor. ``on_delete`` runs in the ORM."""
    return models.ForeignKey(
        to,
        on_delete=on_delete,
        null=null,
        blank=null,
        related_name="+",
        db_index=False,
        db_constraint=False,
        **extra,
    )


class Interaction(models.Model):
    """One event of a customer's history: a recommendation made, or an outcome reported.

    Append-only event data, not configuration: no soft-delete, version or audit trigger.
    Offer, channel, creative and flow are kept as ids (no database constraint) so history
    outlives catalog changes; tenant and customer have no database constraint either (see
    below).
    """

    id = PrefixedIdField(prefix="int")
    # No database constraints on the hot insert path: a foreign-key check locks the parent
    # row (FOR KEY SHARE), so every /recommend would queue on the one tenant row. Deleting a
    # tenant or customer through Django still cascades here (on_delete runs in the ORM).
    tenant = _id_column("core.Tenant", on_delete=models.CASCADE)
    customer = _id_column("audience.Customer", on_delete=models.CASCADE)
    recommendation_id = models.CharField(max_length=40, null=True, blank=True)
    offer = _id_column("catalog.Offer", null=True)
    category_id = models.CharField(max_length=40, null=True, blank=True)
    channel = _id_column("catalog.Channel", null=True)
    creative = _id_column("creatives.Creative", null=True)
    placement_id = models.CharField(max_length=40, null=True, blank=True)
    flow = _id_column(DecisionFlow, null=True)
    flow_version = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=64)
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    conversion_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    related = _id_column(
        "self", null=True, help_text="For an outcome: the recommendation it responds to."
    )
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)
    context = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="uniq_interaction_idempotency_key",
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "customer", "created_at"], name="int_customer_history"),
            models.Index(fields=["tenant", "recommendation_id"], name="int_recommendation"),
            models.Index(fields=["tenant", "created_at"], name="int_tenant_created"),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} {self.offer_id} for {self.customer_id}"


class OutcomeCounter(models.Model):
    """Online counters behind learned propensities: ``n`` events of ``outcome`` for an offer on
    a channel. Incremented in the same transaction as the interaction (``n = n + 1``); a hot
    counter is split over a few ``shard`` rows so concurrent writers rarely wait on one row
    lock. Readers sum the shards."""

    SHARDS = 8

    tenant = models.ForeignKey("core.Tenant", on_delete=models.CASCADE, related_name="+")
    offer_id = models.CharField(max_length=40)
    channel_id = models.CharField(max_length=40, default="", blank=True)
    outcome = models.CharField(max_length=64)
    shard = models.PositiveSmallIntegerField(default=0)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "offer_id", "channel_id", "outcome", "shard"],
                name="uniq_outcome_counter",
            )
        ]

    def __str__(self) -> str:
        return f"{self.offer_id}/{self.channel_id or '-'} {self.outcome}: {self.n}"

"""Customers, segments (rule, static) and CSV import jobs."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, Func, Value
from django.db.models.lookups import Exact
from django.utils import timezone

from core.ids import PrefixedIdField
from core.mixins import ConfigEntity, live_unique
from core.rules import CUSTOMER_COLUMNS, JSON_COLUMN


class CustomerIdField(models.BigAutoField):
    """A ``bigint`` id for which an unparsable value (``?id=abc``) finds nothing instead of
    raising, so generic lookups by id (e.g. the restore endpoint) answer 404, not 500."""

    def get_prep_value(self, value: Any) -> Any:
        try:
            return super().get_prep_value(value)
        except (TypeError, ValueError):
            return 0  # ids start at 1


class Customer(ConfigEntity):
    """A person decisions are made for.

    The primary key is an internal ``bigint`` so a segment of ten million customers can be split
    into keyset chunks (``WHERE id BETWEEN a AND b``); ``external_id`` (unique per tenant among
    live rows) is the identity integrators use. Optional contact fields are NULL when unknown,
    so the rule operator ``is_null`` means what it says.
    """

    entity_type = "customer"
    # The profile an integrator sends and rules read: the rule module's customer columns plus
    # the JSON attributes (one list for the API, admin, services, segment views and files).
    PROFILE_FIELDS = (*CUSTOMER_COLUMNS, JSON_COLUMN)

    # Millions of rows: only the indexes the reads need (the inherited single-column indexes on
    # tenant, created_at and deleted_at would triple the cost of every import).
    tenant = models.ForeignKey(
        "core.Tenant", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    id = CustomerIdField(primary_key=True)
    external_id = models.CharField(max_length=128)
    email = models.CharField(max_length=254, null=True, blank=True)
    phone = models.CharField(max_length=16, null=True, blank=True, help_text="E.164")
    first_name = models.CharField(max_length=100, null=True, blank=True)
    last_name = models.CharField(max_length=100, null=True, blank=True)
    country = models.CharField(max_length=2, null=True, blank=True, help_text="ISO 3166-1 alpha-2")
    timezone = models.CharField(max_length=64, null=True, blank=True, help_text="IANA name")
    attributes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            live_unique("tenant", "external_id", name="uniq_customer_external_id_live"),
            models.CheckConstraint(
                condition=Exact(
                    Func(F("attributes"), function="jsonb_typeof", output_field=models.CharField()),
                    Value("object"),
                ),
                name="customer_attributes_object",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "id"], name="cust_tenant_id"),
        ]

    def __str__(self) -> str:
        return self.external_id


class Segment(ConfigEntity):
    """A set of customers: a rule over customer fields, or an explicit (static) list.

    Every live segment is the PostgreSQL view ``view_name`` (its id, ``seg_<ulid>``), kept in
    step by ``audience.views``; counts live in :class:`SegmentStats` so a refresh is not a
    configuration change (no version bump, no audit row).
    """

    entity_type = "segment"

    class SegmentType(models.TextChoices):
        RULE = "rule"
        STATIC = "static"

    class Combinator(models.TextChoices):
        AND = "AND"
        OR = "OR"

    id = PrefixedIdField(prefix="seg")
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    segment_type = models.CharField(
        max_length=10, choices=SegmentType.choices, default=SegmentType.RULE
    )
    combinator = models.CharField(max_length=3, choices=Combinator.choices, default="AND")
    filters = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [live_unique("tenant", "name", name="uniq_segment_name_live")]
        indexes = [models.Index(fields=["tenant", "created_at", "id"], name="seg_tenant_created")]

    def __str__(self) -> str:
        return self.name

    @property
    def view_name(self) -> str:
        return str(self.pk)

    @property
    def rule(self) -> dict:
        return {"combinator": self.combinator, "filters": self.filters}

    @property
    def customer_count(self) -> int | None:
        stats = getattr(self, "stats", None)
        return stats.customer_count if stats is not None else None

    @property
    def last_refreshed_at(self) -> object:
        stats = getattr(self, "stats", None)
        return stats.last_refreshed_at if stats is not None else None


class SegmentStats(models.Model):
    segment = models.OneToOneField(
        Segment, primary_key=True, on_delete=models.CASCADE, related_name="stats"
    )
    customer_count = models.BigIntegerField(null=True)
    last_refreshed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name_plural = "segment stats"

    def __str__(self) -> str:
        return f"{self.segment_id}: {self.customer_count}"


class SegmentMember(models.Model):
    """A customer of a static segment (membership is data: no version, no audit row)."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["segment", "customer"], name="uniq_segment_member")
        ]
        indexes = [models.Index(fields=["customer"], name="segmember_customer")]

    def __str__(self) -> str:
        return f"{self.segment_id} / {self.customer_id}"


class ImportJob(models.Model):
    """A CSV import of customers, run by a Celery task; the admin page polls its progress."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        COMPLETED = "completed"
        FAILED = "failed"

    id = PrefixedIdField(prefix="imp")
    tenant = models.ForeignKey("core.Tenant", on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(max_length=255)
    file_path = models.CharField(max_length=500, help_text="Path in the default storage")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total_bytes = models.BigIntegerField(default=0)
    processed_bytes = models.BigIntegerField(default=0)
    processed_rows = models.BigIntegerField(default=0)
    created_count = models.BigIntegerField(default=0)
    updated_count = models.BigIntegerField(default=0)
    error_count = models.BigIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="The first bad rows")
    message = models.TextField(blank=True, default="")
    created_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.COMPLETED:
            return 100
        if not self.total_bytes:
            return 0
        return min(99, int(self.processed_bytes * 100 / self.total_bytes))

"""Campaigns: what to run (decision flow x segment), when (schedule), how much (frequency
caps) and what to write (file config); plus the scheduler's own bookkeeping."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from campaigns.schedule import Schedule
from core.ids import PrefixedIdField
from core.mixins import ConfigEntity, TenantScopedModel, live_unique

FILE_FORMATS = ("csv", "json")
FILE_DESTINATIONS = ("download", "s3")
FILE_COLUMNS = (
    "customer_id",
    "offer_name",
    "offer_id",
    "channel",
    "creative",
    "score",
    "rank",
    "category",
    "priority",
    "personalization",
)
DEFAULT_FILE_COLUMNS = ("customer_id", "offer_name", "channel", "score", "creative")
FREQUENCY_CAP_KEYS = ("maxTotalPerRun", "maxPerOffer", "maxPerChannel")
BATCH_DELIVERY_MODES = ("file", "integration", "manual")


def default_file_config() -> dict[str, Any]:
    return {
        "format": "csv",
        "columns": list(DEFAULT_FILE_COLUMNS),
        "includePersonalization": False,
        "destination": "download",
        "s3Path": None,
    }


class Campaign(ConfigEntity):
    """A recurring batch configuration. ``file_config`` and ``frequency_caps`` are stored in
    their wire shape (camelCase keys), validated by :mod:`campaigns.validation`.
    ``channel_ids`` is an array rather than a many-to-many so that retargeting channels is
    versioned and audited with the campaign row."""

    entity_type = "campaign"

    class Status(models.TextChoices):
        DRAFT = "draft"
        ACTIVE = "active"
        PAUSED = "paused"
        ARCHIVED = "archived"

    class ScheduleType(models.TextChoices):
        MANUAL = "manual"
        DAILY = "daily"
        WEEKLY = "weekly"
        MONTHLY = "monthly"

    id = PrefixedIdField(prefix="cmp")
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    decision_flow = models.ForeignKey(
        "decisioning.DecisionFlow", on_delete=models.PROTECT, related_name="campaigns"
    )
    segment = models.ForeignKey(
        "audience.Segment", on_delete=models.PROTECT, related_name="campaigns"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    schedule_type = models.CharField(
        max_length=10, choices=ScheduleType.choices, default=ScheduleType.MANUAL
    )
    schedule_day_of_week = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(6)], help_text="0=Sunday .. 6=Saturday"
    )
    schedule_day_of_month = models.CharField(
        max_length=20, null=True, blank=True, help_text="1-28 or last_working_day"
    )
    schedule_time = models.CharField(max_length=5, default="09:00", help_text="HH:mm, local")
    schedule_timezone = models.CharField(max_length=64, default="UTC", help_text="IANA timezone")
    schedule_cron = models.CharField(
        max_length=120, null=True, blank=True, help_text="5-field cron; wins over scheduleType"
    )
    frequency_caps = models.JSONField(default=dict, blank=True)
    file_config = models.JSONField(default=default_file_config, blank=True)
    channel_ids = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        help_text="Batch channels to target; empty means every batch channel of the tenant.",
    )

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            live_unique("tenant", "name", name="uniq_campaign_name_live"),
            models.CheckConstraint(
                condition=Q(schedule_day_of_week__isnull=True) | Q(schedule_day_of_week__lte=6),
                name="campaign_day_of_week_0_6",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "created_at", "id"], name="cmp_tenant_created")]

    def __str__(self) -> str:
        return self.name

    def schedule(self) -> Schedule:
        return Schedule(
            type=self.schedule_type,
            time=self.schedule_time,
            timezone=self.schedule_timezone,
            day_of_week=self.schedule_day_of_week,
            day_of_month=self.schedule_day_of_month,
            cron=self.schedule_cron or None,
        )

    @property
    def fires_on_schedule(self) -> bool:
        """Active, not deleted, and with a recurring schedule."""
        return (
            self.status == self.Status.ACTIVE
            and self.deleted_at is None
            and self.schedule().is_recurring
        )


class ScheduleState(models.Model):
    """The scheduler's bookkeeping for one campaign.

    Kept off the campaign row on purpose: firing a slot must neither bump the campaign's
    ``version`` nor write an audit row. ``config_version`` is the campaign version the state
    was computed for; a mismatch means the campaign changed outside the campaigns services
    (restore, bulk SQL) and the next tick recomputes ``next_run_at`` before firing anything.
    """

    campaign = models.OneToOneField(
        Campaign, on_delete=models.CASCADE, primary_key=True, related_name="schedule_state"
    )
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_scheduled_slot = models.DateTimeField(null=True, blank=True)
    config_version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_run_at"],
                condition=Q(next_run_at__isnull=False),
                name="sched_state_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} next {self.next_run_at}"


class CampaignSlot(TenantScopedModel):
    """One fired schedule slot. The unique key makes a slot fire at most once, whatever
    the number of beat processes, retried ticks or restarted workers."""

    id = models.BigAutoField(primary_key=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="slots")
    slot_at = models.DateTimeField(help_text="The scheduled instant (UTC).")
    fired_at = models.DateTimeField(default=timezone.now)
    run_id = models.CharField(max_length=40, blank=True, default="")
    missed_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when earlier slots were missed (system down): the first missed one.",
    )

    class Meta:
        ordering = ["-slot_at"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "slot_at"], name="uniq_campaign_slot")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} @ {self.slot_at.isoformat()}"

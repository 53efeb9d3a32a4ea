"""Campaign runs: the run record, its keyset chunks, per-customer candidates and results, and
the dead-letter queue."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.ids import PrefixedIdField
from core.mixins import TenantScopedModel, TimeStampedModel


class Run(TenantScopedModel, TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        COMPLETED = "completed"
        COMPLETED_WITH_ERRORS = "completed_with_errors"
        FAILED = "failed"
        CANCELLED = "cancelled"

    class Trigger(models.TextChoices):
        MANUAL = "manual"
        API = "api"
        SCHEDULE = "schedule"
        INLINE = "inline"

    FINISHED = (Status.COMPLETED, Status.COMPLETED_WITH_ERRORS, Status.FAILED, Status.CANCELLED)

    id = PrefixedIdField(prefix="run")
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="runs"
    )
    status = models.CharField(
        max_length=24, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.MANUAL)
    slot_at = models.DateTimeField(
        null=True, blank=True, help_text="The schedule slot this run is for."
    )
    requested_by = models.CharField(max_length=255, blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    # What the run executes, frozen at start so edits during the run cannot change its outcome.
    decision_flow_id = models.CharField(max_length=40, blank=True, default="")
    flow_version = models.PositiveIntegerField(null=True, blank=True)
    segment_view_name = models.CharField(max_length=80, blank=True, default="")
    snapshot = models.JSONField(default=dict, blank=True)
    engine_snapshot = models.BinaryField(null=True, blank=True, editable=False)
    # Progress and results
    chunk_size = models.PositiveIntegerField(default=0)
    chunk_count = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    total_customers = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    finalize_claimed_at = models.DateTimeField(null=True, blank=True)
    finalized_at = models.DateTimeField(
        null=True, blank=True, help_text="Results and file written; only delivery may remain."
    )
    # With volume caps: the allocation pass (in finalize) is done and its counters; then each
    # chunk writes its results and part of the file in parallel.
    allocated_at = models.DateTimeField(null=True, blank=True)
    allocation = models.JSONField(default=dict, blank=True)
    outputs_done = models.PositiveIntegerField(default=0)
    stats = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    # Output file
    file_format = models.CharField(max_length=8, blank=True, default="")
    file_path = models.CharField(max_length=500, blank=True, default="")
    file_rows = models.PositiveIntegerField(default=0)
    file_size = models.PositiveBigIntegerField(default=0)
    file_sha256 = models.CharField(max_length=64, blank=True, default="")
    upload_url = models.CharField(max_length=1000, blank=True, default="")
    upload_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "slot_at"],
                condition=Q(slot_at__isnull=False),
                name="uniq_run_per_slot",
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "campaign", "-created_at"], name="run_campaign_idx")
        ]

    def __str__(self) -> str:
        return f"{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class RunChunk(models.Model):
    """A keyset range of customer ids [first_id, last_id]; processed by one task at a time."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    first_id = models.BigIntegerField()
    last_id = models.BigIntegerField()
    size = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    processed = models.PositiveIntegerField(default=0)
    latency_ms_total = models.FloatField(default=0)
    error = models.TextField(blank=True, default="")
    finished_at = models.DateTimeField(null=True, blank=True)
    # Once the chunk's results are written (by the chunk itself without volume caps, by its
    # output task after the allocation with caps): its part of the file, named after the
    # attempt that wrote it, and what it counted for the summary.
    part = models.CharField(
        max_length=255, blank=True, default="", help_text="The chunk's part of the file."
    )
    tallies = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["run", "index"]
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="uniq_chunk_index")]
        indexes = [models.Index(fields=["status", "lease_expires_at"], name="chunk_lease_idx")]

    def __str__(self) -> str:
        return f"{self.run_id}#{self.index} ({self.status})"


class RunCandidate(models.Model):
    """A chunk's ranked candidates, packed (``runs.output.ChunkCandidates.pack``): written by
    the chunk when the run has volume caps, read in segment order by the allocation (which
    adds the ranks it gave), then read again by the chunk's output task; deleted when the run
    is finalized. Rewritten whole when a chunk is retried."""

    id = models.BigAutoField(primary_key=True)
    # No database FK: rows live and die with their run through the ORM's cascade and the
    # finalize step.
    run = models.ForeignKey(
        Run, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    chunk_index = models.PositiveIntegerField()
    data = models.BinaryField()
    ranks = models.BinaryField(
        null=True,
        blank=True,
        help_text="The allocation's new rank of each candidate (0: not taken).",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "chunk_index"], name="uniq_candidates_chunk")
        ]

    def __str__(self) -> str:
        return f"{self.run_id}#{self.chunk_index}"


class RunResult(models.Model):
    """An allocated recommendation: what the file and the results API show.

    Keyed by (run, seq), which is also the order the API reads them in, and nothing else: a
    run writes millions of these rows and every index costs about a quarter of that write.
    (A search by external id prefix scans the run's rows through the key; a btree on
    ``external_id`` cannot serve ``LIKE 'x%'`` under the database's C.UTF-8 collation anyway.)"""

    pk = models.CompositePrimaryKey("run", "seq")
    run = models.ForeignKey(
        Run, on_delete=models.CASCADE, related_name="results", db_index=False, db_constraint=False
    )
    seq = models.PositiveBigIntegerField(
        help_text="Sort key in segment order: customer id x the flow's limit + rank - 1."
    )
    customer_id = models.BigIntegerField()
    external_id = models.CharField(max_length=255)
    rank = models.PositiveSmallIntegerField()
    offer_id = models.CharField(max_length=40)
    channel_id = models.CharField(max_length=40)
    creative_id = models.CharField(max_length=40)
    score = models.FloatField()
    personalization = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"{self.run_id} {self.external_id} #{self.rank}"


class DeadLetter(TenantScopedModel, TimeStampedModel):
    """Work that still failed after its retries; an operator can retry or purge it."""

    class Kind(models.TextChoices):
        CHUNK = "chunk"
        FINALIZE = "finalize"
        UPLOAD = "upload"

    class Status(models.TextChoices):
        OPEN = "open"
        RETRIED = "retried"
        PURGED = "purged"

    id = PrefixedIdField(prefix="dlq")
    run = models.ForeignKey(
        Run, on_delete=models.CASCADE, null=True, blank=True, related_name="dead_letters"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reference = models.CharField(max_length=255, help_text="e.g. the chunk index")
    error = models.TextField()
    attempts = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "dead letter"
        constraints = [
            models.UniqueConstraint(
                fields=["run", "kind", "reference"],
                condition=Q(status="open"),
                name="uniq_open_dead_letter",
            )
        ]

"""Firing campaign schedules: exactly once per slot, however many schedulers run.

One periodic tick (``campaigns.tasks.schedule_tick``, every minute) does all the work; there
are no per-campaign beat entries that could drift. Each tick

1. reconciles: an active campaign whose :class:`ScheduleState` is missing or was computed
   for another version of the campaign (changed outside our services: restore, bulk SQL)
   gets ``next_run_at`` recomputed from now, without firing;
2. claims due states (``next_run_at <= now``) with ``SELECT ... FOR UPDATE SKIP LOCKED`` so
   concurrent ticks share the work instead of doing it twice;
3. for each, inserts a :class:`CampaignSlot` row (``UNIQUE (campaign, slot_at)``) and, only
   when that insert succeeded, asks the run factory for a run, in the same transaction.

A retried tick or a second beat process finds the row locked (skipped) or the slot already
recorded (no second run). Recovery after downtime fires **only the latest missed slot** (the
earlier ones are recorded as ``missed_since`` on that slot's row, not run): a daily campaign
down for three days runs once when the system comes back, not three times.

The runs app plugs in with :func:`register_run_factory`; until one is registered a tick
leaves due slots untouched, so they run (latest only) once it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from campaigns.models import Campaign, CampaignSlot, ScheduleState
from campaigns.schedule import ScheduleError, latest_slot, next_slot

logger = logging.getLogger(__name__)

TRIGGER_SCHEDULE = "schedule"
TRIGGER_MANUAL = "manual"
CLAIM_BATCH = 100


class RunFactory(Protocol):
    """Creates one run of ``campaign`` inside the caller's transaction and returns it (an object
    with ``pk``). It must enqueue any work after commit (``transaction.on_commit``)."""

    def __call__(
        self, *, campaign: Campaign, trigger: str, requested_by: str = "", slot_at: Any = None
    ) -> Any: ...


_run_factory: RunFactory | None = None


def register_run_factory(factory: RunFactory | None) -> None:
    """Called once by the runs app (``AppConfig.ready``), e.g. with ``runs.services.run_create``."""
    global _run_factory
    _run_factory = factory


def run_factory() -> RunFactory | None:
    return _run_factory


# --- keeping next_run_at right -------------------------------------------------------------


def compute_next_run_at(campaign: Campaign, *, after: datetime) -> datetime | None:
    """The next slot strictly after ``after`` for a campaign that fires on its schedule."""
    if not campaign.fires_on_schedule:
        return None
    try:
        return next_slot(campaign.schedule(), after)
    except ScheduleError:  # stored config made invalid outside the API: never fire it
        logger.warning("campaign %s has an unusable schedule", campaign.pk)
        return None


def schedule_state_sync(
    *, campaign: Campaign, recompute: bool, now: datetime | None = None
) -> ScheduleState:
    """Bring the state in line with ``campaign`` after a change made by our services.

    ``recompute``: the schedule or status changed, so ``next_run_at`` becomes the first slot
    after now. Otherwise only ``config_version`` follows the campaign (a pending due slot
    stays due). Call inside the transaction that changed the campaign.
    """
    now = now or timezone.now()
    ScheduleState.objects.bulk_create(
        [ScheduleState(campaign=campaign, config_version=0)], ignore_conflicts=True
    )
    state = ScheduleState.objects.select_for_update().get(campaign=campaign)
    if recompute or state.config_version == 0:
        state.next_run_at = compute_next_run_at(campaign, after=_not_before_last(state, now))
    state.config_version = campaign.version
    state.save(update_fields=["next_run_at", "config_version", "updated_at"])
    return state


def lock_schedule_state(campaign: Campaign) -> None:
    """Take the campaign's state row lock before changing the campaign, so a concurrent tick
    either finishes firing first or skips the campaign until we commit."""
    ScheduleState.objects.select_for_update().filter(campaign=campaign).first()


def _not_before_last(state: ScheduleState, now: datetime) -> datetime:
    last = state.last_scheduled_slot
    return max(now, last) if last else now


def next_run_at_for_display(campaign: Campaign, *, now: datetime | None = None) -> datetime | None:
    """What the API shows as ``nextRunAt``: the stored value when it is current, otherwise
    what the next tick's reconcile will compute."""
    if not campaign.fires_on_schedule:
        return None
    state = getattr(campaign, "schedule_state", None)
    if state is not None and state.config_version == campaign.version:
        return state.next_run_at
    now = now or timezone.now()
    return compute_next_run_at(
        campaign, after=_not_before_last(state, now) if state is not None else now
    )


# --- the tick ------------------------------------------------------------------------------


@dataclass
class TickReport:
    now: datetime
    reconciled: int = 0
    fired: list[tuple[str, str, str]] = field(default_factory=list)  # (campaign, slot, run)
    already_fired: int = 0
    errors: int = 0
    skipped_no_factory: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(),
            "reconciled": self.reconciled,
            "fired": [{"campaignId": c, "slotAt": s, "runId": r} for c, s, r in self.fired],
            "alreadyFired": self.already_fired,
            "errors": self.errors,
            "skippedNoFactory": self.skipped_no_factory,
        }


def schedule_tick(
    *, now: datetime | None = None, create_run: RunFactory | None = None
) -> TickReport:
    """One scheduler pass. Safe to run concurrently and repeatedly."""
    report = TickReport(now=now or timezone.now())
    report.reconciled = reconcile_states(now=report.now)
    factory = create_run or _run_factory
    if factory is None:
        if ScheduleState.objects.filter(_due(report.now)).exists():
            logger.warning("campaign slots are due but no run factory is registered")
        report.skipped_no_factory = True
        return report
    seen: set[str] = set()  # a slot left due by an error is retried next tick, not in a loop
    while True:
        with transaction.atomic():
            claimed = list(
                ScheduleState.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("campaign")
                .filter(_due(report.now))
                .exclude(campaign_id__in=seen)
                .order_by("next_run_at", "campaign_id")[:CLAIM_BATCH]
            )
            for state in claimed:
                seen.add(state.campaign_id)
                _fire(state, report, factory)
        if len(claimed) < CLAIM_BATCH:
            return report


def _due(now: datetime) -> Q:
    return Q(
        next_run_at__lte=now,
        campaign__status=Campaign.Status.ACTIVE,
        campaign__deleted_at__isnull=True,
    )


def _fire(state: ScheduleState, report: TickReport, factory: RunFactory) -> None:
    campaign = state.campaign
    now = report.now
    if state.config_version != campaign.version:
        # The campaign row was read before a concurrent change committed, or was changed
        # outside our services: read it again before deciding.
        campaign = state.campaign = Campaign.all_objects.get(pk=state.campaign_id)
    if state.config_version != campaign.version or not campaign.fires_on_schedule:
        _recompute(state, now)
        report.reconciled += 1
        return
    due_since = state.next_run_at
    assert due_since is not None
    try:
        slot = latest_slot(campaign.schedule(), not_before=due_since, not_after=now)
    except ScheduleError:
        slot = None
    if slot is None:
        _recompute(state, now)
        report.reconciled += 1
        return
    try:
        with transaction.atomic():
            record = CampaignSlot.objects.create(
                tenant_id=campaign.tenant_id,
                campaign=campaign,
                slot_at=slot,
                fired_at=now,
                missed_since=due_since if due_since < slot else None,
            )
            run = factory(campaign=campaign, trigger=TRIGGER_SCHEDULE, slot_at=slot)
            record.run_id = str(getattr(run, "pk", "") or "")
            record.save(update_fields=["run_id"])
    except IntegrityError:
        # The slot (or its run) exists already: a retried tick or another scheduler got here
        # first. Never a second run; just move on.
        ours = CampaignSlot.objects.filter(campaign=campaign, slot_at=slot).exists()
        logger.log(
            logging.INFO if ours else logging.WARNING,
            "campaign %s: slot %s already fired%s",
            campaign.pk,
            slot.isoformat(),
            "" if ours else " (the run factory reported a duplicate)",
            exc_info=not ours,
        )
        report.already_fired += 1
    except Exception:
        # Nothing was recorded (savepoint rolled back): the slot stays due and the next tick
        # tries again.
        logger.exception("campaign %s: creating the run for %s failed", campaign.pk, slot)
        report.errors += 1
        return
    else:
        report.fired.append((campaign.pk, slot.isoformat(), record.run_id))
    state.last_scheduled_slot = slot
    state.next_run_at = compute_next_run_at(campaign, after=max(slot, now))
    state.save(update_fields=["last_scheduled_slot", "next_run_at", "updated_at"])


def _recompute(state: ScheduleState, now: datetime) -> None:
    state.next_run_at = compute_next_run_at(state.campaign, after=_not_before_last(state, now))
    state.config_version = state.campaign.version
    state.save(update_fields=["next_run_at", "config_version", "updated_at"])


def reconcile_states(*, now: datetime) -> int:
    """Create or refresh the state of active campaigns changed outside our services."""
    stale_ids = list(
        Campaign.objects.filter(status=Campaign.Status.ACTIVE)
        .filter(Q(schedule_state__isnull=True) | ~Q(schedule_state__config_version=F("version")))
        .values_list("pk", flat=True)[:1000]
    )
    done = 0
    for campaign_id in stale_ids:
        with transaction.atomic():
            ScheduleState.objects.bulk_create(
                [ScheduleState(campaign_id=campaign_id, config_version=0)], ignore_conflicts=True
            )
            state = (
                ScheduleState.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("campaign")
                .filter(campaign_id=campaign_id)
                .first()
            )
            if state is None or state.config_version == state.campaign.version:
                continue  # another tick holds it, or it was fixed meanwhile
            _recompute(state, now)
            done += 1
    return done


# --- on demand -----------------------------------------------------------------------------


def trigger_run(
    *, campaign: Campaign, requested_by: str = "", trigger: str = TRIGGER_MANUAL
) -> Any:
    """Run now (admin action, UI): one run outside the schedule, through the same factory."""
    from core.errors import Conflict

    factory = _run_factory
    if factory is None:
        raise Conflict("Runs are not available: no run factory is registered.")
    with transaction.atomic():
        return factory(campaign=campaign, trigger=trigger, requested_by=requested_by, slot_at=None)

"""Reads for the marketer pages, always scoped to one tenant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from campaigns.models import Campaign, ScheduleState
from campaigns.scheduling import next_run_at_for_display
from core.models import Tenant
from runs.models import DeadLetter, Run

CAMPAIGN_STATUSES = tuple(Campaign.Status.values)


def campaign_get(*, tenant: Tenant, campaign_id: str) -> Campaign:
    """Another tenant's campaign, or a deleted one, is a 404 like a missing one."""
    campaign = (
        Campaign.objects.filter(tenant=tenant, pk=campaign_id)
        .select_related("decision_flow", "segment", "schedule_state")
        .first()
    )
    if campaign is None:
        raise Http404("campaign not found")
    return campaign


def campaign_search(*, tenant: Tenant, query: str = "", status: str = "") -> QuerySet[Campaign]:
    qs = Campaign.objects.filter(tenant=tenant).select_related(
        "decision_flow", "segment", "schedule_state"
    )
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(description__icontains=query))
    if status in CAMPAIGN_STATUSES:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "id")


def last_runs_by_campaign(campaign_ids: list[str]) -> dict[str, Run]:
    runs = (
        Run.objects.filter(campaign_id__in=campaign_ids)
        .order_by("campaign_id", "-created_at")
        .distinct("campaign_id")
    )
    return {run.campaign_id: run for run in runs}


def run_get(*, tenant: Tenant, run_id: str) -> Run:
    run = Run.objects.filter(tenant=tenant, pk=run_id).select_related("campaign").first()
    if run is None:
        raise Http404("run not found")
    return run


@dataclass(frozen=True)
class UpcomingRun:
    campaign: Campaign
    at: datetime


@dataclass(frozen=True)
class Dashboard:
    active_count: int
    draft_count: int
    paused_count: int
    runs_today: int
    active_campaigns: list[Campaign]
    upcoming: list[UpcomingRun]
    last_runs: list[Run]
    failures: list[Run]
    dead_letters: list[DeadLetter]
    open_dead_letters: int


def dashboard(*, tenant: Tenant, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    campaigns = Campaign.objects.filter(tenant=tenant)
    counts: dict[str, int] = {}
    for status in campaigns.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    active = list(
        campaigns.filter(status=Campaign.Status.ACTIVE)
        .select_related("segment", "decision_flow", "schedule_state")
        .order_by("name")[:8]
    )
    states = (
        ScheduleState.objects.filter(
            campaign__tenant=tenant,
            campaign__status=Campaign.Status.ACTIVE,
            campaign__deleted_at__isnull=True,
            next_run_at__isnull=False,
        )
        .select_related("campaign")
        .order_by("next_run_at")[:6]
    )
    upcoming = [
        UpcomingRun(state.campaign, state.next_run_at) for state in states if state.next_run_at
    ]
    runs = Run.objects.filter(tenant=tenant).select_related("campaign")
    failed = (Run.Status.FAILED, Run.Status.COMPLETED_WITH_ERRORS)
    letters = DeadLetter.objects.filter(tenant=tenant, status=DeadLetter.Status.OPEN)
    return Dashboard(
        active_count=counts.get(Campaign.Status.ACTIVE, 0),
        draft_count=counts.get(Campaign.Status.DRAFT, 0),
        paused_count=counts.get(Campaign.Status.PAUSED, 0),
        runs_today=runs.filter(created_at__gte=now - timedelta(hours=24)).count(),
        active_campaigns=active,
        upcoming=upcoming,
        last_runs=list(runs.order_by("-created_at")[:8]),
        failures=list(
            runs.filter(status__in=failed, created_at__gte=now - timedelta(days=7)).order_by(
                "-created_at"
            )[:5]
        ),
        dead_letters=list(
            letters.select_related("run", "run__campaign").order_by("-created_at")[:5]
        ),
        open_dead_letters=letters.count(),
    )


def next_run(campaign: Campaign) -> datetime | None:
    return next_run_at_for_display(campaign)


def annotate_campaigns(campaigns: list[Campaign]) -> list[dict[str, Any]]:
    """Rows for the campaigns table: the campaign, its next run and its last run."""
    last = last_runs_by_campaign([c.pk for c in campaigns])
    return [{"campaign": c, "next_run": next_run(c), "last_run": last.get(c.pk)} for c in campaigns]

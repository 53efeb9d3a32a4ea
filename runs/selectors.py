from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from core.errors import InvalidInput
from core.models import Tenant
from runs.models import Run, RunResult


def run_list(
    *, tenant: Tenant, status: str | None = None, campaign_id: str | None = None
) -> QuerySet[Run]:
    qs = Run.objects.filter(tenant=tenant).order_by("-created_at")
    if status:
        if status not in Run.Status.values:
            raise InvalidInput(
                "Unknown status", details={"status": [f"One of {', '.join(Run.Status.values)}."]}
            )
        qs = qs.filter(status=status)
    if campaign_id:
        qs = qs.filter(campaign_id=campaign_id)
    return qs


def run_results(*, run: Run, search: str | None = None) -> QuerySet[RunResult]:
    qs = RunResult.objects.filter(run=run).order_by("seq", "rank")
    if search:
        qs = qs.filter(external_id__startswith=search)
    return qs


def snapshot_names(run: Run) -> dict[str, dict[str, str]]:
    """Offer, channel and creative names as they were when the run started."""
    snapshot: dict[str, Any] = run.snapshot or {}
    return {
        kind: {key: value.get("name", key) for key, value in (snapshot.get(kind) or {}).items()}
        for kind in ("offers", "channels", "creatives")
    }

"""What the campaign page shows about one run: live progress while it works, then its stats,
charts, per-customer results and file."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.urls import reverse

from runs.models import Run
from runs.selectors import run_results, snapshot_names
from runs.serializers import RunSerializer
from ui.charts import bar_chart

RESULTS_PAGE_SIZE = 25


def run_progress(run: Run) -> dict[str, Any]:
    """The API's own progress numbers (``GET /api/v1/runs/{id}``), plus what the bar needs."""
    data = RunSerializer(run).data
    progress = dict(data["progress"])
    return {
        "id": run.pk,
        "status": run.status,
        "statusLabel": run.get_status_display().replace("_", " ").capitalize(),
        "finished": run.is_finished,
        "percent": progress["percent"],
        "processed": progress["processed"],
        "total": progress["total"],
        "chunksDone": progress["chunksDone"],
        "chunkCount": progress["chunkCount"],
        "error": run.error,
    }


def _results(run: Run, request: HttpRequest) -> dict[str, Any]:
    search = request.GET.get("q", "").strip()[:255]
    page = Paginator(run_results(run=run, search=search or None), RESULTS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    names = snapshot_names(run)
    rows = [
        {
            "customer_id": result.external_id,
            "rank": result.rank,
            "offer": names["offers"].get(result.offer_id, result.offer_id),
            "channel": names["channels"].get(result.channel_id, result.channel_id),
            "creative": names["creatives"].get(result.creative_id, result.creative_id),
            "score": result.score,
        }
        for result in page.object_list
    ]
    return {"search": search, "page_obj": page, "rows": rows}


def run_panel(run: Run, request: HttpRequest) -> dict[str, Any]:
    panel: dict[str, Any] = {
        "run": run,
        "progress": run_progress(run),
        "progress_url": reverse("ui:run-progress", args=[run.pk]),
        "finished": run.is_finished,
        "failed": run.status in (Run.Status.FAILED, Run.Status.CANCELLED),
    }
    if not run.is_finished:
        return panel
    summary: dict[str, Any] = run.summary or {}
    panel.update(
        {
            "stats": run.stats or {},
            "summary": summary,
            "offer_chart": bar_chart(
                chart_id=f"chart-offers-{run.pk}",
                title="Recommendations by offer",
                noun="offers",
                items=summary.get("byOffer") or [],
            ),
            "channel_chart": bar_chart(
                chart_id=f"chart-channels-{run.pk}",
                title="Recommendations by channel",
                noun="channels",
                items=summary.get("byChannel") or [],
            ),
            "results": _results(run, request),
            "download_url": f"/api/v1/runs/{run.pk}/file" if run.file_path else "",
        }
    )
    return panel

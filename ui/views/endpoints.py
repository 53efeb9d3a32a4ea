"""Small JSON endpoints the pages poll: run progress, schedule preview, segment size."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from audience.models import Segment
from ui import selectors
from ui.catalog_data import segment_customer_count
from ui.run_view import run_progress
from ui.schedule_preview import schedule_preview
from ui.views.base import TenantPage


class _JsonPage(TenantPage):
    http_method_names = ["get"]


class RunProgressView(_JsonPage):
    def get(self, request: HttpRequest, run_id: str) -> HttpResponse:
        run = selectors.run_get(tenant=self.tenant, run_id=run_id)
        response = JsonResponse(run_progress(run))
        response["Cache-Control"] = "no-store"
        return response


class SchedulePreviewView(_JsonPage):
    def get(self, request: HttpRequest) -> HttpResponse:
        return JsonResponse(schedule_preview(request.GET, now=timezone.now()))


class SegmentCountView(_JsonPage):
    def get(self, request: HttpRequest, segment_id: str) -> HttpResponse:
        segment = (
            Segment.objects.filter(tenant=self.tenant, pk=segment_id)
            .select_related("stats")
            .first()
        )
        if segment is None:
            return JsonResponse({"error": "Segment not found."}, status=404)
        counted_at = segment.last_refreshed_at
        return JsonResponse(
            {
                "id": segment.pk,
                "name": segment.name,
                "count": segment_customer_count(segment),
                "countedAt": counted_at.isoformat() if isinstance(counted_at, datetime) else None,
            }
        )

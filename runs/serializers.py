from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import CamelModelSerializer
from runs.models import DeadLetter, Run, RunResult


class RunSerializer(CamelModelSerializer):
    campaignId = serializers.CharField(source="campaign_id", read_only=True)
    progress = serializers.SerializerMethodField()
    file = serializers.SerializerMethodField()

    class Meta:
        model = Run
        fields = [
            "id",
            "campaignId",
            "status",
            "trigger",
            "slot_at",
            "requested_by",
            "started_at",
            "completed_at",
            "error",
            "decision_flow_id",
            "flow_version",
            "segment_view_name",
            "progress",
            "stats",
            "summary",
            "file",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "processed": {"type": "integer"},
                "total": {"type": "integer"},
                "percent": {"type": "number"},
                "chunksDone": {"type": "integer"},
                "chunkCount": {"type": "integer"},
            },
        }
    )
    def get_progress(self, run: Run) -> dict[str, Any]:
        total = run.total_customers
        if run.status in (Run.Status.COMPLETED, Run.Status.COMPLETED_WITH_ERRORS):
            percent = 100.0
        elif total:
            # Evaluating customers is most of the work; the last 5% is allocation and the file.
            percent = round(95.0 * min(run.processed, total) / total, 1)
        else:
            percent = 0.0
        return {
            "processed": run.processed,
            "total": total,
            "percent": percent,
            "chunksDone": run.chunks_done,
            "chunkCount": run.chunk_count,
        }

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {
                "format": {"type": "string"},
                "rows": {"type": "integer"},
                "size": {"type": "integer"},
                "sha256": {"type": "string"},
                "downloadUrl": {"type": "string"},
                "uploadUrl": {"type": "string"},
                "uploadError": {"type": "string"},
            },
        }
    )
    def get_file(self, run: Run) -> dict[str, Any] | None:
        if not run.file_path:
            return None
        return {
            "format": run.file_format,
            "rows": run.file_rows,
            "size": run.file_size,
            "sha256": run.file_sha256,
            "downloadUrl": f"/api/v1/runs/{run.pk}/file",
            "uploadUrl": run.upload_url,
            "uploadError": run.upload_error,
        }


class RunResultSerializer(serializers.ModelSerializer):
    """One recommendation for one customer, ids resolved to names from the run's snapshot."""

    customerId = serializers.CharField(source="external_id")
    offerId = serializers.CharField(source="offer_id")
    offerName = serializers.SerializerMethodField()
    channelId = serializers.CharField(source="channel_id")
    channelName = serializers.SerializerMethodField()
    creativeId = serializers.CharField(source="creative_id")
    creativeName = serializers.SerializerMethodField()

    class Meta:
        model = RunResult
        fields = [
            "customerId",
            "rank",
            "offerId",
            "offerName",
            "channelId",
            "channelName",
            "creativeId",
            "creativeName",
            "score",
            "personalization",
        ]

    def _name(self, kind: str, key: str) -> str:
        names = self.context.get("names", {}).get(kind, {})
        return str(names.get(key, key))

    def get_offerName(self, obj: RunResult) -> str:
        return self._name("offers", obj.offer_id)

    def get_channelName(self, obj: RunResult) -> str:
        return self._name("channels", obj.channel_id)

    def get_creativeName(self, obj: RunResult) -> str:
        return self._name("creatives", obj.creative_id)


class ExecuteInlineSerializer(serializers.Serializer):
    runId = serializers.CharField()
    decisionFlowId = serializers.CharField()
    segmentViewName = serializers.CharField(max_length=63)


class DeadLetterSerializer(CamelModelSerializer):
    runId = serializers.CharField(source="run_id", read_only=True)

    class Meta:
        model = DeadLetter
        fields = [
            "id",
            "runId",
            "kind",
            "reference",
            "error",
            "attempts",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

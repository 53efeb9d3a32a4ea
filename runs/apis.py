"""Run endpoints: trigger and list a campaign's runs, follow one, read its results, download its
file, cancel it, execute inline; and the dead-letter queue."""

from __future__ import annotations

from pathlib import Path

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from campaigns.models import Campaign
from core.api.views import TenantAPIView
from core.errors import InvalidInput, NotFound
from core.roles import Role
from runs import selectors, services
from runs.models import DeadLetter, Run
from runs.serializers import (
    DeadLetterSerializer,
    ExecuteInlineSerializer,
    RunResultSerializer,
    RunSerializer,
)


def _actor(request: Request) -> str:
    user = request.user
    return user.get_username() if user is not None else ""


class CampaignRunsView(TenantAPIView, GenericAPIView):
    serializer_class = RunSerializer
    queryset = Run.objects.none()  # for the schema; the views filter by tenant and campaign

    def _campaign(self, campaign_id: str) -> Campaign:
        campaign = Campaign.objects.filter(tenant=self.tenant, pk=campaign_id).first()
        if campaign is None:
            raise NotFound(f"Campaign '{campaign_id}' not found")
        return campaign

    @extend_schema(
        responses=RunSerializer(many=True), summary="List a campaign's runs, newest first"
    )
    def get(self, request: Request, campaign_id: str) -> Response:
        campaign = self._campaign(campaign_id)
        page = self.paginate_queryset(
            Run.objects.filter(tenant=self.tenant, campaign=campaign).order_by("-created_at")
        )
        return self.get_paginated_response(RunSerializer(page, many=True).data)

    @extend_schema(
        request=None, responses={201: RunSerializer}, summary="Trigger a run (status pending)"
    )
    def post(self, request: Request, campaign_id: str) -> Response:
        run = services.run_create(
            campaign=self._campaign(campaign_id),
            trigger=Run.Trigger.API,
            requested_by=_actor(request),
        )
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)


@extend_schema(
    parameters=[
        OpenApiParameter("status", str, description="Filter by status"),
        OpenApiParameter("campaignId", str, description="Filter by campaign"),
    ]
)
class RunViewSet(
    TenantAPIView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = RunSerializer
    role_by_action = {"cancel": Role.EDITOR, "execute": Role.EDITOR}

    def get_queryset(self) -> QuerySet[Run]:
        if getattr(self, "swagger_fake_view", False):
            return Run.objects.none()
        params = self.request.query_params
        return selectors.run_list(
            tenant=self.tenant, status=params.get("status"), campaign_id=params.get("campaignId")
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
            OpenApiParameter("search", str, description="Customer id (external id) prefix"),
        ],
        responses=RunResultSerializer(many=True),
        summary="Per-customer results, in segment order, with names resolved",
    )
    @action(detail=True, methods=["get"])
    def results(self, request: Request, pk: str | None = None) -> Response:
        run = self.get_object()
        page = self.paginate_queryset(
            selectors.run_results(run=run, search=request.query_params.get("search"))
        )
        context = {"names": selectors.snapshot_names(run)}
        return self.get_paginated_response(
            RunResultSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, "application/json"): OpenApiTypes.BINARY,
        },
        summary="Download the output file (CSV or JSON, as configured)",
    )
    @action(detail=True, methods=["get"])
    def file(self, request: Request, pk: str | None = None) -> FileResponse:
        run = self.get_object()
        path = Path(run.file_path) if run.file_path else None
        if path is None or not path.exists():
            raise NotFound("This run has no output file (yet).")
        content_type = "text/csv" if run.file_format == "csv" else "application/json"
        return FileResponse(
            open(path, "rb"),
            as_attachment=True,
            filename=f"{run.pk}.{run.file_format}",
            content_type=content_type,
        )

    @extend_schema(request=None, responses=RunSerializer, summary="Cancel a pending or running run")
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        return Response(RunSerializer(services.run_cancel(run=self.get_object())).data)

    @extend_schema(
        request=ExecuteInlineSerializer,
        responses={
            200: inline_serializer(
                "InlineExecution",
                {"dispatched": serializers.BooleanField(), "runId": serializers.CharField()},
            ),
            404: OpenApiResponse(description="No such run in this tenant"),
            409: OpenApiResponse(description="The run is not pending"),
        },
        summary="Execute a pending run inline against a flow and a segment view",
        description="Returns 200 at once; the run record's status and error are the source of truth.",
    )
    @action(detail=False, methods=["post"])
    def execute(self, request: Request) -> Response:
        payload = ExecuteInlineSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        run = Run.objects.filter(tenant=self.tenant, pk=data["runId"]).first()
        if run is None:
            raise NotFound(f"Run '{data['runId']}' not found")
        services.run_execute_inline(
            run=run,
            decision_flow_id=data["decisionFlowId"],
            segment_view_name=data["segmentViewName"],
        )
        return Response({"dispatched": True, "runId": run.pk})


class DeadLetterViewSet(
    TenantAPIView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Work that failed after its retries. Retry resumes the run where it stopped; purge closes it."""

    serializer_class = DeadLetterSerializer
    role_by_action = {"retry": Role.EDITOR, "purge": Role.ADMIN}

    def get_queryset(self) -> QuerySet[DeadLetter]:
        if getattr(self, "swagger_fake_view", False):
            return DeadLetter.objects.none()
        qs = DeadLetter.objects.filter(tenant=self.tenant)
        wanted = self.request.query_params.get("status")
        if wanted:
            if wanted not in DeadLetter.Status.values:
                raise InvalidInput(
                    "Unknown status",
                    details={"status": [f"One of {', '.join(DeadLetter.Status.values)}."]},
                )
            qs = qs.filter(status=wanted)
        return qs

    @extend_schema(
        request=None,
        responses={200: DeadLetterSerializer, 409: OpenApiResponse(description="Not open")},
    )
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        return Response(
            DeadLetterSerializer(services.dead_letter_retry(letter=self.get_object())).data
        )

    @extend_schema(request=None, responses=DeadLetterSerializer)
    @action(detail=True, methods=["post"])
    def purge(self, request: Request, pk: str | None = None) -> Response:
        return Response(
            DeadLetterSerializer(services.dead_letter_purge(letter=self.get_object())).data
        )

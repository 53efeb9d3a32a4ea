"""Decisioning API: decision flows (CRUD, publish, versions, rollback), outcome types,
interaction history (read-only), and the real-time recommend / respond endpoints."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.pagination import KeysetCursorPagination, OffsetPagination
from core.api.views import TenantAPIView, TenantModelViewSet, integrity_errors_as_api_errors
from core.errors import InvalidInput
from core.roles import Role
from decisioning.filters import DecisionFlowFilter, InteractionFilter, OutcomeTypeFilter
from decisioning.models import DecisionFlow, Interaction, OutcomeType
from decisioning.realtime import recommend, respond
from decisioning.serializers import (
    DecisionFlowSerializer,
    DecisionFlowVersionSerializer,
    InteractionSerializer,
    OutcomeTypeSerializer,
    PublishSerializer,
    RecommendRequestSerializer,
    RecommendResponseSerializer,
    RespondRequestSerializer,
    RespondResponseSerializer,
    RollbackSerializer,
    recommend_body,
)
from decisioning.services import (
    decision_flow_create,
    decision_flow_publish,
    decision_flow_rollback,
    decision_flow_update,
    outcome_type_create,
)

ERRORS = {
    400: OpenApiResponse(description="Validation error; error.details names the field path."),
    401: OpenApiResponse(description="Missing or invalid API key / session."),
    403: OpenApiResponse(description="Insufficient role."),
    404: OpenApiResponse(description="Not found in this tenant."),
}
CONFLICT = OpenApiResponse(description="Conflict (duplicate key or invalid state).")


def _data(request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise InvalidInput(
            "The body must be a JSON object.", details={"body": ["Must be a JSON object."]}
        )
    return request.data


class DecisionFlowViewSet(TenantModelViewSet):
    """Decision flows. The draft ``config`` is edited freely; ``publish`` freezes it as the
    next numbered version, which is what campaigns, journeys and /recommend execute."""

    model = DecisionFlow
    serializer_class = DecisionFlowSerializer
    filterset_class = DecisionFlowFilter
    role_by_action = {"versions": Role.VIEWER}

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return DecisionFlow.objects.none()
        return (
            self.base_queryset().select_related("published_version").order_by("-created_at", "-id")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=_data(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with integrity_errors_as_api_errors():
            flow = decision_flow_create(
                tenant=self.tenant,
                key=data["key"],
                name=data["name"],
                description=data.get("description", ""),
                status=data.get("status", DecisionFlow.Status.DRAFT),
                config=data.get("config"),
            )
        flow.refresh_from_db()
        return Response(self.get_serializer(flow).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        flow = self.get_object()
        serializer = self.get_serializer(flow, data=_data(request), partial=True)
        serializer.is_valid(raise_exception=True)
        with integrity_errors_as_api_errors():
            flow = decision_flow_update(flow=flow, data=dict(serializer.validated_data))
        return Response(self.get_serializer(flow).data)

    @extend_schema(
        request=PublishSerializer,
        responses={201: DecisionFlowVersionSerializer, **ERRORS, 409: CONFLICT},
        summary="Publish the draft config as a new immutable version",
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        flow = self.get_object()
        has_body = request.META.get("CONTENT_LENGTH") not in (None, "", "0")
        body = PublishSerializer(data=_data(request) if has_body else {})
        body.is_valid(raise_exception=True)
        user = request.user if getattr(request.user, "pk", None) else None
        version = decision_flow_publish(flow=flow, user=user, note=body.validated_data["note"])
        return Response(DecisionFlowVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=RollbackSerializer,
        responses={201: DecisionFlowVersionSerializer, **ERRORS, 409: CONFLICT},
        summary="Re-publish an earlier version as a new version",
    )
    @action(detail=True, methods=["post"])
    def rollback(self, request: Request, pk: str | None = None) -> Response:
        flow = self.get_object()
        body = RollbackSerializer(data=_data(request))
        body.is_valid(raise_exception=True)
        user = request.user if getattr(request.user, "pk", None) else None
        version = decision_flow_rollback(
            flow=flow, number=body.validated_data["version"], user=user
        )
        return Response(DecisionFlowVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: DecisionFlowVersionSerializer(many=True), **ERRORS},
        summary="Published versions, newest first",
    )
    @action(detail=True, methods=["get"])
    def versions(self, request: Request, pk: str | None = None) -> Response:
        flow = self.get_object()
        qs = flow.versions.select_related("published_by").order_by("-number")
        paginator = OffsetPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(DecisionFlowVersionSerializer(page, many=True).data)


class OutcomeTypeViewSet(TenantModelViewSet):
    """Tenant-defined outcomes accepted by /respond, beyond the built-in ones."""

    model = OutcomeType
    serializer_class = OutcomeTypeSerializer
    filterset_class = OutcomeTypeFilter

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return OutcomeType.objects.none()
        return self.base_queryset()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=_data(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with integrity_errors_as_api_errors():
            outcome = outcome_type_create(
                tenant=self.tenant,
                key=data["key"],
                name=data["name"],
                description=data.get("description", ""),
            )
        outcome.refresh_from_db()
        return Response(self.get_serializer(outcome).data, status=status.HTTP_201_CREATED)


@extend_schema(summary="Interaction history (recommendations and outcomes), newest first")
class InteractionViewSet(TenantAPIView, viewsets.ReadOnlyModelViewSet):
    serializer_class = InteractionSerializer
    filterset_class = InteractionFilter
    pagination_class = KeysetCursorPagination
    lookup_value_regex = r"[A-Za-z0-9_\-]+"

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Interaction.objects.none()
        return Interaction.objects.filter(tenant=self.tenant)


IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Required unless the body has idempotencyKey; the same key records once.",
)


class RecommendView(TenantAPIView, GenericAPIView):
    audit_writes = False  # interactions are not audited entities
    role_by_method = {"POST": Role.EDITOR, "OPTIONS": Role.VIEWER}
    serializer_class = RecommendRequestSerializer

    @extend_schema(
        request=RecommendRequestSerializer,
        responses={200: RecommendResponseSerializer, **ERRORS, 409: CONFLICT},
        summary="Next best actions for one customer, now",
        description=(
            "Runs the published version of the decision flow (decisionFlowKey, else the "
            "tenant's 'default' flow, else its most recently published active flow) and records "
            "each decision as a 'recommendation' interaction; the offers' exposure counts "
            "(the learned propensities' denominators) follow within "
            "NUDGE_EXPOSURE_FLUSH_SECONDS (1 s). A newly published version applies at once. "
            "404: unknown customer or flow. 409: the flow has no published version, or is "
            "paused/archived."
        ),
    )
    def post(self, request: Request) -> Response:
        v = recommend_body(_data(request))
        rec = recommend(
            tenant=self.tenant,
            customer_ref=v["customerId"],
            flow_key=v.get("decisionFlowKey"),
            flow_id=v.get("decisionFlowId"),
            channel=v.get("channel"),
            placement=v.get("placement"),
            limit=v.get("limit"),
            context=v.get("context"),
            attributes=v.get("attributes"),
            debug=v.get("debug", False),
        )
        decisions = []
        ids: list[str | None] = [*rec.interaction_ids] or [None] * len(rec.decisions)
        for d, interaction_id in zip(rec.decisions, ids, strict=True):
            decisions.append(
                {
                    "offerId": d.offer_id,
                    "offerName": d.offer_name,
                    "categoryId": d.category_id,
                    "categoryName": d.category_name,
                    "channel": d.channel_name,
                    "channelId": d.channel_id,
                    "placementId": d.placement_id,
                    "creativeId": d.creative_id,
                    "creativeName": d.creative_name,
                    "content": d.content,
                    "score": d.score,
                    "rank": d.rank,
                    "interactionId": interaction_id,
                }
            )
        payload: dict[str, Any] = {
            "recommendationId": rec.recommendation_id,
            "customerId": rec.customer_ref,
            "decisionFlowId": rec.flow.id,
            "decisionFlowVersion": rec.flow_version,
            "count": len(decisions),
            "decisions": decisions,
        }
        if rec.trace is not None:
            payload["trace"] = rec.trace
        return Response(payload)


class RespondView(TenantAPIView, GenericAPIView):
    audit_writes = False  # interactions are not audited entities
    role_by_method = {"POST": Role.EDITOR, "OPTIONS": Role.VIEWER}
    serializer_class = RespondRequestSerializer

    @extend_schema(
        request=RespondRequestSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: RespondResponseSerializer,
            200: OpenApiResponse(
                RespondResponseSerializer, description="Replay of an already-recorded key."
            ),
            **ERRORS,
            409: OpenApiResponse(description="The key was used for a different outcome."),
        },
        summary="Report an outcome of a recommendation (idempotent)",
    )
    def post(self, request: Request) -> Response:
        body = RespondRequestSerializer(data=_data(request))
        body.is_valid(raise_exception=True)
        v = body.validated_data
        header = (request.META.get("HTTP_IDEMPOTENCY_KEY") or "").strip()
        key = v.get("idempotencyKey") or header
        if not key:
            raise InvalidInput(
                "An idempotency key is required",
                details={"idempotencyKey": ["Send the Idempotency-Key header or idempotencyKey."]},
            )
        if header and v.get("idempotencyKey") and header != v["idempotencyKey"]:
            raise InvalidInput(
                "Idempotency-Key header and idempotencyKey differ",
                details={"idempotencyKey": ["Must equal the Idempotency-Key header."]},
            )
        if len(key) > 255:
            raise InvalidInput(
                "Idempotency key too long", details={"idempotencyKey": ["At most 255 characters."]}
            )
        result = respond(
            tenant=self.tenant,
            customer_ref=v["customerId"],
            outcome=v["outcome"],
            idempotency_key=key,
            recommendation_id=v.get("recommendationId"),
            interaction_id=v.get("interactionId"),
            offer_id=v.get("offerId"),
            channel_id=v.get("channelId"),
            conversion_value=v.get("conversionValue"),
            context=v.get("context"),
        )
        i = result.interaction
        payload = {
            "interactionId": i.pk,
            "recommendationId": i.recommendation_id,
            "customerId": result.customer_ref,
            "offerId": i.offer_id,
            "channelId": i.channel_id,
            "outcome": i.outcome,
            "conversionValue": None if i.conversion_value is None else str(i.conversion_value),
            "idempotencyKey": i.idempotency_key,
            "recorded": result.recorded,
            "createdAt": i.created_at,
        }
        return Response(
            RespondResponseSerializer(payload).data,
            status=status.HTTP_201_CREATED if result.recorded else status.HTTP_200_OK,
        )

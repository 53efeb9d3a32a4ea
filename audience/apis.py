"""Audience endpoints: /customers (+ /bulk) and /segments (+ preview, refresh, members)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiTypes,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from audience import selectors, services
from audience.filters import CustomerFilter, SegmentFilter
from audience.models import Customer, Segment
from audience.segment_sql import parse_segment_rule
from audience.serializers import (
    BulkResultSerializer,
    CustomerSerializer,
    MembersRequestSerializer,
    MembersResultSerializer,
    PreviewSerializer,
    RulePreviewRequestSerializer,
    SegmentSerializer,
)
from core.api.views import TenantModelViewSet, integrity_errors_as_api_errors, truthy
from core.errors import InvalidInput
from core.roles import Role

SUCCESS = inline_serializer(
    "AudienceDeleteResult", {"success": serializers.BooleanField(), "id": serializers.CharField()}
)
CUSTOMER_DELETED = inline_serializer(
    "CustomerDeleteResult",
    {"success": serializers.BooleanField(), "id": serializers.IntegerField()},
)
ANY_JSON: dict[str, Any] = {
    "description": "Any JSON value; a row that is not an object is "
    "reported as failed with its index."
}
BULK_BODY = {
    "oneOf": [
        {
            "type": "object",
            "required": ["customers"],
            "properties": {"customers": {"type": "array", "maxItems": 10_000, "items": ANY_JSON}},
        },
        {
            "type": "array",
            "maxItems": 10_000,
            "items": ANY_JSON,
            "description": "The rows alone (same as {customers: [...]}).",
        },
    ]
}
INCLUDE_DELETED = OpenApiParameter(
    "includeDeleted", bool, description="Also list (or find) soft-deleted rows. Default false."
)
CUSTOMER_ID = OpenApiParameter(
    "id", int, OpenApiParameter.PATH, description="Nudge's customer id (not the externalId)."
)


def _object_body(request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise InvalidInput(
            "The body must be a JSON object", details={"nonFieldErrors": ["Expected an object."]}
        )
    return request.data


class CsvTextParser(BaseParser):
    media_type = "text/csv"

    def parse(  # type: ignore[override]
        self, stream: Any, media_type: str | None = None, parser_context: Any = None
    ) -> str:
        raw = stream.read() if stream is not None else b""
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput("The CSV must be UTF-8", details={"file": ["Not UTF-8."]}) from None


@extend_schema_view(
    list=extend_schema(summary="List customers", parameters=[INCLUDE_DELETED]),
    retrieve=extend_schema(summary="Get a customer", parameters=[CUSTOMER_ID, INCLUDE_DELETED]),
    create=extend_schema(summary="Create a customer"),
    update=extend_schema(
        summary="Update a customer",
        parameters=[CUSTOMER_ID],
        description="Changes only the fields sent (same as PATCH); attributes is replaced "
        "as a whole; version +1.",
    ),
    partial_update=extend_schema(
        summary="Update a customer (fields sent only)", parameters=[CUSTOMER_ID]
    ),
    destroy=extend_schema(
        summary="Soft-delete a customer (admin)",
        parameters=[CUSTOMER_ID],
        description="Sets deletedAt; restore with POST /api/v1/restore.",
        responses=CUSTOMER_DELETED,
    ),
)
class CustomerViewSet(TenantModelViewSet):
    """Customers, in id order unless ``ordering`` says otherwise."""

    model = Customer
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Customer.objects.none()
        include_deleted = truthy(self.request.query_params.get("includeDeleted"))
        return selectors.customer_list(tenant=self.tenant, include_deleted=include_deleted)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with integrity_errors_as_api_errors():
            customer = services.customer_create(tenant=self.tenant, data=_object_body(request))
        return Response(self.get_serializer(customer).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        customer = self.get_object()
        with integrity_errors_as_api_errors():
            customer = services.customer_update(customer=customer, data=_object_body(request))
        return Response(self.get_serializer(customer).data)

    def perform_destroy(self, instance: Any) -> None:
        services.customer_delete(customer=instance)

    @extend_schema(
        summary="Upsert customers in bulk (up to 10,000)",
        description="Rows match live customers by externalId. Absent fields keep their value, "
        "null clears one, attributes are merged key by key. Each bad row is reported with its "
        "index and reasons; the good rows are written. A repeated externalId is an error on "
        "its later rows. The body is {customers: [...]} or the array of rows alone.",
        request={"application/json": BULK_BODY},
        responses=BulkResultSerializer,
    )
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request: Request) -> Response:
        body = request.data
        rows = body.get("customers") if isinstance(body, dict) else body
        if isinstance(body, dict) and "customers" not in body:
            raise InvalidInput(
                "customers is required", details={"customers": ["This field is required."]}
            )
        return Response(services.customers_bulk_upsert(tenant=self.tenant, rows=rows))


PREVIEW_DESCRIPTION = "The number of matching live customers and the first 20 (id order)."


@extend_schema_view(
    list=extend_schema(summary="List segments", parameters=[INCLUDE_DELETED]),
    retrieve=extend_schema(summary="Get a segment", parameters=[INCLUDE_DELETED]),
    create=extend_schema(
        summary="Create a segment",
        description="Creates the segment and its PostgreSQL view (viewName) in one "
        "transaction; customerCount follows shortly (or POST .../refresh).",
    ),
    update=extend_schema(
        summary="Update a segment",
        description="Changes only the fields sent; a new rule replaces the view; version +1.",
    ),
    partial_update=extend_schema(summary="Update a segment (fields sent only)"),
    destroy=extend_schema(
        summary="Soft-delete a segment (admin)",
        description="Drops its view; 409 while live campaigns use it. Restore with POST "
        "/api/v1/restore (the view comes back).",
        responses=SUCCESS,
    ),
)
class SegmentViewSet(TenantModelViewSet):
    """Segments of customers: rule-based or static, each backed by a PostgreSQL view."""

    model = Segment
    serializer_class = SegmentSerializer
    filterset_class = SegmentFilter
    role_by_action: ClassVar[dict[str, Role]] = {
        "preview": Role.VIEWER,
        "preview_rule": Role.VIEWER,
        "refresh": Role.EDITOR,
        "members": Role.EDITOR,
        "members_csv": Role.EDITOR,
    }

    @property
    def accepted_media_types(self) -> tuple[str, ...]:  # type: ignore[override]
        if getattr(self, "action", None) == "members_csv":
            return ("text/csv", "multipart/form-data")
        return ("application/json",)

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Segment.objects.none()
        include_deleted = truthy(self.request.query_params.get("includeDeleted"))
        return selectors.segment_list(tenant=self.tenant, include_deleted=include_deleted)

    def perform_create(self, serializer: Any) -> None:
        with integrity_errors_as_api_errors():
            serializer.instance = services.segment_create(
                tenant=self.tenant, **serializer.validated_data
            )

    def perform_update(self, serializer: Any) -> None:
        with integrity_errors_as_api_errors():
            serializer.instance = services.segment_update(
                segment=serializer.instance, data=serializer.validated_data
            )

    def perform_destroy(self, instance: Any) -> None:
        services.segment_delete(segment=instance)

    def _preview_response(self, count: int, customers: list[Customer]) -> Response:
        return Response(
            {"count": count, "customers": CustomerSerializer(customers, many=True).data}
        )

    @extend_schema(
        summary="Preview a segment",
        description=PREVIEW_DESCRIPTION + " Takes no body (an empty JSON object is accepted).",
        request=None,
        responses=PreviewSerializer,
    )
    @action(detail=True, methods=["get", "post"], url_path="preview")
    def preview(self, request: Request, pk: str | None = None) -> Response:
        if request.method == "POST" and request.META.get("CONTENT_LENGTH") not in (None, "", "0"):
            _object_body(request)
        segment = self.get_object()
        count, customers = selectors.segment_preview(segment=segment)
        return self._preview_response(count, customers)

    @extend_schema(
        summary="Preview an unsaved rule",
        operation_id="v1_segments_preview_rule",
        description=PREVIEW_DESCRIPTION + " Nothing is saved.",
        request=RulePreviewRequestSerializer,
        responses=PreviewSerializer,
    )
    @action(detail=False, methods=["post"], url_path="preview")
    def preview_rule(self, request: Request) -> Response:
        body = _object_body(request)
        rule = parse_segment_rule(body.get("combinator", "AND"), body.get("filters", []))
        count, customers = selectors.rule_preview(tenant=self.tenant, rule=rule)
        return self._preview_response(count, customers)

    @extend_schema(
        summary="Recount a segment",
        description="Counts the segment's customers now; sets customerCount and lastRefreshedAt.",
        request=None,
        responses=SegmentSerializer,
    )
    @action(detail=True, methods=["post"], url_path="refresh")
    def refresh(self, request: Request, pk: str | None = None) -> Response:
        segment = services.segment_refresh(segment=self.get_object())
        return Response(self.get_serializer(segment).data)

    @extend_schema(
        summary="Change a static segment's members",
        description="By customer externalId (at most 10,000 a request): mode add (default), "
        "remove or replace. Unknown ids are reported, not stored. 409 for rule segments.",
        request=MembersRequestSerializer,
        responses=MembersResultSerializer,
    )
    @action(detail=True, methods=["post"], url_path="members")
    def members(self, request: Request, pk: str | None = None) -> Response:
        segment = self.get_object()
        body = _object_body(request)
        mode = body.get("mode", "add")
        if "externalIds" not in body:
            raise InvalidInput(
                "externalIds is required", details={"externalIds": ["This field is required."]}
            )
        result = services.segment_members_change(
            segment=segment, external_ids=body["externalIds"], mode=mode
        )
        return Response(result)

    @extend_schema(
        summary="Upload a static segment's members as CSV",
        description="A text/csv body (or a multipart 'file') with one externalId per line "
        "(an externalId header is skipped; at most 200,000). ?mode=add|remove|replace (default add).",
        parameters=[OpenApiParameter("mode", str, enum=["add", "remove", "replace"])],
        request={"text/csv": OpenApiTypes.STR, "multipart/form-data": OpenApiTypes.OBJECT},
        responses=MembersResultSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="members/csv",
        parser_classes=[CsvTextParser, MultiPartParser, JSONParser],
    )
    def members_csv(self, request: Request, pk: str | None = None) -> Response:
        segment = self.get_object()
        data = request.data
        if isinstance(data, str):
            text = data
        else:
            upload = data.get("file") if hasattr(data, "get") else None
            if upload is None:
                raise InvalidInput("Send a CSV body or a 'file'", details={"file": ["Required."]})
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise InvalidInput(
                    "The CSV must be UTF-8", details={"file": ["Not UTF-8."]}
                ) from None
        external_ids = services.segment_members_from_lines(text.splitlines())
        result = services.segment_members_change(
            segment=segment,
            external_ids=external_ids,
            mode=request.query_params.get("mode", "add"),
            max_ids=services.MEMBERS_CSV_MAX_IDS,
        )
        return Response(result)

"""Creatives API, exactly as spec 003: PUT with ``id`` in the body and DELETE ``?id=`` on the
collection, keyset cursor pagination, editors may delete. Plus ``GET /creatives/{id}`` and
``POST /creatives/{id}/preview``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.pagination import KeysetCursorPagination, _decode_cursor
from core.api.serializers import SuccessSerializer
from core.api.views import (
    DEFAULT_ROLE_BY_METHOD,
    TenantModelViewSet,
    integrity_errors_as_api_errors,
    truthy,
)
from core.errors import InvalidInput
from core.roles import Role
from creatives.filters import CreativeFilter
from creatives.models import Creative
from creatives.preview import creative_preview, sample_customer, stored_customer
from creatives.selectors import creative_by_body_id, creative_list
from creatives.serializers import (
    CreativePreviewResultSerializer,
    CreativePreviewSerializer,
    CreativeSerializer,
    CreativeUpdateSerializer,
)
from creatives.services import creative_create, creative_delete, creative_update

INCLUDE_DELETED = OpenApiParameter(
    "includeDeleted",
    str,
    description='Set to "true" to include soft-deleted creatives.',
    enum=["true", "false"],
)
ERRORS = {
    400: OpenApiResponse(description="Validation error (the field is named in error.details)."),
    401: OpenApiResponse(description="Missing or invalid API key / session."),
    403: OpenApiResponse(description="Insufficient role."),
}


class CreativeCursorPagination(KeysetCursorPagination):
    """Core's keyset pagination, refusing a forged cursor whose id PostgreSQL cannot compare
    (a NUL byte would be a 500). Drop this once core's decoder checks it."""

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        cursor = request.query_params.get("cursor")
        if cursor and "\x00" in _decode_cursor(cursor)[1]:
            raise InvalidInput("Invalid cursor", details={"cursor": ["Invalid cursor."]})
        return super().paginate_queryset(queryset, request, view)


class CreativeViewSet(TenantModelViewSet):
    model = Creative
    serializer_class = CreativeSerializer
    filterset_class = CreativeFilter
    pagination_class = CreativeCursorPagination
    role_by_method = {**DEFAULT_ROLE_BY_METHOD, "DELETE": Role.EDITOR}
    role_by_action = {"preview": Role.VIEWER}

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Creative.objects.none()
        return creative_list(
            tenant=self.tenant,
            include_deleted=truthy(self.request.query_params.get("includeDeleted")),
        )

    @extend_schema(
        summary="List creatives (newest first, keyset cursor pagination)",
        parameters=[INCLUDE_DELETED],
        responses={200: CreativeSerializer(many=True), 401: ERRORS[401], 403: ERRORS[403]},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Create a creative",
        request=CreativeSerializer,
        responses={
            201: CreativeSerializer,
            **ERRORS,
            409: OpenApiResponse(description="A creative with that name already exists."),
            415: OpenApiResponse(description="Content-Type is not application/json."),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with integrity_errors_as_api_errors():
            creative = creative_create(tenant=self.tenant, **serializer.validated_data)
        return Response(self.get_serializer(creative).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="One creative",
        parameters=[INCLUDE_DELETED],
        responses={200: CreativeSerializer, 404: OpenApiResponse(description="Not found.")},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Update a creative (id in the body; only the fields sent change)",
        request=CreativeUpdateSerializer,
        responses={
            200: CreativeSerializer,
            **ERRORS,
            409: OpenApiResponse(description="A creative with that name already exists."),
            415: OpenApiResponse(description="Content-Type is not application/json."),
        },
    )
    def update_by_id(self, request: Request) -> Response:
        body = request.data
        if not isinstance(body, dict):
            raise InvalidInput(
                "The body must be a JSON object",
                details={"nonFieldErrors": ["Expected a JSON object."]},
            )
        creative = creative_by_body_id(tenant=self.tenant, value=body.get("id"))
        if creative.deleted_at is not None:
            message = f"Creative '{creative.pk}' is deleted; restore it first."
            raise InvalidInput(message, details={"id": [message]})
        serializer = CreativeUpdateSerializer(
            creative, data=body, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k != "id"}
        with integrity_errors_as_api_errors():
            creative = creative_update(creative=creative, data=data)
        return Response(self.get_serializer(creative).data)

    @extend_schema(
        summary="Soft-delete a creative",
        parameters=[OpenApiParameter("id", str, required=True, description="Creative ID.")],
        responses={
            200: SuccessSerializer,
            400: OpenApiResponse(
                description="Missing id query parameter, entity not found, or already deleted."
            ),
            401: ERRORS[401],
            403: ERRORS[403],
        },
    )
    def destroy_by_id(self, request: Request) -> Response:
        creative = creative_by_body_id(tenant=self.tenant, value=request.query_params.get("id"))
        creative_delete(creative=creative)
        return Response({"success": True, "id": creative.pk})

    @extend_schema(
        summary="Render a creative for one customer",
        description="Send `customerId` (a customer of this tenant: id or externalId) or an "
        "inline sample `customer` ({firstName, email, ..., attributes}). `templateType`, "
        "`content` and `personalization` preview unsaved edits. `fallbacks` lists tokens that "
        "used their fallback, `unresolvedTokens` tokens with no personalization mapping (left "
        "verbatim in the content).",
        request=CreativePreviewSerializer,
        responses={
            200: CreativePreviewResultSerializer,
            **ERRORS,
            404: OpenApiResponse(description="Not found."),
        },
        parameters=[INCLUDE_DELETED],
    )
    def preview(self, request: Request, pk: str | None = None) -> Response:
        creative = self.get_object()
        body = CreativePreviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        params = body.validated_data
        if "customerId" in params:
            customer = stored_customer(tenant=self.tenant, customer_id=params["customerId"])
            customer_id = customer.get("id")
        else:
            customer, customer_id = sample_customer(params["customer"]), None
        return Response(
            creative_preview(
                creative=creative,
                customer=customer,
                customer_id=customer_id,
                template_type=params.get("templateType"),
                content=params.get("content"),
                personalization=params.get("personalization"),
            )
        )

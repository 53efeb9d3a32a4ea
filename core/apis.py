"""Core endpoints: current tenant, members, API keys, restore, audit logs."""

from __future__ import annotations

from typing import Any

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

from core.api.serializers import SuccessSerializer
from core.api.views import TenantAPIView, integrity_errors_as_api_errors
from core.errors import Conflict, InvalidInput
from core.models import ApiKey, AuditLog, Membership
from core.roles import Role
from core.selectors import audit_log_list, soft_deletable_for
from core.serializers import (
    ApiKeyCreatedSerializer,
    ApiKeySerializer,
    AuditLogSerializer,
    MembershipCreateSerializer,
    MembershipSerializer,
    TenantSerializer,
)
from core.services import api_key_create, api_key_revoke, entity_restore, membership_set

ADMIN_ONLY = dict.fromkeys(["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"], Role.ADMIN)
SUCCESS = SuccessSerializer


class CurrentTenantView(TenantAPIView, GenericAPIView):
    serializer_class = TenantSerializer

    @extend_schema(
        responses=inline_serializer(
            "CurrentTenant",
            {"tenant": TenantSerializer(), "role": serializers.ChoiceField(Role.choices)},
        ),
        summary="The tenant this request acts on, and the caller's role in it",
    )
    def get(self, request: Request) -> Response:
        return Response({"tenant": TenantSerializer(self.tenant).data, "role": str(self.role)})


class RestoreView(TenantAPIView, GenericAPIView):
    role_by_method = ADMIN_ONLY

    @extend_schema(
        request=None,
        parameters=[
            OpenApiParameter(
                "entityType", str, required=True, description="e.g. creative, offer, campaign"
            ),
            OpenApiParameter("id", str, required=True),
        ],
        responses={
            200: inline_serializer(
                "RestoreResult",
                {
                    "success": serializers.BooleanField(),
                    "entityType": serializers.CharField(),
                    "id": serializers.CharField(),
                    "version": serializers.IntegerField(),
                },
            ),
            404: OpenApiResponse(description="No such entity in this tenant."),
        },
        summary="Restore a soft-deleted entity (admin)",
        description="404 when the entity does not exist in this tenant; 409 when it is not deleted "
        "or a live entity now holds its unique name. Children removed by the same delete "
        "(e.g. an offer's creatives) are restored with it.",
    )
    def post(self, request: Request) -> Response:
        entity_type = request.query_params.get("entityType", "").strip()
        entity_id = request.query_params.get("id", "").strip()
        missing = {
            k: ["This query parameter is required."]
            for k, v in (("entityType", entity_type), ("id", entity_id))
            if not v
        }
        if missing:
            raise InvalidInput("entityType and id are required", details=missing)
        instance = soft_deletable_for(
            tenant=self.tenant, entity_type=entity_type, entity_id=entity_id
        )
        entity_restore(instance=instance)
        return Response(
            {
                "success": True,
                "entityType": entity_type,
                "id": instance.pk,
                "version": getattr(instance, "version", None),
            }
        )


@extend_schema(
    parameters=[
        OpenApiParameter("entityType", str, description="Filter by entity type"),
        OpenApiParameter("entityId", str, description="Filter by entity id"),
    ]
)
class AuditLogViewSet(TenantAPIView, viewsets.ReadOnlyModelViewSet):
    """Immutable change history (admin). Every create, update, soft delete, restore and delete."""

    role_by_method = ADMIN_ONLY
    serializer_class = AuditLogSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no tenant
            return AuditLog.objects.none()
        params = self.request.query_params
        return audit_log_list(
            tenant=self.tenant,
            entity_type=params.get("entityType") or None,
            entity_id=params.get("entityId") or None,
        )


class ApiKeyViewSet(
    TenantAPIView,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """API keys of the tenant (admin). The secret is returned once, at creation."""

    role_by_method = ADMIN_ONLY
    serializer_class = ApiKeySerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return ApiKey.objects.none()
        return ApiKey.objects.filter(tenant=self.tenant)

    @extend_schema(request=ApiKeySerializer, responses={201: ApiKeyCreatedSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ApiKeySerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        key, raw = api_key_create(
            tenant=self.tenant,
            name=serializer.validated_data["name"],
            role=serializer.validated_data["role"],
            created_by=request.user,
        )
        data = ApiKeyCreatedSerializer(key).data
        data["key"] = raw
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=SUCCESS, summary="Revoke an API key")
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = api_key_revoke(key=self.get_object())
        return Response({"success": True, "id": key.pk})

    @extend_schema(request=None, responses=ApiKeySerializer, summary="Revoke an API key")
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        key = api_key_revoke(key=self.get_object())
        return Response(ApiKeySerializer(key).data)


class MembershipViewSet(TenantAPIView, viewsets.ModelViewSet):
    """Members of the tenant and their roles (admin)."""

    role_by_method = ADMIN_ONLY
    serializer_class = MembershipSerializer
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return Membership.objects.select_related("user").filter(tenant=self.tenant)

    @extend_schema(request=MembershipCreateSerializer, responses={201: MembershipSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = MembershipCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["username"]
        if Membership.objects.filter(tenant=self.tenant, user=user).exists():
            raise Conflict(f"'{user.username}' is already a member; change the role with PUT.")
        with integrity_errors_as_api_errors():
            membership = membership_set(
                tenant=self.tenant, user=user, role=serializer.validated_data["role"]
            )
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MembershipSerializer(partial=True))
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        serializer = MembershipSerializer(membership, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        new_role = serializer.validated_data.get("role", membership.role)
        if membership.role == Role.ADMIN and new_role != Role.ADMIN:
            self._ensure_another_admin(membership)
        membership = membership_set(tenant=membership.tenant, user=membership.user, role=new_role)
        return Response(MembershipSerializer(membership).data)

    @extend_schema(responses=SUCCESS)
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        if membership.role == Role.ADMIN:
            self._ensure_another_admin(membership)
        pk = membership.pk
        membership.delete()
        return Response({"success": True, "id": pk})

    @staticmethod
    def _ensure_another_admin(membership: Membership) -> None:
        others = Membership.objects.filter(tenant=membership.tenant, role=Role.ADMIN).exclude(
            pk=membership.pk
        )
        if not others.exists():
            raise Conflict("A tenant must keep at least one admin.")

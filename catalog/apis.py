"""Catalog endpoints: /categories, /offers, /channels, /placements (thin: services do the work)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers

from catalog import selectors, services
from catalog.filters import CategoryFilter, ChannelFilter, OfferFilter, PlacementFilter
from catalog.models import Category, Channel, Offer, Placement
from catalog.serializers import (
    CategorySerializer,
    ChannelSerializer,
    OfferSerializer,
    PlacementSerializer,
)
from core.api.views import TenantModelViewSet, integrity_errors_as_api_errors, truthy

SUCCESS = inline_serializer(
    "CatalogDeleteResult", {"success": serializers.BooleanField(), "id": serializers.CharField()}
)
INCLUDE_DELETED = OpenApiParameter(
    "includeDeleted", bool, description="Also list (or find) soft-deleted rows. Default false."
)


def _crud_schema(serializer: type, label: str, plural: str, delete_note: str = "") -> Any:
    return extend_schema_view(
        list=extend_schema(summary=f"List {plural}", parameters=[INCLUDE_DELETED]),
        retrieve=extend_schema(summary=f"Get a {label}", parameters=[INCLUDE_DELETED]),
        create=extend_schema(summary=f"Create a {label}"),
        update=extend_schema(
            summary=f"Update a {label}",
            description="Changes only the fields sent (same as PATCH); version +1.",
            request=serializer(partial=True),
        ),
        partial_update=extend_schema(summary=f"Update a {label} (fields sent only)"),
        destroy=extend_schema(
            summary=f"Soft-delete a {label} (admin)",
            description="Sets deletedAt; restore with POST /api/v1/restore. " + delete_note,
            responses=SUCCESS,
        ),
    )


class CatalogViewSet(TenantModelViewSet):
    """Creates, updates and deletes go through the app's services."""

    list_selector: ClassVar[Callable[..., QuerySet]]
    create_service: ClassVar[Callable[..., Any]]
    update_service: ClassVar[Callable[..., Any]]
    delete_service: ClassVar[Callable[..., Any]]
    instance_kwarg: ClassVar[str]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no tenant
            return self.model.objects.none()
        include_deleted = truthy(self.request.query_params.get("includeDeleted"))
        return type(self).list_selector(tenant=self.tenant, include_deleted=include_deleted)

    def perform_create(self, serializer: Any) -> None:
        with integrity_errors_as_api_errors():
            serializer.instance = type(self).create_service(
                tenant=self.tenant, **serializer.validated_data
            )

    def perform_update(self, serializer: Any) -> None:
        with integrity_errors_as_api_errors():
            serializer.instance = type(self).update_service(
                **{self.instance_kwarg: serializer.instance}, data=serializer.validated_data
            )

    def perform_destroy(self, instance: Any) -> None:
        type(self).delete_service(**{self.instance_kwarg: instance})


@_crud_schema(
    CategorySerializer,
    "category",
    "categories",
    "409 while live offers still use the category (details name them).",
)
class CategoryViewSet(CatalogViewSet):
    """Offer categories (business objectives), ordered by ordinal then name."""

    model = Category
    serializer_class = CategorySerializer
    filterset_class = CategoryFilter
    list_selector = selectors.category_list
    create_service = services.category_create
    update_service = services.category_update
    delete_service = services.category_delete
    instance_kwarg = "category"


@_crud_schema(
    OfferSerializer,
    "offer",
    "offers",
    "Its creatives are soft-deleted with it and restored with it.",
)
class OfferViewSet(CatalogViewSet):
    """Offers: what a decision can recommend. Newest first unless ``ordering`` says otherwise."""

    model = Offer
    serializer_class = OfferSerializer
    filterset_class = OfferFilter
    list_selector = selectors.offer_list
    create_service = services.offer_create
    update_service = services.offer_update
    delete_service = services.offer_delete
    instance_kwarg = "offer"


@_crud_schema(
    ChannelSerializer,
    "channel",
    "channels",
    "Its placements are soft-deleted and restored with it.",
)
class ChannelViewSet(CatalogViewSet):
    """Delivery channels. ``providerConfig`` secrets are write-only (reads show ********)."""

    model = Channel
    serializer_class = ChannelSerializer
    filterset_class = ChannelFilter
    list_selector = selectors.channel_list
    create_service = services.channel_create
    update_service = services.channel_update
    delete_service = services.channel_delete
    instance_kwarg = "channel"


@_crud_schema(PlacementSerializer, "placement", "placements")
class PlacementViewSet(CatalogViewSet):
    """Slots within a channel (e.g. the home-page banner of the web channel)."""

    model = Placement
    serializer_class = PlacementSerializer
    filterset_class = PlacementFilter
    list_selector = selectors.placement_list
    create_service = services.placement_create
    update_service = services.placement_update
    delete_service = services.placement_delete
    instance_kwarg = "placement"

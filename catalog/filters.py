"""Query filters of the catalog lists (also the admin's source of truth for what is filterable).

Lists take comma-separated values (``?status=active,paused``); an unknown choice or a malformed
number is a 400 naming the parameter. ``ordering`` takes camelCase names, ``-`` for descending.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

from catalog.models import ActiveStatus, Category, Channel, Offer, Placement


class ChoiceInFilter(filters.BaseInFilter, filters.ChoiceFilter):
    pass


class CharInFilter(filters.BaseInFilter, filters.CharFilter):
    pass


class IntFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class StableOrderingFilter(filters.OrderingFilter):
    """Adds ``id`` as the last sort key so offset pages never overlap."""

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*qs.query.order_by, "id")
        return qs


def _search(fields: tuple[str, ...]) -> Any:
    def method(queryset: QuerySet, name: str, value: str) -> QuerySet:
        query = Q()
        for field in fields:
            query |= Q(**{f"{field}__icontains": value})
        return queryset.filter(query)

    return method


def _ordering(**fields: str) -> StableOrderingFilter:
    return StableOrderingFilter(
        fields=tuple(fields.items()),
        help_text=f"Sort by {', '.join(fields.values())}; prefix - for descending.",
    )


SEARCH_HELP = "Case-insensitive substring of the name"


class CategoryFilter(filters.FilterSet):
    status = ChoiceInFilter(choices=ActiveStatus.choices, help_text="active, inactive")
    search = filters.CharFilter(method=_search(("name",)), max_length=200, help_text=SEARCH_HELP)
    ordering = _ordering(name="name", ordinal="ordinal", created_at="createdAt")

    class Meta:
        model = Category
        fields: list[str] = []


class OfferFilter(filters.FilterSet):
    status = ChoiceInFilter(choices=Offer.Status.choices, help_text="e.g. active,paused")
    categoryId = CharInFilter(field_name="category_id", max_length=64, help_text="Category ids")
    tags = filters.CharFilter(
        method="filter_tags", max_length=1000, help_text="Offers with any of these tags (a,b)"
    )
    search = filters.CharFilter(
        method=_search(("name", "description")),
        max_length=200,
        help_text=SEARCH_HELP + " or description",
    )
    priorityMin = IntFilter(
        field_name="priority",
        lookup_expr="gte",
        min_value=0,
        max_value=100,
        help_text="Priority at least (0-100)",
    )
    priorityMax = IntFilter(
        field_name="priority",
        lookup_expr="lte",
        min_value=0,
        max_value=100,
        help_text="Priority at most (0-100)",
    )
    ordering = _ordering(
        name="name",
        priority="priority",
        business_value="businessValue",
        start_at="startAt",
        end_at="endAt",
        created_at="createdAt",
        updated_at="updatedAt",
    )

    class Meta:
        model = Offer
        fields: list[str] = []

    def filter_tags(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        tags = [t.strip() for t in value.split(",") if t.strip()]
        return queryset.filter(tags__overlap=tags) if tags else queryset


class ChannelFilter(filters.FilterSet):
    status = ChoiceInFilter(choices=ActiveStatus.choices, help_text="active, inactive")
    channelType = ChoiceInFilter(
        field_name="channel_type", choices=Channel.ChannelType.choices, help_text="e.g. email,sms"
    )
    deliveryMode = ChoiceInFilter(
        field_name="delivery_mode",
        choices=Channel.DeliveryMode.choices,
        help_text="e.g. file,integration",
    )
    search = filters.CharFilter(method=_search(("name",)), max_length=200, help_text=SEARCH_HELP)
    ordering = _ordering(name="name", created_at="createdAt", updated_at="updatedAt")

    class Meta:
        model = Channel
        fields: list[str] = []


class PlacementFilter(filters.FilterSet):
    channelId = CharInFilter(field_name="channel_id", max_length=64, help_text="Channel ids")
    slotType = ChoiceInFilter(
        field_name="slot_type", choices=Placement.SlotType.choices, help_text="e.g. banner,card"
    )
    search = filters.CharFilter(method=_search(("name",)), max_length=200, help_text=SEARCH_HELP)
    ordering = _ordering(name="name", max_slots="maxSlots", created_at="createdAt")

    class Meta:
        model = Placement
        fields: list[str] = []

"""Query filters of the customer and segment lists (comma lists; bad values are a 400)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

from audience.models import Customer, Segment
from audience.validation import COUNTRIES


class CharInFilter(filters.BaseInFilter, filters.CharFilter):
    pass


class ChoiceInFilter(filters.BaseInFilter, filters.ChoiceFilter):
    pass


class StableOrderingFilter(filters.OrderingFilter):
    """``id`` is the last sort key, so offset pages never overlap."""

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*qs.query.order_by, "id")
        return qs


class CustomerFilter(filters.FilterSet):
    externalId = CharInFilter(
        field_name="external_id", max_length=2000, help_text="Exact external ids (a,b)"
    )
    email = filters.CharFilter(
        field_name="email", lookup_expr="iexact", max_length=254, help_text="Exact email (any case)"
    )
    country = ChoiceInFilter(
        choices=[(c, c) for c in sorted(COUNTRIES)], help_text="ISO-2 codes, e.g. NO,SE"
    )
    timezone = filters.CharFilter(max_length=64, help_text="Exact IANA time zone")
    search = filters.CharFilter(
        method="filter_search",
        max_length=200,
        help_text="Case-insensitive substring of externalId, email, first or last name",
    )
    segmentId = filters.CharFilter(
        method="filter_segment", max_length=64, help_text="Only customers of this segment"
    )
    ordering = StableOrderingFilter(
        fields=(("id", "id"), ("external_id", "externalId"), ("created_at", "createdAt")),
        help_text="id, externalId or createdAt; prefix - for descending. Default id.",
    )

    class Meta:
        model = Customer
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        query = Q()
        for field in ("external_id", "email", "first_name", "last_name"):
            query |= Q(**{f"{field}__icontains": value})
        return queryset.filter(query)

    def filter_segment(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        from django.db.models import BooleanField
        from django.db.models.expressions import RawSQL

        from audience import segment_sql

        tenant = getattr(self.request, "tenant", None)
        segment = Segment.objects.filter(tenant=tenant, pk=value).first()
        if segment is None:
            return queryset.none()
        where, params = segment_sql.segment_where(segment)
        return queryset.filter(RawSQL(where, params, output_field=BooleanField()))  # noqa: S611


class SegmentFilter(filters.FilterSet):
    segmentType = ChoiceInFilter(
        field_name="segment_type", choices=Segment.SegmentType.choices, help_text="rule, static"
    )
    search = filters.CharFilter(
        field_name="name", lookup_expr="icontains", max_length=200, help_text="Name substring"
    )
    ordering = StableOrderingFilter(
        fields=(("name", "name"), ("created_at", "createdAt"), ("updated_at", "updatedAt")),
        help_text="name, createdAt or updatedAt; prefix - for descending.",
    )

    class Meta:
        model = Segment
        fields: list[str] = []

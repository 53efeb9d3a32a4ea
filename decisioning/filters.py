import django_filters
from django.db.models import Q, QuerySet

from decisioning.models import DecisionFlow, Interaction, OutcomeType


class DecisionFlowFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DecisionFlow.Status.choices)
    key = django_filters.CharFilter(max_length=100)
    search = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", max_length=255, help_text="Name contains"
    )

    class Meta:
        model = DecisionFlow
        fields: list[str] = []


class OutcomeTypeFilter(django_filters.FilterSet):
    key = django_filters.CharFilter(max_length=64)

    class Meta:
        model = OutcomeType
        fields: list[str] = []


class InteractionFilter(django_filters.FilterSet):
    customerId = django_filters.CharFilter(
        method="filter_customer", max_length=128, help_text="External id or Nudge id"
    )
    offerId = django_filters.CharFilter(field_name="offer_id", max_length=64)
    recommendationId = django_filters.CharFilter(field_name="recommendation_id", max_length=64)
    outcome = django_filters.CharFilter(max_length=64)

    class Meta:
        model = Interaction
        fields: list[str] = []

    def filter_customer(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        match = Q(customer__external_id=value)
        if value.isdigit() and len(value) < 19:
            match |= Q(customer_id=int(value))
        return queryset.filter(match)

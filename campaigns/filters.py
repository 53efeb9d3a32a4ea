import django_filters

from campaigns.models import Campaign


class CampaignFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Campaign.Status.choices)
    scheduleType = django_filters.ChoiceFilter(
        field_name="schedule_type", choices=Campaign.ScheduleType.choices
    )
    decisionFlowId = django_filters.CharFilter(field_name="decision_flow_id", max_length=64)
    segmentId = django_filters.CharFilter(field_name="segment_id", max_length=64)
    search = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", max_length=255, help_text="Name contains"
    )

    class Meta:
        model = Campaign
        fields: list[str] = []

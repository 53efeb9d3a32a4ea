import django_filters

from creatives.models import Creative, CreativeStatus, TemplateType


class CreativeFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CreativeStatus.choices)
    templateType = django_filters.ChoiceFilter(
        field_name="template_type", choices=TemplateType.choices
    )
    offerId = django_filters.CharFilter(field_name="offer_id", max_length=64)
    channelId = django_filters.CharFilter(field_name="channel_id", max_length=64)
    placementId = django_filters.CharFilter(field_name="placement_id", max_length=64)
    abTestVariant = django_filters.CharFilter(field_name="ab_test_variant", max_length=255)
    search = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", max_length=255, help_text="Name contains"
    )

    class Meta:
        model = Creative
        fields: list[str] = []

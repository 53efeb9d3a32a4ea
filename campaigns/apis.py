"""Campaigns API (spec 000/002): CRUD, pause/resume/archive, and the upcoming schedule."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from campaigns import schedule as sched
from campaigns.filters import CampaignFilter
from campaigns.models import Campaign
from campaigns.selectors import campaign_list
from campaigns.serializers import CampaignSerializer
from campaigns.services import (
    campaign_archive,
    campaign_create,
    campaign_delete,
    campaign_pause,
    campaign_resume,
    campaign_update,
)
from core.api.pagination import parse_int_param
from core.api.serializers import SuccessSerializer
from core.api.views import TenantModelViewSet, integrity_errors_as_api_errors, truthy
from core.errors import Conflict, InvalidInput
from core.roles import Role

MAX_SLOTS = 100
DEFAULT_SLOTS = 10
MIN_YEAR, MAX_YEAR = 1970, 2999
_SPACE_OFFSET = re.compile(r" (\d{2}:?\d{2})$")

INCLUDE_DELETED = OpenApiParameter(
    "includeDeleted",
    str,
    description='Set to "true" to include soft-deleted campaigns.',
    enum=["true", "false"],
)
ERRORS = {
    400: OpenApiResponse(description="Validation error (the field is named in error.details)."),
    401: OpenApiResponse(description="Missing or invalid API key / session."),
    403: OpenApiResponse(description="Insufficient role."),
    404: OpenApiResponse(description="No such campaign in this tenant."),
}
TRANSITION_409 = OpenApiResponse(description="Invalid status transition.")


class ScheduleSlotSerializer(serializers.Serializer):
    utc = serializers.DateTimeField(help_text="The slot in UTC.")
    local = serializers.CharField(
        help_text="The same instant in the campaign's timezone (ISO 8601 with offset)."
    )
    timezone = serializers.CharField()


ScheduleResponse = inline_serializer(
    "CampaignSchedule",
    {
        "campaignId": serializers.CharField(),
        "schedule": serializers.CharField(help_text="Human description of the schedule."),
        "firesOnSchedule": serializers.BooleanField(
            help_text="True when the campaign is active and has a recurring schedule; the slots "
            "are listed either way."
        ),
        "from": serializers.DateTimeField(),
        "data": ScheduleSlotSerializer(many=True),
    },
)


def parse_from(raw: str | None) -> datetime:
    """An ISO 8601 instant; without an offset it is read as UTC."""
    if raw is None or raw == "":
        return timezone.now()
    text = _SPACE_OFFSET.sub(r"+\1", raw.strip())  # a "+" left unencoded in a query string
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            "from must be an ISO 8601 datetime",
            details={"from": [f"'{raw}' is not an ISO 8601 datetime (e.g. 2025-03-09T00:00:00Z)."]},
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise InvalidInput(
            "from is out of range",
            details={"from": [f"The year must be between {MIN_YEAR} and {MAX_YEAR}."]},
        )
    return value.astimezone(UTC)


def slot_json(slot: datetime, schedule: sched.Schedule) -> dict[str, str]:
    return {
        "utc": slot.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "local": sched.local_time(slot, schedule).isoformat(),
        "timezone": schedule.timezone,
    }


class CampaignViewSet(TenantModelViewSet):
    model = Campaign
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    role_by_action = {"schedule": Role.VIEWER}

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Campaign.objects.none()
        return campaign_list(
            tenant=self.tenant,
            include_deleted=truthy(self.request.query_params.get("includeDeleted")),
        )

    def live_object(self) -> Campaign:
        campaign = self.get_object()
        if campaign.deleted_at is not None:
            raise Conflict(
                f"Campaign '{campaign.pk}' is deleted; restore it first.",
                details={"id": ["Deleted."]},
            )
        return campaign

    def _respond(self, campaign: Campaign, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = campaign_list(tenant=self.tenant, include_deleted=True).get(pk=campaign.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    @extend_schema(
        summary="List campaigns",
        parameters=[INCLUDE_DELETED],
        responses={200: CampaignSerializer(many=True), 400: ERRORS[400], 401: ERRORS[401]},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Create a campaign",
        request=CampaignSerializer,
        responses={
            201: CampaignSerializer,
            **ERRORS,
            409: OpenApiResponse(description="A campaign with that name already exists."),
            415: OpenApiResponse(description="Content-Type is not application/json."),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with integrity_errors_as_api_errors():
            campaign = campaign_create(tenant=self.tenant, data=serializer.validated_data)
        return self._respond(campaign, status.HTTP_201_CREATED)

    @extend_schema(
        summary="One campaign",
        parameters=[INCLUDE_DELETED],
        responses={200: CampaignSerializer, 401: ERRORS[401], 404: ERRORS[404]},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Update a campaign (only the fields sent change; may retarget the decision "
        "flow and segment)",
        request=CampaignSerializer(partial=True),
        responses={
            200: CampaignSerializer,
            **ERRORS,
            409: OpenApiResponse(
                description="Duplicate name, invalid status transition, or deleted campaign."
            ),
            415: OpenApiResponse(description="Content-Type is not application/json."),
        },
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        campaign = self.live_object()
        serializer = self.get_serializer(campaign, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        with integrity_errors_as_api_errors():
            campaign = campaign_update(campaign=campaign, data=serializer.validated_data)
        return self._respond(campaign)

    @extend_schema(
        summary="Update a campaign (same as PUT)",
        request=CampaignSerializer(partial=True),
        responses={200: CampaignSerializer, **ERRORS, 409: TRANSITION_409},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)

    @extend_schema(
        summary="Soft-delete a campaign (admin)",
        responses={200: SuccessSerializer, 401: ERRORS[401], 403: ERRORS[403], 404: ERRORS[404]},
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance: Campaign) -> None:
        campaign_delete(campaign=instance)

    def _transition(self, service: Any) -> Response:
        return self._respond(service(campaign=self.live_object()))

    @extend_schema(
        summary="Pause an active campaign",
        request=None,
        responses={200: CampaignSerializer, **ERRORS, 409: TRANSITION_409},
    )
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(campaign_pause)

    @extend_schema(
        summary="Resume a paused campaign",
        request=None,
        responses={200: CampaignSerializer, **ERRORS, 409: TRANSITION_409},
    )
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(campaign_resume)

    @extend_schema(
        summary="Archive a campaign (draft, active or paused)",
        request=None,
        responses={200: CampaignSerializer, **ERRORS, 409: TRANSITION_409},
    )
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(campaign_archive)

    @extend_schema(
        summary="Upcoming schedule slots",
        description="The next `count` slots at or after `from`, in UTC and in the campaign's "
        "timezone (DST-correct). A manual campaign without a cron has none.",
        parameters=[
            OpenApiParameter(
                "from",
                str,
                description="ISO 8601 datetime (default now; without an offset it is UTC).",
            ),
            OpenApiParameter(
                "count",
                int,
                description=f"How many slots (default {DEFAULT_SLOTS}, max {MAX_SLOTS}).",
            ),
        ],
        responses={200: ScheduleResponse, 400: ERRORS[400], 401: ERRORS[401], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["get"])
    def schedule(self, request: Request, pk: str | None = None) -> Response:
        campaign = self.get_object()
        start = parse_from(request.query_params.get("from"))
        count = parse_int_param(request, "count", DEFAULT_SLOTS, minimum=1, maximum=MAX_SLOTS)
        schedule = campaign.schedule()
        try:
            slots = sched.upcoming_slots(schedule, start, count)
        except sched.ScheduleError as exc:  # only reachable for rows edited outside the API
            raise Conflict(f"The campaign's schedule is unusable: {exc}") from None
        return Response(
            {
                "campaignId": campaign.pk,
                "schedule": sched.describe(schedule),
                "firesOnSchedule": campaign.fires_on_schedule,
                "from": start.isoformat().replace("+00:00", "Z"),
                "data": [slot_json(slot, schedule) for slot in slots],
            }
        )

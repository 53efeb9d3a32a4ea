from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse

from campaigns import schedule as sched
from campaigns import validation
from campaigns.models import BATCH_DELIVERY_MODES, Campaign, CampaignSlot
from campaigns.scheduling import next_run_at_for_display
from campaigns.services import (
    EDITABLE_FIELDS,
    campaign_archive,
    campaign_create,
    campaign_pause,
    campaign_resume,
    campaign_run_now,
    campaign_update,
    check_transition,
)
from catalog.models import Channel
from core.admin_base import DeletedFilter, EntityAdmin, TenantScopedAdmin
from core.errors import NudgeError
from core.models import Membership, Tenant


class CampaignAdminForm(forms.ModelForm):
    """The API's rules, in the admin: schedule values, JSON sub-objects, one tenant."""

    class Meta:
        model = Campaign
        fields = [
            "tenant",
            "name",
            "description",
            "status",
            "decision_flow",
            "segment",
            "channel_ids",
            "schedule_type",
            "schedule_day_of_week",
            "schedule_day_of_month",
            "schedule_time",
            "schedule_timezone",
            "schedule_cron",
            "frequency_caps",
            "file_config",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "name" in self.fields:
            self.fields["name"].required = False
            self.fields["name"].help_text = 'Leave empty for "<flow> for <segment>".'

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        errors: dict[str, list[str]] = {}

        def check(field: str, parse: Any) -> Any:
            value = data.get(field)
            if value in (None, ""):
                return None
            try:
                return parse(value)
            except (sched.ScheduleError, ValueError) as exc:
                errors.setdefault(field, []).append(str(exc))
                return None

        check("schedule_time", sched.parse_time)
        check("schedule_timezone", sched.load_timezone)
        day_of_month = check("schedule_day_of_month", sched.parse_day_of_month)
        if day_of_month:
            data["schedule_day_of_month"] = day_of_month
        cron = check("schedule_cron", sched.check_cron)
        data["schedule_cron"] = cron
        schedule_type = data.get("schedule_type")
        if not cron and schedule_type == "weekly" and data.get("schedule_day_of_week") is None:
            errors.setdefault("schedule_day_of_week", []).append("Required for weekly.")
        if not cron and schedule_type == "monthly" and not data.get("schedule_day_of_month"):
            errors.setdefault("schedule_day_of_month", []).append("Required for monthly.")
        for field, normalise in (
            ("file_config", validation.file_config),
            ("frequency_caps", validation.frequency_caps),
        ):
            try:
                data[field] = normalise(data.get(field))
            except validation.FieldErrors as exc:
                errors.setdefault(field, []).extend(
                    f"{key}: {'; '.join(value)}" for key, value in exc.errors.items()
                )
        tenant = data.get("tenant") or getattr(self.instance, "tenant", None)
        for field in ("decision_flow", "segment"):
            related = data.get(field)
            if related is not None and tenant is not None and related.tenant_id != tenant.pk:
                errors.setdefault(field, []).append("Belongs to another tenant.")
        channel_ids = list(dict.fromkeys(data.get("channel_ids") or []))
        if channel_ids and tenant is not None:
            batch = set(
                Channel.objects.filter(
                    tenant=tenant, pk__in=channel_ids, delivery_mode__in=BATCH_DELIVERY_MODES
                ).values_list("pk", flat=True)
            )
            wrong = [cid for cid in channel_ids if cid not in batch]
            if wrong:
                errors.setdefault("channel_ids", []).append(
                    f"Not batch channels of this tenant: {', '.join(wrong)}."
                )
        data["channel_ids"] = channel_ids
        if self.instance.pk and "status" in data:
            try:
                check_transition(self.initial.get("status", data["status"]), data["status"])
            except NudgeError as exc:
                errors.setdefault("status", []).append(exc.message)
        if errors:
            raise ValidationError(errors)
        return data


def _each(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet, service: Any, verb: str
) -> None:
    done = 0
    for campaign in queryset.filter(deleted_at__isnull=True):
        try:
            service(campaign=campaign)
            done += 1
        except NudgeError as exc:
            modeladmin.message_user(request, f"{campaign}: {exc.message}", messages.WARNING)
    modeladmin.message_user(request, f"{verb} {done} campaign(s).", messages.SUCCESS)


@admin.action(description="Pause selected campaigns")
def pause_selected(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    _each(modeladmin, request, queryset, campaign_pause, "Paused")


@admin.action(description="Resume selected campaigns")
def resume_selected(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    _each(modeladmin, request, queryset, campaign_resume, "Resumed")


@admin.action(description="Archive selected campaigns")
def archive_selected(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    _each(modeladmin, request, queryset, campaign_archive, "Archived")


@admin.action(description="Run selected campaigns now")
def run_now_selected(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    who = f"user:{request.user.get_username()}"
    for campaign in queryset.filter(deleted_at__isnull=True):
        try:
            run = campaign_run_now(campaign=campaign, requested_by=who)
        except NudgeError as exc:
            modeladmin.message_user(request, f"{campaign}: {exc.message}", messages.WARNING)
        else:
            modeladmin.message_user(
                request, f"{campaign}: run {getattr(run, 'pk', run)} queued.", messages.SUCCESS
            )


@admin.register(Campaign)
class CampaignAdmin(EntityAdmin):
    form = CampaignAdminForm

    def view_on_site(self, obj: Campaign) -> str:
        """ "View on site" opens the campaign in the marketer UI."""
        return reverse("ui:campaign-detail", args=[obj.pk])

    list_display = [
        "name",
        "status",
        "schedule_summary",
        "next_run",
        "decision_flow",
        "segment",
        "tenant",
        "is_deleted",
        "updated_at",
    ]
    list_filter = (DeletedFilter, "status", "schedule_type", "tenant")  # type: ignore[assignment]
    list_select_related = ["decision_flow", "segment", "tenant", "schedule_state"]
    search_fields = ["name", "id", "description"]
    readonly_fields = (  # type: ignore[assignment]
        "id",
        "version",
        "created_at",
        "updated_at",
        "deleted_at",
        "next_run",
        "last_scheduled",
    )
    actions = [
        *EntityAdmin.actions,
        pause_selected,
        resume_selected,
        archive_selected,
        run_now_selected,
    ]
    fieldsets = [
        (None, {"fields": ["id", "tenant", "name", "description", "status"]}),
        ("Target", {"fields": ["decision_flow", "segment", "channel_ids"]}),
        (
            "Schedule",
            {
                "fields": [
                    "schedule_type",
                    "schedule_day_of_week",
                    "schedule_day_of_month",
                    "schedule_time",
                    "schedule_timezone",
                    "schedule_cron",
                    "next_run",
                    "last_scheduled",
                ]
            },
        ),
        ("Volume and output", {"fields": ["frequency_caps", "file_config"]}),
        ("Bookkeeping", {"fields": ["version", "created_at", "updated_at", "deleted_at"]}),
    ]

    @admin.display(description="schedule")
    def schedule_summary(self, obj: Campaign) -> str:
        return sched.describe(obj.schedule())

    @admin.display(description="next run (UTC)")
    def next_run(self, obj: Campaign) -> Any:
        return next_run_at_for_display(obj) if obj.pk else None

    @admin.display(description="last scheduled slot (UTC)")
    def last_scheduled(self, obj: Campaign) -> Any:
        state = getattr(obj, "schedule_state", None) if obj.pk else None
        return state.last_scheduled_slot if state is not None else None

    def get_autocomplete_fields(self, request: HttpRequest) -> list[str]:
        """Autocomplete the flow and segment when their admins can search (their apps own
        those admins); otherwise the select below, limited to the user's tenants."""
        fields = []
        for name in ("decision_flow", "segment"):
            model = Campaign._meta.get_field(name).related_model
            related_admin = self.admin_site._registry.get(model)  # type: ignore[arg-type]
            if related_admin is not None and related_admin.search_fields:
                fields.append(name)
        return fields

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        user: Any = request.user
        if not user.is_superuser:
            tenant_ids = Membership.objects.filter(user=user).values("tenant_id")
            if db_field.name == "tenant":
                kwargs["queryset"] = Tenant.objects.filter(pk__in=tenant_ids)
            elif db_field.name in ("decision_flow", "segment"):
                kwargs["queryset"] = db_field.related_model.objects.filter(tenant_id__in=tenant_ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "tenant"] if obj is not None else fields

    def save_model(self, request: HttpRequest, obj: Campaign, form: Any, change: bool) -> None:
        data = {f: form.cleaned_data[f] for f in EDITABLE_FIELDS if f in form.cleaned_data}
        if change:
            fresh = Campaign.all_objects.get(pk=obj.pk)
            saved = campaign_update(campaign=fresh, data=data)
        else:
            if not data.get("name"):
                data.pop("name", None)
            saved = campaign_create(tenant=form.cleaned_data["tenant"], data=data)
        obj.pk = saved.pk
        obj.name = saved.name
        obj.version = saved.version


@admin.register(CampaignSlot)
class CampaignSlotAdmin(TenantScopedAdmin):
    """Read-only history of fired schedule slots."""

    list_display = ["campaign", "slot_at", "fired_at", "run_id", "missed_since", "tenant"]
    list_filter = ["tenant"]
    list_select_related = ["campaign", "tenant"]
    search_fields = ["campaign__name", "campaign__id", "run_id"]
    date_hierarchy = "slot_at"
    readonly_fields = [f.name for f in CampaignSlot._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core.admin_base import EntityAdmin, TenantScopedAdmin
from core.errors import NudgeError
from decisioning.models import DecisionFlow, DecisionFlowVersion, Interaction, OutcomeType
from decisioning.services import (
    decision_flow_publish,
    decision_flow_rollback,
    flow_config_validate,
)


class DecisionFlowVersionInline(admin.TabularInline):
    model = DecisionFlowVersion
    fk_name = "flow"
    extra = 0
    can_delete = False
    ordering = ["-number"]
    fields = ("number", "published_at", "published_by", "rolled_back_from", "note")
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DecisionFlowForm(forms.ModelForm):
    class Meta:
        model = DecisionFlow
        fields = ["tenant", "key", "name", "description", "status", "config"]

    def clean_config(self) -> Any:
        tenant = self.cleaned_data.get("tenant") or getattr(self.instance, "tenant", None)
        config = self.cleaned_data.get("config") or {}
        if tenant is None:
            return config
        try:
            return flow_config_validate(tenant=tenant, config=config)
        except NudgeError as exc:
            raise forms.ValidationError(
                [f"{path}: {'; '.join(msgs)}" for path, msgs in exc.details.items()] or exc.message
            ) from exc


@admin.action(description="Publish the draft config as a new version")
def publish_selected(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    for flow in queryset.filter(deleted_at__isnull=True):
        try:
            version = decision_flow_publish(flow=flow, user=request.user)
            modeladmin.message_user(
                request, f"{flow.key}: published version {version.number}.", messages.SUCCESS
            )
        except NudgeError as exc:
            modeladmin.message_user(request, f"{flow.key}: {exc.message}", messages.ERROR)


@admin.register(DecisionFlow)
class DecisionFlowAdmin(EntityAdmin):
    form = DecisionFlowForm
    list_display = ["name", "key", "status", "published_number", "tenant", "version", "updated_at"]
    list_filter = (*EntityAdmin.list_filter, "status", "tenant")  # type: ignore[assignment]
    search_fields = ["name", "key", "id"]
    autocomplete_fields = ["tenant"]
    inlines = [DecisionFlowVersionInline]
    actions = [*EntityAdmin.actions, publish_selected]
    readonly_fields = (*EntityAdmin.readonly_fields, "published_version")  # type: ignore[assignment]
    change_form_template = "admin/decisioning/decisionflow/change_form.html"

    @admin.display(description="published")
    def published_number(self, obj: DecisionFlow) -> str:
        version = obj.published_version
        return f"v{version.number}" if version else "—"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("tenant", "published_version")

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/rollback/",
                self.admin_site.admin_view(self.rollback_view),
                name="decisioning_decisionflow_rollback",
            ),
            *super().get_urls(),
        ]

    def rollback_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        flow = self.get_queryset(request).filter(pk=object_id).first()
        if flow is None or not self.has_change_permission(request, flow):
            messages.error(request, "Decision flow not found.")
            return HttpResponseRedirect(reverse("admin:decisioning_decisionflow_changelist"))
        change_url = reverse("admin:decisioning_decisionflow_change", args=[flow.pk])
        if request.method == "POST":
            try:
                number = int(request.POST.get("version", ""))
                version = decision_flow_rollback(flow=flow, number=number, user=request.user)
                messages.success(
                    request, f"Rolled back to version {number} (now version {version.number})."
                )
            except (ValueError, NudgeError) as exc:
                messages.error(request, getattr(exc, "message", "Pick a version number."))
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Roll back {flow.name}",
            "flow": flow,
            "versions": flow.versions.order_by("-number"),
            "opts": self.model._meta,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/decisioning/decisionflow/rollback.html", context)


@admin.register(OutcomeType)
class OutcomeTypeAdmin(EntityAdmin):
    list_display = ["key", "name", "tenant", "version", "updated_at"]
    list_filter = (*EntityAdmin.list_filter, "tenant")  # type: ignore[assignment]
    search_fields = ["key", "name"]
    autocomplete_fields = ["tenant"]


@admin.register(Interaction)
class InteractionAdmin(TenantScopedAdmin):
    """Read-only: history is written by /recommend, /respond and runs only."""

    list_display = [
        "created_at",
        "outcome",
        "customer_id",
        "offer_id",
        "channel_id",
        "creative_id",
        "rank",
        "score",
        "recommendation_id",
        "tenant",
    ]
    list_filter = ["outcome", "tenant"]
    search_fields = ["=id", "=recommendation_id", "=offer__id", "=idempotency_key"]
    date_hierarchy = "created_at"
    list_select_related = ["tenant"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

"""Admin for creatives: list, filters, search, autocomplete, soft-delete/restore, status
actions, and a rendered preview on the change page (sample or stored customer)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin_base import DeletedFilter, EntityAdmin
from core.errors import NudgeError
from core.models import Tenant
from creatives.models import Creative
from creatives.preview import creative_preview, stored_customer
from creatives.rendering import is_html
from creatives.services import creative_update

SAMPLE_CUSTOMER: dict[str, Any] = {
    "id": None,
    "external_id": "SAMPLE-0001",
    "first_name": "Alex",
    "last_name": "Morgan",
    "email": "alex.morgan@example.com",
    "phone": "+14155550123",
    "country": "US",
    "timezone": "America/New_York",
    "attributes": {"segment": "affluent", "tier": "gold", "credit_score": 742},
}


class CreativeAdminForm(forms.ModelForm):
    class Meta:
        model = Creative
        fields = (
            "tenant",
            "name",
            "status",
            "offer",
            "channel",
            "placement",
            "template_type",
            "content",
            "personalization",
            "weight",
            "ab_test_variant",
            "constraints",
            "content_item_id",
            "metrics",
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        tenant = cleaned.get("tenant") or (
            self.instance.tenant if self.instance.tenant_id else None
        )
        name = cleaned.get("name")
        if tenant is not None and name:
            duplicate = Creative.objects.filter(tenant=tenant, name=name).exclude(
                pk=self.instance.pk
            )
            if duplicate.exists():
                self.add_error("name", "A live creative with this name already exists.")
        return cleaned


def _set_status(status: str) -> Any:
    @admin.action(description=f"Set status to {status}")
    def action(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
        done = 0
        for creative in queryset.filter(deleted_at__isnull=True).exclude(status=status):
            creative_update(creative=creative, data={"status": status})
            done += 1
        modeladmin.message_user(request, f"{done} creative(s) set to {status}.", messages.SUCCESS)

    action.__name__ = f"set_status_{status}"
    return action


@admin.register(Creative)
class CreativeAdmin(EntityAdmin):
    form = CreativeAdminForm
    change_form_template = "admin/creatives/creative/change_form.html"
    list_display = (
        "name",
        "offer",
        "channel",
        "placement",
        "template_type",
        "status",
        "weight",
        "ab_test_variant",
        "tenant",
        "version",
        "is_deleted",
        "created_at",
    )
    list_filter: ClassVar[tuple[Any, ...]] = (
        DeletedFilter,
        "status",
        "template_type",
        ("channel", admin.RelatedOnlyFieldListFilter),
        ("offer", admin.RelatedOnlyFieldListFilter),
        ("tenant", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("name", "id", "offer__name", "channel__name", "ab_test_variant")
    list_select_related = ("offer", "channel", "placement", "placement__channel", "tenant")
    autocomplete_fields = ("tenant", "offer", "channel", "placement")
    date_hierarchy = "created_at"
    actions = [
        *EntityAdmin.actions,
        _set_status("active"),
        _set_status("paused"),
        _set_status("archived"),
    ]
    fieldsets = (
        (None, {"fields": ("id", "tenant", "name", "status", "offer", "channel", "placement")}),
        ("Template", {"fields": ("template_type", "content", "personalization")}),
        (
            "Delivery",
            {"fields": ("weight", "ab_test_variant", "constraints", "content_item_id", "metrics")},
        ),
        ("Record", {"fields": ("version", "created_at", "updated_at", "deleted_at")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, "tenant") if obj is not None else readonly

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        user: Any = request.user
        if db_field.name == "tenant" and not user.is_superuser:
            kwargs["queryset"] = Tenant.objects.filter(memberships__user=user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        extra_context = extra_context or {}
        creative = self.get_object(request, object_id)
        if creative is not None:
            extra_context["creative_preview"] = self.preview_context(request, creative)
        return super().change_view(request, object_id, form_url, extra_context)

    @staticmethod
    def preview_context(request: HttpRequest, creative: Creative) -> dict[str, Any]:
        """What the change page shows under "Preview": each content part rendered."""
        reference = (request.GET.get("preview_customer") or "").strip()[:255]
        context: dict[str, Any] = {"customer_ref": reference, "error": None}
        customer = SAMPLE_CUSTOMER
        if reference:
            try:
                customer = stored_customer(tenant=creative.tenant, customer_id=reference)
            except NudgeError as exc:
                context["error"] = exc.message
        try:
            result = creative_preview(creative=creative, customer=customer)
        except (NudgeError, ValueError, KeyError, TypeError) as exc:
            context["error"] = f"This creative cannot be rendered: {exc}"
            return context
        html = is_html(creative.template_type)
        context["parts"] = [
            {
                "key": key,
                "html": html and isinstance(value, str),
                "text": value
                if isinstance(value, str)
                else json.dumps(value, indent=2, ensure_ascii=False),
            }
            for key, value in result["content"].items()
        ]
        context["customer_label"] = (
            f"{customer.get('first_name') or ''} {customer.get('last_name') or ''}".strip()
            + f" ({customer.get('external_id') or customer.get('id')})"
        )
        context["is_sample"] = customer is SAMPLE_CUSTOMER
        context["values"] = result["values"]
        context["fallbacks"] = result["fallbacks"]
        context["unresolved"] = result["unresolvedTokens"]
        return context

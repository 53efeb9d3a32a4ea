"""Admin for customers, segments and CSV imports (an upload page with a polled progress bar)."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from audience import services
from audience.import_jobs import import_job_create
from audience.models import Customer, ImportJob, Segment
from audience.segment_sql import parse_segment_rule
from audience.validation import ATTRIBUTES_JSON, clean_customer
from core.admin_base import DeletedFilter, EntityAdmin, TenantScopedAdmin, visible_to
from core.errors import InvalidInput, NudgeError
from core.models import Tenant

TENANT_FILTER = ("tenant", admin.RelatedOnlyFieldListFilter)


def _tenants_for(request: HttpRequest) -> QuerySet:
    user: Any = request.user
    if user.is_superuser:
        return Tenant.objects.all()
    return Tenant.objects.filter(memberships__user=user)


def _messages(details: Any) -> list[str]:
    if isinstance(details, dict):
        return [f"{k}: {m}" for k, v in details.items() for m in _messages(v)]
    if isinstance(details, list):
        return [m for item in details for m in _messages(item)]
    return [str(details)]


class AudienceAdmin(EntityAdmin):
    autocomplete_fields: ClassVar[Any] = ("tenant",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, "tenant") if obj is not None else readonly

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "tenant":
            kwargs["queryset"] = _tenants_for(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CustomerAdminForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["tenant", *Customer.PROFILE_FIELDS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        wire = {
            "externalId": cleaned.get("external_id"),
            "email": cleaned.get("email"),
            "phone": cleaned.get("phone"),
            "firstName": cleaned.get("first_name"),
            "lastName": cleaned.get("last_name"),
            "country": cleaned.get("country"),
            "timezone": cleaned.get("timezone"),
            "attributes": cleaned.get("attributes") or {},
        }
        values, errors = clean_customer(wire)
        names = {
            "externalId": "external_id",
            "firstName": "first_name",
            "lastName": "last_name",
        }
        for key, problems in errors.items():
            field = names.get(key, key)
            self.add_error(field if field in self.fields else None, problems)
        if not errors:
            values.pop(ATTRIBUTES_JSON, None)
            cleaned.update(values)
        return cleaned


@admin.register(Customer)
class CustomerAdmin(AudienceAdmin):
    form = CustomerAdminForm
    list_display = (
        "external_id",
        "first_name",
        "last_name",
        "email",
        "country",
        "timezone",
        "tenant",
        "version",
        "is_deleted",
    )
    # Plain filters only: "distinct values" filters would scan millions of rows per page.
    list_filter = (DeletedFilter, "tenant")  # type: ignore[assignment]
    search_fields = ("=external_id", "email", "last_name")
    list_select_related = ("tenant",)
    show_full_result_count = False
    fields = (
        "id",
        "tenant",
        "external_id",
        ("first_name", "last_name"),
        "email",
        "phone",
        ("country", "timezone"),
        "attributes",
        "version",
        "created_at",
        "updated_at",
        "deleted_at",
    )


class SegmentAdminForm(forms.ModelForm):
    class Meta:
        model = Segment
        fields = ["tenant", "name", "description", "segment_type", "combinator", "filters"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            rule = parse_segment_rule(cleaned.get("combinator", "AND"), cleaned.get("filters"))
        except InvalidInput as exc:
            self.add_error("filters", _messages(exc.details) or [exc.message])
        else:
            cleaned["filters"] = rule.to_dict()["filters"]
        return cleaned


@admin.action(description="Refresh customer counts")
def refresh_counts(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    done = 0
    for segment in queryset.filter(deleted_at__isnull=True):
        services.segment_refresh(segment=segment)
        done += 1
    modeladmin.message_user(request, f"Refreshed {done} segment(s).", messages.SUCCESS)


@admin.action(description="Soft-delete selected (only segments no live campaign uses)")
def soft_delete_segments(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    done = 0
    for segment in queryset.filter(deleted_at__isnull=True):
        try:
            services.segment_delete(segment=segment)
            done += 1
        except NudgeError as exc:
            modeladmin.message_user(request, exc.message, messages.ERROR)
    modeladmin.message_user(request, f"Soft-deleted {done} segment(s).", messages.SUCCESS)


@admin.register(Segment)
class SegmentAdmin(AudienceAdmin):
    """Saves go through the services so the segment's view is built in the same transaction."""

    form = SegmentAdminForm
    list_display = (
        "name",
        "segment_type",
        "count",
        "refreshed",
        "view",
        "tenant",
        "version",
        "is_deleted",
    )
    list_filter = (DeletedFilter, "segment_type", TENANT_FILTER)  # type: ignore[assignment]
    search_fields = ("name", "description", "id")
    list_select_related = ("tenant", "stats")
    actions = [soft_delete_segments, *EntityAdmin.actions[1:], refresh_counts]
    fields = (
        "id",
        "tenant",
        "name",
        "description",
        "segment_type",
        "combinator",
        "filters",
        "version",
        "created_at",
        "updated_at",
        "deleted_at",
    )

    @admin.display(description="customers")
    def count(self, obj: Segment) -> Any:
        return obj.customer_count if obj.customer_count is not None else "-"

    @admin.display(description="last refreshed")
    def refreshed(self, obj: Segment) -> Any:
        return obj.last_refreshed_at or "-"

    @admin.display(description="view")
    def view(self, obj: Segment) -> str:
        return obj.view_name

    def save_model(self, request: HttpRequest, obj: Segment, form: Any, change: bool) -> None:
        data = {k: form.cleaned_data[k] for k in SegmentAdminForm.Meta.fields if k != "tenant"}
        with transaction.atomic():
            if change:
                saved = services.segment_update(segment=obj, data=data)
            else:
                saved = services.segment_create(tenant=form.cleaned_data["tenant"], **data)
        obj.pk = saved.pk
        obj.version = saved.version


class ImportUploadForm(forms.Form):
    tenant = forms.ModelChoiceField(queryset=Tenant.objects.none())
    file = forms.FileField(help_text="UTF-8 CSV with an externalId column")

    def __init__(self, *args: Any, tenants: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["tenant"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = tenants


@admin.register(ImportJob)
class ImportJobAdmin(TenantScopedAdmin):
    """CSV imports: "Upload customers CSV" starts one; its page shows a live progress bar."""

    list_display = ("file_name", "tenant", "status", "percent_done", "processed_rows", "created_at")
    list_filter = ("status", TENANT_FILTER)
    readonly_fields = [f.name for f in ImportJob._meta.fields]
    change_form_template = "admin/audience/importjob/change_form.html"
    change_list_template = "admin/audience/importjob/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="progress")
    def percent_done(self, obj: ImportJob) -> str:
        return f"{obj.percent}%"

    def get_urls(self) -> list:
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="audience_importjob_upload",
            ),
            path(
                "<str:job_id>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="audience_importjob_progress",
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        tenants = _tenants_for(request)
        if not self.has_view_permission(request) or not request.user.has_perm(
            "audience.add_customer"
        ):
            messages.error(request, "You may not import customers.")
            return redirect(reverse("admin:audience_importjob_changelist"))
        form = ImportUploadForm(request.POST or None, request.FILES or None, tenants=tenants)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            with transaction.atomic():
                job = import_job_create(
                    tenant=form.cleaned_data["tenant"],
                    upload=upload,
                    file_name=upload.name,
                    created_by=request.user.get_username(),
                )
            return redirect(reverse("admin:audience_importjob_change", args=[job.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Upload customers CSV",
            "form": form,
        }
        return TemplateResponse(request, "admin/audience/importjob/upload.html", context)

    def progress_view(self, request: HttpRequest, job_id: str) -> JsonResponse:
        job = get_object_or_404(visible_to(ImportJob.objects.all(), request.user), pk=job_id)
        return JsonResponse(
            {
                "id": job.pk,
                "status": job.status,
                "percent": job.percent,
                "processedRows": job.processed_rows,
                "created": job.created_count,
                "updated": job.updated_count,
                "errors": job.error_count,
                "message": job.message,
            }
        )

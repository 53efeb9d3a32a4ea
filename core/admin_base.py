"""Admin bases for tenant-scoped, soft-deletable, versioned, audited models.

- Staff see the tenants they are members of; superusers see all.
- Soft-deleted rows are listed too, with a "Deleted" filter and soft-delete/restore actions;
  the built-in hard delete is removed.
- ``version`` is read-only; the change page shows the audit history of the object.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.errors import NudgeError
from core.mixins import SoftDeleteModel
from core.models import AuditLog, Membership
from core.services import entity_restore, entity_soft_delete


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "Live"), ("yes", "Deleted")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        return queryset


def visible_to(qs: QuerySet, user: Any) -> QuerySet:
    """Superusers see every tenant; other staff only the tenants they are members of."""
    if user.is_superuser:
        return qs
    return qs.filter(tenant_id__in=Membership.objects.filter(user=user).values("tenant_id"))


class TenantScopedAdmin(admin.ModelAdmin):
    """Limits rows to the staff user's tenants."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return visible_to(super().get_queryset(request), request.user)


@admin.action(description="Soft-delete selected")
def soft_delete_selected(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    done = 0
    for obj in queryset.filter(deleted_at__isnull=True):
        entity_soft_delete(instance=obj)
        done += 1
    modeladmin.message_user(request, f"Soft-deleted {done} object(s).", messages.SUCCESS)


@admin.action(description="Restore selected")
def restore_selected(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    done, failed = 0, []
    for obj in queryset.filter(deleted_at__isnull=False):
        try:
            entity_restore(instance=obj)
            done += 1
        except NudgeError as exc:
            failed.append(exc.message)
    modeladmin.message_user(request, f"Restored {done} object(s).", messages.SUCCESS)
    for message in failed:
        modeladmin.message_user(request, message, messages.ERROR)


class EntityAdmin(TenantScopedAdmin):
    """For ConfigEntity models."""

    change_form_template = "admin/core/entity_change_form.html"
    actions = [soft_delete_selected, restore_selected]
    readonly_fields = ("id", "version", "created_at", "updated_at", "deleted_at")
    list_filter = (DeletedFilter,)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = self.model.all_objects.get_queryset()
        ordering = self.get_ordering(request)
        if ordering:
            qs = qs.order_by(*ordering)
        return visible_to(qs, request.user)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def is_deleted(self, obj: SoftDeleteModel) -> bool:
        return obj.deleted_at is not None

    is_deleted.boolean = True  # type: ignore[attr-defined]
    is_deleted.short_description = "deleted"  # type: ignore[attr-defined]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        extra_context = extra_context or {}
        entity_type = getattr(self.model, "entity_type", None)
        extra_context["audit_history"] = (
            AuditLog.objects.filter(entity_type=entity_type, entity_id=object_id).order_by("-id")[
                :50
            ]
            if entity_type
            else []
        )
        return super().change_view(request, object_id, form_url, extra_context)

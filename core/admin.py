from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from core.models import ApiKey, AuditLog, Membership, Tenant
from core.services import api_key_create, api_key_revoke

admin.site.site_header = "Nudge administration"
admin.site.site_title = "Nudge admin"
admin.site.index_title = "Configuration and operations"


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "id", "created_at"]
    search_fields = ["name", "slug", "id"]
    readonly_fields = ["id", "created_at", "updated_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "tenant", "role", "created_at"]
    list_filter = ["role", "tenant"]
    search_fields = ["user__username", "user__email", "tenant__name"]
    autocomplete_fields = ["user", "tenant"]


@admin.action(description="Revoke selected keys")
def revoke_keys(modeladmin: Any, request: HttpRequest, queryset: Any) -> None:
    for key in queryset:
        api_key_revoke(key=key)
    modeladmin.message_user(request, f"Revoked {queryset.count()} key(s).", messages.SUCCESS)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "tenant", "role", "is_active", "last_used_at", "created_at"]
    list_filter = ["role", "tenant", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "tenant__name"]
    readonly_fields = ["id", "prefix", "last_used_at", "revoked_at", "created_by", "created_at"]
    fields = [
        "id",
        "tenant",
        "name",
        "role",
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    autocomplete_fields = ["tenant"]
    actions = [revoke_keys]

    @admin.display(boolean=True, description="active")
    def is_active(self, obj: ApiKey) -> bool:
        return obj.is_active

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key, raw = api_key_create(
            tenant=obj.tenant, name=obj.name, role=obj.role, created_by=request.user
        )
        obj.pk = key.pk
        messages.warning(request, f"Copy the new key now, it is shown only once: {raw}")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "tenant_id",
        "entity_type",
        "entity_id",
        "action",
        "entity_version",
        "actor",
    ]
    list_filter = ["action", "entity_type"]
    search_fields = ["entity_id", "actor", "request_id"]
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

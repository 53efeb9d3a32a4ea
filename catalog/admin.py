from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from catalog import services
from catalog.admin_forms import ChannelAdminForm, OfferAdminForm, PlacementAdminForm
from catalog.models import Category, Channel, Offer, Placement
from core.admin_base import DeletedFilter, EntityAdmin, restore_selected
from core.errors import NudgeError
from core.models import Tenant

TENANT_FILTER = ("tenant", admin.RelatedOnlyFieldListFilter)


class CatalogAdmin(EntityAdmin):
    """Tenant chosen once (read-only afterwards); autocomplete lists only live rows."""

    autocomplete_fields: ClassVar[Any] = ("tenant",)
    list_filter: ClassVar[Any] = (DeletedFilter,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, "tenant") if obj is not None else readonly

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        user: Any = request.user
        if db_field.name == "tenant" and not user.is_superuser:
            kwargs["queryset"] = Tenant.objects.filter(memberships__user=user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        if request.path.endswith("/autocomplete/"):
            queryset = queryset.filter(deleted_at__isnull=True)
        return super().get_search_results(request, queryset, search_term)


def _set_status(status: str) -> Any:
    @admin.action(description=f"Set status to {status}")
    def action(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
        update = {
            Offer: lambda o: services.offer_update(offer=o, data={"status": status}),
            Category: lambda c: services.category_update(category=c, data={"status": status}),
            Channel: lambda c: services.channel_update(channel=c, data={"status": status}),
        }[queryset.model]
        done = 0
        for obj in queryset.filter(deleted_at__isnull=True).exclude(status=status):
            update(obj)
            done += 1
        modeladmin.message_user(request, f"{done} set to {status}.", messages.SUCCESS)

    action.__name__ = f"set_status_{status}"
    return action


@admin.action(description="Soft-delete selected (only categories no live offer uses)")
def soft_delete_categories(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    done = 0
    for category in queryset.filter(deleted_at__isnull=True):
        try:
            services.category_delete(category=category)
            done += 1
        except NudgeError as exc:
            modeladmin.message_user(request, exc.message, messages.ERROR)
    modeladmin.message_user(request, f"Soft-deleted {done} categor(ies).", messages.SUCCESS)


@admin.register(Category)
class CategoryAdmin(CatalogAdmin):
    list_display = ("name", "status", "ordinal", "live_offers", "tenant", "version", "is_deleted")
    list_filter = (DeletedFilter, "status", TENANT_FILTER)
    search_fields = ("name", "id")
    ordering = ("tenant", "ordinal", "name")
    list_select_related = ("tenant",)
    actions = [
        soft_delete_categories,
        restore_selected,
        _set_status("active"),
        _set_status("inactive"),
    ]
    fields = (
        "id",
        "tenant",
        "name",
        "status",
        "ordinal",
        "version",
        "created_at",
        "updated_at",
        "deleted_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(offer_total=Count("offers", filter=Q(offers__deleted_at__isnull=True)))
        )

    @admin.display(description="live offers", ordering="offer_total")
    def live_offers(self, obj: Any) -> int:
        return obj.offer_total


@admin.register(Offer)
class OfferAdmin(CatalogAdmin):
    form = OfferAdminForm
    list_display = (
        "name",
        "category",
        "status",
        "priority",
        "business_value",
        "start_at",
        "end_at",
        "tenant",
        "version",
        "is_deleted",
    )
    list_filter = (
        DeletedFilter,
        "status",
        ("category", admin.RelatedOnlyFieldListFilter),
        TENANT_FILTER,
    )
    search_fields = ("name", "description", "id")
    list_select_related = ("category", "tenant")
    autocomplete_fields = ("tenant", "category")
    date_hierarchy = "created_at"
    actions = [
        *EntityAdmin.actions,
        _set_status("active"),
        _set_status("paused"),
        _set_status("archived"),
    ]
    fieldsets = (
        (None, {"fields": ("id", "tenant", "name", "description", "status", "category")}),
        ("Ranking", {"fields": ("priority", "business_value", "tags")}),
        ("Availability", {"fields": ("start_at", "end_at", "eligibility")}),
        ("Other", {"fields": ("metadata",), "classes": ("collapse",)}),
        ("Record", {"fields": ("version", "created_at", "updated_at", "deleted_at")}),
    )


class PlacementInline(admin.TabularInline):
    model = Placement
    form = PlacementAdminForm
    fields = ("name", "slot_type", "max_slots")
    extra = 0
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(deleted_at__isnull=True)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Channel)
class ChannelAdmin(CatalogAdmin):
    form = ChannelAdminForm
    list_display = (
        "name",
        "channel_type",
        "delivery_mode",
        "status",
        "provider",
        "tenant",
        "version",
        "is_deleted",
    )
    list_filter = (DeletedFilter, "channel_type", "delivery_mode", "status", TENANT_FILTER)
    search_fields = ("name", "id")
    list_select_related = ("tenant",)
    actions = [*EntityAdmin.actions, _set_status("active"), _set_status("inactive")]
    inlines = (PlacementInline,)
    fields = (
        "id",
        "tenant",
        "name",
        "channel_type",
        "delivery_mode",
        "status",
        "provider_config",
        "version",
        "created_at",
        "updated_at",
        "deleted_at",
    )

    @admin.display(description="provider")
    def provider(self, obj: Channel) -> str:
        config = obj.provider_config or {}
        return str(config.get("url") or config.get("host") or config.get("agentId") or "-")

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for placement in instances:
            placement.tenant_id = form.instance.tenant_id
            placement.save()


@admin.register(Placement)
class PlacementAdmin(CatalogAdmin):
    form = PlacementAdminForm
    list_display = ("name", "channel", "slot_type", "max_slots", "tenant", "version", "is_deleted")
    list_filter = (DeletedFilter, "slot_type", ("channel", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "channel__name", "id")
    list_select_related = ("channel", "tenant")
    autocomplete_fields = ("tenant", "channel")
    fields = (
        "id",
        "tenant",
        "channel",
        "name",
        "slot_type",
        "max_slots",
        "version",
        "created_at",
        "updated_at",
        "deleted_at",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """A placement stays in its channel (see ``placement_update``)."""
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, "channel") if obj is not None else readonly

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse

from core.admin_base import TenantScopedAdmin
from core.errors import NudgeError
from runs.models import DeadLetter, Run, RunChunk
from runs.services import dead_letter_purge, dead_letter_retry, run_cancel


class RunChunkInline(admin.TabularInline):
    model = RunChunk
    extra = 0
    can_delete = False
    fields = [
        "index",
        "first_id",
        "last_id",
        "size",
        "status",
        "attempts",
        "processed",
        "error",
        "finished_at",
    ]
    readonly_fields = (
        "index",
        "first_id",
        "last_id",
        "size",
        "status",
        "attempts",
        "processed",
        "error",
        "finished_at",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.action(description="Cancel selected runs")
def cancel_runs(modeladmin: Any, request: HttpRequest, queryset: Any) -> None:
    for run in queryset:
        try:
            run_cancel(run=run)
        except NudgeError as exc:
            modeladmin.message_user(request, exc.message, messages.WARNING)


@admin.register(Run)
class RunAdmin(TenantScopedAdmin):
    list_display = ["id", "campaign", "status", "trigger", "progress", "created_at", "completed_at"]
    list_filter = ["status", "trigger"]
    search_fields = ["id", "campaign__name"]
    autocomplete_fields = ["campaign"]
    readonly_fields = [f.name for f in Run._meta.fields]
    inlines = [RunChunkInline]
    actions = [cancel_runs]

    def view_on_site(self, obj: Run) -> str:
        return reverse("ui:campaign-detail", args=[obj.campaign_id]) + f"?run={obj.pk}#run"

    @admin.display(description="progress")
    def progress(self, run: Run) -> str:
        return f"{run.processed:,} / {run.total_customers:,}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.action(description="Retry selected dead letters")
def retry_letters(modeladmin: Any, request: HttpRequest, queryset: Any) -> None:
    done = 0
    for letter in queryset.filter(status=DeadLetter.Status.OPEN):
        dead_letter_retry(letter=letter)
        done += 1
    modeladmin.message_user(request, f"Retried {done} item(s).", messages.SUCCESS)


@admin.action(description="Purge selected dead letters")
def purge_letters(modeladmin: Any, request: HttpRequest, queryset: Any) -> None:
    for letter in queryset.exclude(status=DeadLetter.Status.PURGED):
        dead_letter_purge(letter=letter)


@admin.register(DeadLetter)
class DeadLetterAdmin(TenantScopedAdmin):
    list_display = ["id", "run", "kind", "reference", "status", "attempts", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["id", "run__id", "error"]
    readonly_fields = [f.name for f in DeadLetter._meta.fields]
    actions = [retry_letters, purge_letters]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

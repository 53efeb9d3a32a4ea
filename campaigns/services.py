"""Writes to campaigns. Every change keeps the scheduler's state in step (same transaction)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from campaigns.models import Campaign
from campaigns.scheduling import lock_schedule_state, schedule_state_sync, trigger_run
from core.errors import Conflict
from core.models import Tenant
from core.services import entity_soft_delete, model_update, refresh_version

Status = Campaign.Status

# Fields a create or update may set (snake_case, as the serializer's validated data).
EDITABLE_FIELDS = (
    "name",
    "description",
    "decision_flow",
    "segment",
    "status",
    "schedule_type",
    "schedule_day_of_week",
    "schedule_day_of_month",
    "schedule_time",
    "schedule_timezone",
    "schedule_cron",
    "frequency_caps",
    "file_config",
    "channel_ids",
)
SCHEDULE_FIELDS = frozenset(
    {
        "status",
        "schedule_type",
        "schedule_day_of_week",
        "schedule_day_of_month",
        "schedule_time",
        "schedule_timezone",
        "schedule_cron",
    }
)
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.ACTIVE, Status.ARCHIVED}),
    Status.ACTIVE: frozenset({Status.PAUSED, Status.ARCHIVED}),
    Status.PAUSED: frozenset({Status.ACTIVE, Status.ARCHIVED}),
    Status.ARCHIVED: frozenset(),
}
MAX_NAME = 255


def _a(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def check_transition(current: str, target: str) -> None:
    if target != current and target not in TRANSITIONS.get(current, frozenset()):
        allowed = ", ".join(sorted(TRANSITIONS.get(current, ()))) or "none"
        raise Conflict(
            f"{_a(current).capitalize()} campaign cannot become {target} (allowed: {allowed}).",
            details={"status": [f"Invalid transition {current} -> {target}."]},
        )


def campaign_default_name(*, tenant: Tenant, decision_flow: Any, segment: Any) -> str:
    """``"<flow> for <segment>"``, with `` (2)``, `` (3)``... when that name is taken."""
    base = f"{decision_flow.name} for {segment.name}"[: MAX_NAME - 8].strip()
    taken = set(
        Campaign.objects.filter(tenant=tenant, name__startswith=base).values_list("name", flat=True)
    )
    if base not in taken:
        return base
    number = 2
    while f"{base} ({number})" in taken:
        number += 1
    return f"{base} ({number})"


def _check_name_free(*, tenant_id: str, name: str, exclude_pk: str | None = None) -> None:
    """A friendly 409 up front; the partial unique index still decides under concurrency."""
    taken = Campaign.objects.filter(tenant_id=tenant_id, name=name).exclude(pk=exclude_pk).exists()
    if taken:
        raise Conflict(
            f"A campaign named '{name}' already exists.",
            details={"name": ["A campaign with this name already exists."]},
        )


@transaction.atomic
def campaign_create(
    *, tenant: Tenant, data: dict[str, Any], now: datetime | None = None
) -> Campaign:
    fields = {key: value for key, value in data.items() if key in EDITABLE_FIELDS}
    if not fields.get("name"):
        fields["name"] = campaign_default_name(
            tenant=tenant, decision_flow=fields["decision_flow"], segment=fields["segment"]
        )
    else:
        _check_name_free(tenant_id=tenant.pk, name=fields["name"])
    campaign = Campaign(tenant=tenant, **fields)
    campaign.full_clean(
        exclude=["tenant", "decision_flow", "segment"],
        validate_unique=False,
        validate_constraints=False,
    )
    campaign.save()
    refresh_version(campaign)
    schedule_state_sync(campaign=campaign, recompute=True, now=now)
    return campaign


@transaction.atomic
def campaign_update(
    *, campaign: Campaign, data: dict[str, Any], now: datetime | None = None
) -> Campaign:
    """A partial update; ``decision_flow`` and ``segment`` may be retargeted."""
    lock_schedule_state(campaign)
    if "status" in data:
        check_transition(campaign.status, data["status"])
    if "name" in data and data["name"] != campaign.name:
        _check_name_free(tenant_id=campaign.tenant_id, name=data["name"], exclude_pk=campaign.pk)
    before = {name: getattr(campaign, name) for name in SCHEDULE_FIELDS}
    campaign, changed = model_update(instance=campaign, fields=list(EDITABLE_FIELDS), data=data)
    if changed:
        recompute = any(getattr(campaign, name) != before[name] for name in SCHEDULE_FIELDS)
        schedule_state_sync(campaign=campaign, recompute=recompute, now=now)
    return campaign


def _set_status(
    campaign: Campaign, target: str, *, allowed_from: tuple[str, ...], verb: str
) -> Campaign:
    if campaign.status not in allowed_from:
        only = " or ".join(allowed_from)
        raise Conflict(
            f"{_a(campaign.status).capitalize()} campaign cannot be {verb} (only {_a(only)} one "
            "can).",
            details={"status": [f"Invalid transition {campaign.status} -> {target}."]},
        )
    return campaign_update(campaign=campaign, data={"status": target})


@transaction.atomic
def campaign_pause(*, campaign: Campaign) -> Campaign:
    return _set_status(campaign, Status.PAUSED, allowed_from=(Status.ACTIVE,), verb="paused")


@transaction.atomic
def campaign_resume(*, campaign: Campaign) -> Campaign:
    return _set_status(campaign, Status.ACTIVE, allowed_from=(Status.PAUSED,), verb="resumed")


@transaction.atomic
def campaign_archive(*, campaign: Campaign) -> Campaign:
    return _set_status(
        campaign,
        Status.ARCHIVED,
        allowed_from=(Status.DRAFT, Status.ACTIVE, Status.PAUSED),
        verb="archived",
    )


@transaction.atomic
def campaign_delete(*, campaign: Campaign) -> Campaign:
    """Soft delete; the campaign stops firing at once."""
    lock_schedule_state(campaign)
    entity_soft_delete(instance=campaign)
    schedule_state_sync(campaign=campaign, recompute=True)
    return campaign


def campaign_run_now(*, campaign: Campaign, requested_by: str = "") -> Any:
    """One run outside the schedule (admin "Run now", UI)."""
    if campaign.deleted_at is not None or campaign.status == Status.ARCHIVED:
        raise Conflict(f"A {'deleted' if campaign.deleted_at else 'archived'} campaign cannot run.")
    return trigger_run(campaign=campaign, requested_by=requested_by)

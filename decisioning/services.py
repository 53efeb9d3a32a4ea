"""Writes: decision flows (create, update, publish, rollback) and outcome types."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.errors import Conflict, InvalidInput, NotFound
from core.models import Tenant
from core.services import model_update, refresh_version
from decisioning.engine.rules import check_rule
from decisioning.flow_config import BUILTIN_OUTCOMES, ValidatedConfig, validate_config
from decisioning.models import DecisionFlow, DecisionFlowVersion, OutcomeType

FLOW_FIELDS = ["key", "name", "description", "status", "config"]


def tenant_outcomes(*, tenant: Tenant) -> list[str]:
    """Built-in outcomes plus the tenant's own (live) outcome types."""
    custom = OutcomeType.objects.filter(tenant=tenant).values_list("key", flat=True)
    return [*BUILTIN_OUTCOMES, *custom]


def _check_references(*, tenant: Tenant, validated: ValidatedConfig, root: str) -> None:
    """Every offer, category, channel and placement the config names exists in the tenant."""
    from catalog.models import Category, Channel, Offer, Placement

    errors: dict[str, list[str]] = {}
    for kind, model in (("offer", Offer), ("category", Category), ("channel", Channel)):
        wanted = validated.referenced[kind]
        if not wanted:
            continue
        found = set(model.objects.filter(tenant=tenant, pk__in=wanted).values_list("pk", flat=True))
        missing = sorted(wanted - found)
        if missing:
            errors[f"{root}"] = errors.get(root, []) + [
                f"{kind.capitalize()} '{m}' does not exist." for m in missing
            ]
    if validated.placements:
        found = set(
            Placement.objects.filter(tenant=tenant, pk__in=validated.placements).values_list(
                "pk", flat=True
            )
        )
        for m in sorted(validated.placements - found):
            errors.setdefault(f"{root}.creativeMatch.placementId", []).append(
                f"Placement '{m}' does not exist."
            )
    if errors:
        first = next(iter(errors))
        raise InvalidInput(errors[first][0], details=errors)


def flow_config_validate(*, tenant: Tenant, config: Any, root: str = "config") -> dict:
    """Strict validation (schema, rules, outcomes, referenced ids); the normalised config."""
    validated = validate_config(
        config, outcomes=tenant_outcomes(tenant=tenant), check_rule=check_rule, root=root
    )
    _check_references(tenant=tenant, validated=validated, root=root)
    return validated.config


def _check_status(flow: DecisionFlow, status: str) -> None:
    if status == DecisionFlow.Status.ACTIVE and flow.published_version_id is None:
        raise Conflict(
            "Publish the decision flow before activating it.",
            details={"status": ["A flow needs a published version to be active."]},
        )


def decision_flow_create(
    *,
    tenant: Tenant,
    key: str,
    name: str,
    description: str = "",
    status: str = DecisionFlow.Status.DRAFT,
    config: Any = None,
) -> DecisionFlow:
    flow = DecisionFlow(
        tenant=tenant, key=key, name=name, description=description, status=status, config={}
    )
    flow.config = flow_config_validate(tenant=tenant, config=config or {}) if config else {}
    _check_status(flow, status)
    flow.full_clean(exclude=["tenant", "published_version"], validate_unique=False)
    flow.save(force_insert=True)
    return flow


def decision_flow_update(*, flow: DecisionFlow, data: dict[str, Any]) -> DecisionFlow:
    data = dict(data)
    if "config" in data:
        data["config"] = flow_config_validate(tenant=flow.tenant, config=data["config"])
    if "status" in data:
        _check_status(flow, data["status"])
    flow, _ = model_update(instance=flow, fields=FLOW_FIELDS, data=data)
    return flow


def _append_version(
    *, flow: DecisionFlow, config: dict, user: Any, rolled_back_from: int | None, note: str
) -> DecisionFlowVersion:
    last = flow.versions.aggregate(n=Max("number"))["n"] or 0
    version = DecisionFlowVersion.objects.create(
        tenant_id=flow.tenant_id,
        flow=flow,
        number=last + 1,
        config=config,
        published_at=timezone.now(),
        published_by=user if getattr(user, "pk", None) else None,
        rolled_back_from=rolled_back_from,
        note=note[:255],
    )
    return version


def _lock(flow: DecisionFlow) -> DecisionFlow:
    return DecisionFlow.objects.select_for_update().get(pk=flow.pk)


@transaction.atomic
def decision_flow_publish(
    *, flow: DecisionFlow, user: Any = None, note: str = ""
) -> DecisionFlowVersion:
    """Freeze the draft config as the next version; that version executes from now on.
    A draft flow becomes active."""
    flow = _lock(flow)
    if flow.status == DecisionFlow.Status.ARCHIVED:
        raise Conflict("An archived decision flow cannot be published.")
    config = flow_config_validate(tenant=flow.tenant, config=flow.config)
    version = _append_version(flow=flow, config=config, user=user, rolled_back_from=None, note=note)
    flow.published_version = version
    fields = ["published_version", "updated_at"]
    if flow.status == DecisionFlow.Status.DRAFT:
        flow.status = DecisionFlow.Status.ACTIVE
        fields.append("status")
    flow.save(update_fields=fields)
    refresh_version(flow)
    _invalidate(flow)
    return version


@transaction.atomic
def decision_flow_rollback(
    *, flow: DecisionFlow, number: int, user: Any = None
) -> DecisionFlowVersion:
    """Re-publish version ``number`` as a new version (history is never rewritten). The draft
    config is reset to it, so the next edit starts from what runs."""
    flow = _lock(flow)
    if flow.status == DecisionFlow.Status.ARCHIVED:
        raise Conflict("An archived decision flow cannot be rolled back.")
    target = flow.versions.filter(number=number).first()
    if target is None:
        raise NotFound(
            f"Decision flow {flow.pk} has no version {number}",
            details={"version": [f"Version {number} does not exist."]},
        )
    version = _append_version(
        flow=flow,
        config=target.config,
        user=user,
        rolled_back_from=number,
        note=f"rollback to version {number}",
    )
    flow.published_version = version
    flow.config = target.config
    flow.save(update_fields=["published_version", "config", "updated_at"])
    refresh_version(flow)
    _invalidate(flow)
    return version


def _invalidate(flow: DecisionFlow) -> None:
    from decisioning.snapshots import snapshot_cache

    transaction.on_commit(lambda: snapshot_cache.forget_flow(flow.pk))


def outcome_type_create(
    *, tenant: Tenant, key: str, name: str, description: str = ""
) -> OutcomeType:
    if key in BUILTIN_OUTCOMES:
        raise InvalidInput(
            f"'{key}' is a built-in outcome", details={"key": ["Built-in outcomes exist already."]}
        )
    outcome = OutcomeType(tenant=tenant, key=key, name=name, description=description)
    outcome.full_clean(exclude=["tenant"], validate_unique=False)
    outcome.save(force_insert=True)
    return outcome

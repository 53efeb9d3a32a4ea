"""A populated tenant for the API fuzz tests: at least one live object of every kind the API
exposes (offers to dead letters), a finished run with its results and file, a pending run, an
interaction, and the same kinds in the other tenant, so generated requests reach real objects
(and other tenants' objects) rather than only 404s."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from audience.models import Customer, Segment
from campaigns.models import Campaign
from catalog.models import Category, Channel, Offer, Placement
from core.models import ApiKey, AuditLog, Membership
from core.services import hash_api_key
from creatives.models import Creative
from decisioning.models import DecisionFlow, Interaction, OutcomeType
from runs.models import DeadLetter, Run
from runs.services import dead_letter_record, run_create
from tests.runs.world import build_world

# First path segment after /api/v1/ -> the kind of object its {id} names.
KIND_BY_COLLECTION = {
    "offers": "offer",
    "categories": "category",
    "channels": "channel",
    "placements": "placement",
    "creatives": "creative",
    "customers": "customer",
    "segments": "segment",
    "decision-flows": "decisionFlow",
    "outcome-types": "outcomeType",
    "interactions": "interaction",
    "campaigns": "campaign",
    "runs": "run",
    "dead-letters": "deadLetter",
    "api-keys": "apiKey",
    "members": "member",
    "audit-logs": "auditLog",
}


def path_kind(path: str, parameter: str) -> str | None:
    """The kind of object a path parameter names (``/api/v1/offers/{id}`` -> ``offer``)."""
    if parameter == "campaign_id":
        return "campaign"
    return KIND_BY_COLLECTION.get(path.removeprefix("/api/v1/").split("/", 1)[0])


@dataclass
class FuzzWorld:
    """Ids that exist, by kind. ``ids_a`` are tenant A's (the fuzzing key's tenant);
    ``ids_b`` belong to tenant B and must never be reachable from tenant A."""

    ids_a: dict[str, list[str]] = field(default_factory=dict)
    ids_b: dict[str, list[str]] = field(default_factory=dict)
    protected: set[str] = field(default_factory=set)

    def own(self, kind: str | None) -> list[str]:
        return [i for i in self.ids_a.get(kind or "", []) if i not in self.protected]

    def others(self, kind: str | None) -> list[str]:
        return self.ids_b.get(kind or "", [])

    def fill_path(self, path: str, *, tenant: str = "a") -> str:
        """``path`` with each ``{param}`` replaced by an object of that kind, of tenant A
        (the caller's) or B (another tenant's)."""
        for parameter in re.findall(r"{(\w+)}", path):
            kind = path_kind(path, parameter)
            ids = self.own(kind) if tenant == "a" else self.others(kind)
            path = path.replace(f"{{{parameter}}}", ids[0] if ids else "zz_missing")
        return path


def _ids(queryset: Any) -> list[str]:
    return [str(pk) for pk in queryset.order_by("pk").values_list("pk", flat=True)]


MODELS_BY_KIND: dict[str, Any] = {
    "offer": Offer,
    "category": Category,
    "channel": Channel,
    "placement": Placement,
    "creative": Creative,
    "customer": Customer,
    "segment": Segment,
    "decisionFlow": DecisionFlow,
    "outcomeType": OutcomeType,
    "interaction": Interaction,
    "campaign": Campaign,
    "run": Run,
    "deadLetter": DeadLetter,
    "apiKey": ApiKey,
    "member": Membership,
    "auditLog": AuditLog,
}


def _collect(tenant: Any) -> dict[str, list[str]]:
    return {
        kind: _ids(model.objects.filter(tenant_id=tenant.pk))
        for kind, model in MODELS_BY_KIND.items()
    }


def _finished_run(campaign: Campaign, committed: Any) -> Run:
    """A run executed end to end (results, file). Should the executor itself be broken, the
    API is still fuzzed with a plain run row: tests/runs is where that breakage must show."""
    try:
        with transaction.atomic(), committed():
            return run_create(campaign=campaign)
    except Exception:
        return Run.objects.create(tenant_id=campaign.tenant_id, campaign=campaign)


def build_fuzz_world(personas: Any, client: Any, committed: Any) -> FuzzWorld:
    """``client`` is tenant A's admin API client; ``committed`` runs on-commit callbacks."""
    tenant = personas.tenant_a
    world = build_world(tenant, customers=12, offers=3)
    Placement.objects.create(tenant=tenant, name="Home banner", channel=world.channels["web"])
    run = _finished_run(world.campaign, committed)
    dead_letter_record(run=run, kind="upload", reference="file", error="S3 unreachable")
    customer_ref = "C0000001"
    response = client.post(
        "/api/v1/recommend",
        {"customerId": customer_ref, "decisionFlowKey": world.flow.key, "channel": "web"},
        format="json",
    )
    assert response.status_code == 200, response.content
    pending = Run.objects.create(tenant=tenant, campaign=world.campaign)  # cancellable
    for t in (tenant, personas.tenant_b):
        OutcomeType.objects.create(tenant=t, key="callback_requested", name="Callback")

    other = build_world(personas.tenant_b, customers=2, offers=1)
    assert other.campaign.tenant_id == personas.tenant_b.pk

    fuzz = FuzzWorld(ids_a=_collect(tenant), ids_b=_collect(personas.tenant_b))
    # Bodies name the first id of a kind: the pending run is the one that can still execute.
    fuzz.ids_a["run"].remove(pending.pk)
    fuzz.ids_a["run"].insert(0, pending.pk)
    # Revoking the fuzzing key itself would turn every later request into a 401.
    own_key = ApiKey.objects.get(key_hash=hash_api_key(personas.keys["admin_a"]))
    fuzz.protected = {own_key.pk}
    return fuzz

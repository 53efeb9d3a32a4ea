"""Real-time decisions (``POST /recommend``) and outcomes (``POST /respond``).

Per recommend call, two round trips: one prepared statement reads the flow, the customer and
(when the flow has contact policies) their history; one statement records the
recommendations, and every second or so the process's buffered exposure counts with them
(``decisioning.exposures``). The API key (``core.api.key_cache``) and the published version's
catalog snapshot (``decisioning.snapshots``) come from short per-process caches.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from core.db.prepared import fetch_prepared
from core.errors import Conflict, InvalidInput, NotFound
from core.ids import new_id
from core.models import Tenant
from decisioning.customers import (
    customer_find,
    customer_find_params,
    customer_find_sql,
    customer_from_row,
    customer_history,
    customer_with_history_sql,
    history_from_arrays,
    history_window_params,
    record_fields,
)
from decisioning.engine import CustomerInput, DecisionOptions, decide
from decisioning.engine.data import Decision, HistoryEvent, Snapshot
from decisioning.engine.prepared import PreparedFlow
from decisioning.exposures import UPSERT_COUNTERS_FROM_JSON, counter_params, exposure_buffer
from decisioning.flow_config import BUILTIN_OUTCOMES
from decisioning.models import DecisionFlow, Interaction, OutcomeCounter, OutcomeType
from decisioning.snapshots import snapshot_for

DEFAULT_FLOW_KEY = "default"


@dataclass(frozen=True)
class FlowRef:
    """What the hot path needs of a flow row (no config: the cached snapshot holds it)."""

    id: str
    key: str
    status: str
    version_id: str | None


_FLOW_SQL = """
SELECT id, key, status, published_version_id FROM decisioning_decisionflow
WHERE tenant_id = %s AND deleted_at IS NULL AND {where}
"""
_DEFAULT_FLOW_SQL = """
SELECT f.id, f.key, f.status, f.published_version_id
FROM decisioning_decisionflow f
LEFT JOIN decisioning_decisionflowversion v ON v.id = f.published_version_id
WHERE f.tenant_id = %s AND f.deleted_at IS NULL
  AND (f.key = %s OR (f.status = 'active' AND f.published_version_id IS NOT NULL))
ORDER BY (f.key = %s) DESC, v.published_at DESC NULLS LAST LIMIT 1
"""


def _flow_query(tenant: Tenant, key: str | None, flow_id: str | None) -> tuple[str, list[Any]]:
    if flow_id:
        return _FLOW_SQL.format(where="id = %s"), [tenant.pk, flow_id]
    if key:
        return _FLOW_SQL.format(where="key = %s"), [tenant.pk, key]
    return _DEFAULT_FLOW_SQL, [tenant.pk, DEFAULT_FLOW_KEY, DEFAULT_FLOW_KEY]


def _flow_from_row(row: Sequence[Any] | None, key: str | None, flow_id: str | None) -> FlowRef:
    """The flow to execute: by id, by key, else the tenant's ``default`` flow, else its most
    recently published active flow. 404 unknown; 409 unpublished, paused or archived."""
    ref = flow_id or key or DEFAULT_FLOW_KEY
    if row is None or row[0] is None:
        raise NotFound(
            f"Decision flow '{ref}' not found",
            details={"decisionFlowId" if flow_id else "decisionFlowKey": [ref]},
        )
    flow = FlowRef(*row)
    if flow.version_id is None:
        raise Conflict(
            f"Decision flow '{flow.key}' has no published version; publish it first.",
            details={"decisionFlowKey": [flow.key]},
        )
    if flow.status in (DecisionFlow.Status.PAUSED, DecisionFlow.Status.ARCHIVED):
        raise Conflict(
            f"Decision flow '{flow.key}' is {flow.status}.",
            details={"decisionFlowKey": [flow.key]},
        )
    return flow


@dataclass(frozen=True)
class HistoryHint:
    """What history the last seen published version of a flow reads."""

    version_id: str
    days: int
    outcomes: tuple[str, ...]


# Per process: (tenant, flow id, flow key) -> the history its published version needed last
# time. It only shapes the lookup statement; a request whose flow turns out to have another
# version reads its history separately, so a new version applies at once everywhere.
_history_hints: dict[tuple[str, str | None, str | None], HistoryHint] = {}


@dataclass
class DecisionInputs:
    flow: FlowRef
    snapshot: Snapshot
    customer: dict[str, Any]
    history: list[HistoryEvent]


def decision_inputs(
    *,
    tenant: Tenant,
    customer_ref: str,
    key: str | None = None,
    flow_id: str | None = None,
    now: datetime,
) -> DecisionInputs:
    """The flow, its snapshot, the customer and the history its contact policies count,
    read in one round trip (a full join of the flow and customer lookups, the customer's
    history aggregated alongside). Errors: the flow's first (404/409), then the customer's
    (404)."""
    hint_key = (tenant.pk, flow_id, key)
    hint = _history_hints.get(hint_key)
    flow_sql, params = _flow_query(tenant, key, flow_id)
    params += customer_find_params(tenant_id=tenant.pk, ref=customer_ref)
    if hint is not None and hint.days > 0:
        customer_sql = customer_with_history_sql()
        params += history_window_params(
            tenant_id=tenant.pk, days=hint.days, outcomes=hint.outcomes, now=now
        )
    else:
        customer_sql = customer_find_sql()
    rows = fetch_prepared(
        f"SELECT * FROM ({flow_sql}) f FULL JOIN ({customer_sql}) c ON true LIMIT 1", params
    )
    row = rows[0] if rows else None
    flow = _flow_from_row(row[:4] if row else None, key, flow_id)
    width = len(record_fields())
    customer = customer_from_row(customer_ref, row[4 : 4 + width] if row else None)
    assert row is not None and flow.version_id is not None
    snapshot = snapshot_for(flow_id=flow.id, version_id=flow.version_id)
    prep = snapshot.prepared()
    needed = HistoryHint(flow.version_id, prep.max_history_days, tuple(prep.history_outcomes))
    if needed.days <= 0:
        history: list[HistoryEvent] = []
    elif hint == needed:
        history = history_from_arrays(row[4 + width :])
    else:
        history = customer_history(
            prep=prep, tenant_id=tenant.pk, customer_id=customer["id"], now=now
        )
    if hint != needed:
        _history_hints[hint_key] = needed
    return DecisionInputs(flow, snapshot, customer, history)


def resolve_channels(prep: PreparedFlow, ref: str | None) -> tuple[str, ...] | None:
    """A channel id, name (case-insensitive) or channel type -> channel ids in order."""
    if not ref:
        return None
    if ref in prep.channel_index:
        return (ref,)
    lowered = ref.lower()
    by_name = [c.id for c in prep.channels if c.name.lower() == lowered]
    if by_name:
        return tuple(by_name)
    by_type = [c.id for c in prep.channels if c.channel_type == lowered]
    if by_type:
        return tuple(by_type)
    raise InvalidInput(
        f"Unknown or inactive channel '{ref}'",
        details={"channel": [f"No active channel with id, name or type '{ref}'."]},
    )


def resolve_placement(
    prep: PreparedFlow, ref: str | None, channel_ids: Sequence[str] | None
) -> str | None:
    if not ref:
        return None
    placements = prep.snapshot.placements
    if channel_ids:
        placements = tuple(p for p in placements if p.channel_id in channel_ids)
    for p in placements:
        if p.id == ref:
            return p.id
    for p in placements:
        if p.name.lower() == ref.lower():
            return p.id
    raise InvalidInput(
        f"Unknown placement '{ref}'", details={"placement": [f"No placement '{ref}'."]}
    )


@dataclass
class Recommendation:
    recommendation_id: str
    customer_ref: str
    flow: FlowRef
    flow_version: int
    decisions: list[Decision]
    interaction_ids: list[str]
    trace: dict[str, Any] | None


_INSERT_RECOMMENDATIONS = """
INSERT INTO decisioning_interaction
  (id, tenant_id, customer_id, recommendation_id, offer_id, category_id, channel_id,
   creative_id, placement_id, flow_id, flow_version, outcome, rank, score, context,
   created_at)
SELECT d.id, %(tenant)s, %(customer)s, %(recommendation)s, d.offer_id, d.category_id,
       d.channel_id, d.creative_id, d.placement_id, %(flow)s, %(version)s, 'recommendation',
       d.rank, d.score, %(context)s::jsonb, %(now)s
FROM json_to_recordset(%(decisions)s::json) AS d(
  id text, offer_id text, category_id text, channel_id text, creative_id text,
  placement_id text, rank int, score float8)
"""


def _record_recommendations(
    *,
    tenant_id: str,
    customer_pk: Any,
    recommendation_id: str,
    flow: FlowRef,
    flow_version: int,
    decisions: list[Decision],
    context: dict[str, Any],
    now: datetime,
) -> list[str]:
    """One statement: the recommendation rows (the decisions travel as one JSON parameter)
    and, when due, the process's buffered exposure counts (``decisioning.exposures``)."""
    ids = [new_id("int") for _ in decisions]
    rows = [
        {
            "id": interaction_id,
            "offer_id": d.offer_id,
            "category_id": d.category_id,
            "channel_id": d.channel_id,
            "creative_id": d.creative_id,
            "placement_id": d.placement_id,
            "rank": d.rank,
            "score": d.score,
        }
        for interaction_id, d in zip(ids, decisions, strict=True)
    ]
    params: dict[str, Any] = {
        "tenant": tenant_id,
        "customer": customer_pk,
        "recommendation": recommendation_id,
        "flow": flow.id,
        "version": flow_version,
        "context": json.dumps(context) if context else None,
        "now": now,
        "decisions": json.dumps(rows),
    }
    exposed = [(d.offer_id, d.channel_id) for d in decisions]
    exposure_buffer.add(tenant_id, exposed)
    due = exposure_buffer.take_due()
    sql = _INSERT_RECOMMENDATIONS
    if due:
        # A data-modifying CTE always runs: interactions and counters in one statement.
        sql = f"WITH ins AS ({sql}) {UPSERT_COUNTERS_FROM_JSON}"
        params.update(counter_params(due))
    if not connection.in_atomic_block:
        # Recommendation rows are logging that can be lost, never corrupted: /recommend does
        # not wait for a WAL flush (a crash may lose the last few hundred ms of them). Sent as
        # one simple query, both statements run in one implicit transaction: one round trip
        # (measured cheaper than a prepared statement in a pipelined transaction).
        # Outcomes from /respond keep the default synchronous commit.
        sql = "SET LOCAL synchronous_commit TO OFF; " + sql
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    except Exception:
        exposure_buffer.restore(due or [])
        exposure_buffer.discard(tenant_id, exposed)
        raise
    return ids


def recommend(
    *,
    tenant: Tenant,
    customer_ref: str,
    flow_key: str | None = None,
    flow_id: str | None = None,
    channel: str | None = None,
    placement: str | None = None,
    limit: int | None = None,
    context: dict[str, Any] | None = None,
    attributes: dict[str, Any] | None = None,
    debug: bool = False,
    now: datetime | None = None,
    record: bool = True,
) -> Recommendation:
    now = now or timezone.now()
    inputs = decision_inputs(
        tenant=tenant, customer_ref=customer_ref, key=flow_key, flow_id=flow_id, now=now
    )
    flow, snapshot, customer, history = (
        inputs.flow,
        inputs.snapshot,
        inputs.customer,
        inputs.history,
    )
    prep = snapshot.prepared()
    channel_ids = resolve_channels(prep, channel)
    placement_id = resolve_placement(prep, placement, channel_ids)
    if attributes:
        customer = {**customer, "attributes": {**(customer.get("attributes") or {}), **attributes}}
    context = dict(context or {})
    result = decide(
        prep,
        CustomerInput(id=customer["id"], record=customer, history=history),
        DecisionOptions(
            now=now,
            limit=limit,
            channel_ids=channel_ids,
            placement_id=placement_id,
            context=context,
            debug=debug,
        ),
    )
    recommendation_id = new_id("rec")
    interaction_ids: list[str] = []
    if result.decisions and record:
        interaction_ids = _record_recommendations(
            tenant_id=tenant.pk,
            customer_pk=customer["id"],
            recommendation_id=recommendation_id,
            flow=flow,
            flow_version=snapshot.flow_version,
            decisions=result.decisions,
            context=context,
            now=now,
        )
    return Recommendation(
        recommendation_id=recommendation_id,
        customer_ref=customer_ref,
        flow=flow,
        flow_version=snapshot.flow_version,
        decisions=result.decisions,
        interaction_ids=interaction_ids,
        trace=result.trace,
    )


# --- respond -------------------------------------------------------------------------------


_INSERT_OUTCOME = """
WITH ins AS (
  INSERT INTO decisioning_interaction
    (id, tenant_id, customer_id, recommendation_id, offer_id, category_id, channel_id,
     creative_id, placement_id, flow_id, flow_version, outcome, conversion_value, related_id,
     idempotency_key, context, created_at)
  VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
  ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
  RETURNING offer_id, channel_id
), bump AS (
  INSERT INTO decisioning_outcomecounter (tenant_id, offer_id, channel_id, outcome, shard, n)
  SELECT %s, offer_id, COALESCE(channel_id, ''), %s, %s, 1 FROM ins WHERE offer_id IS NOT NULL
  ON CONFLICT (tenant_id, offer_id, channel_id, outcome, shard)
  DO UPDATE SET n = decisioning_outcomecounter.n + 1
)
SELECT count(*) FROM ins
"""


def outcome_check(*, tenant: Tenant, outcome: str) -> None:
    if outcome == "recommendation":
        raise InvalidInput(
            "'recommendation' is recorded by /recommend, not reported",
            details={"outcome": ["Use an outcome such as impression, click or accept."]},
        )
    if outcome in BUILTIN_OUTCOMES:
        return
    if not OutcomeType.objects.filter(tenant=tenant, key=outcome).exists():
        raise InvalidInput(
            f"Unknown outcome '{outcome}'",
            details={
                "outcome": [
                    f"Must be one of {', '.join(BUILTIN_OUTCOMES[1:])} or a tenant outcome type."
                ]
            },
        )


def _target(
    *,
    tenant: Tenant,
    customer_pk: Any,
    recommendation_id: str | None,
    interaction_id: str | None,
    offer_id: str | None,
) -> Interaction:
    qs = Interaction.objects.filter(tenant=tenant, customer_id=customer_pk)
    if interaction_id:
        target = qs.filter(pk=interaction_id).first()
        if target is None:
            raise NotFound(
                f"Interaction '{interaction_id}' not found for this customer",
                details={"interactionId": [interaction_id]},
            )
        if offer_id and target.offer_id != offer_id:
            raise InvalidInput(
                "offerId does not match the interaction",
                details={"offerId": [f"The interaction is about offer {target.offer_id}."]},
            )
        return target
    candidates = list(
        qs.filter(recommendation_id=recommendation_id, outcome="recommendation").order_by("rank")
    )
    if not candidates:
        raise NotFound(
            f"Recommendation '{recommendation_id}' not found for this customer",
            details={"recommendationId": [recommendation_id]},
        )
    if offer_id:
        match = [c for c in candidates if c.offer_id == offer_id]
        if not match:
            raise InvalidInput(
                "offerId was not part of the recommendation",
                details={"offerId": [f"'{offer_id}' was not recommended in {recommendation_id}."]},
            )
        return match[0]
    if len(candidates) > 1:
        raise InvalidInput(
            "The recommendation has several offers: send offerId (or interactionId)",
            details={"offerId": ["Required when the recommendation has several offers."]},
        )
    return candidates[0]


@dataclass
class Response:
    interaction: Interaction
    recorded: bool
    customer_ref: str


def respond(
    *,
    tenant: Tenant,
    customer_ref: str,
    outcome: str,
    idempotency_key: str,
    recommendation_id: str | None = None,
    interaction_id: str | None = None,
    offer_id: str | None = None,
    channel_id: str | None = None,
    conversion_value: Decimal | None = None,
    context: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Response:
    """Record an outcome once per idempotency key and bump the offer's learned counters in
    the same statement. A repeated key returns the first record (``recorded=False``); a key
    reused for a different outcome or offer is a 409."""
    customer = customer_find(tenant_id=tenant.pk, ref=customer_ref)
    existing = Interaction.objects.filter(tenant=tenant, idempotency_key=idempotency_key).first()
    if existing is None:
        outcome_check(tenant=tenant, outcome=outcome)
        if channel_id:
            from catalog.models import Channel

            if not Channel.objects.filter(tenant=tenant, pk=channel_id).exists():
                raise InvalidInput(
                    f"Channel '{channel_id}' does not exist",
                    details={"channelId": [f"Channel '{channel_id}' does not exist."]},
                )
        target = _target(
            tenant=tenant,
            customer_pk=customer["id"],
            recommendation_id=recommendation_id,
            interaction_id=interaction_id,
            offer_id=offer_id,
        )
        new_pk = new_id("int")
        # One statement, so atomic by itself (no BEGIN/COMMIT round trips): the outcome row
        # and its counter bump, committed with the default synchronous commit.
        with connection.cursor() as cursor:
            cursor.execute(
                _INSERT_OUTCOME,
                [
                    new_pk,
                    tenant.pk,
                    customer["id"],
                    target.recommendation_id,
                    target.offer_id,
                    target.category_id,
                    channel_id or target.channel_id,
                    target.creative_id,
                    target.placement_id,
                    target.flow_id,
                    target.flow_version,
                    outcome,
                    conversion_value,
                    target.pk,
                    idempotency_key,
                    json.dumps(context) if context else None,
                    now or timezone.now(),
                    tenant.pk,
                    outcome,
                    random.randrange(OutcomeCounter.SHARDS),
                ],
            )
            (inserted,) = cursor.fetchone()
        if inserted:
            return Response(Interaction.objects.get(pk=new_pk), True, customer_ref)
        existing = Interaction.objects.get(tenant=tenant, idempotency_key=idempotency_key)
    if (
        existing.customer_id != customer["id"]
        or existing.outcome != outcome
        or (offer_id and existing.offer_id != offer_id)
    ):
        raise Conflict(
            "This idempotency key was already used for a different outcome.",
            details={"idempotencyKey": [idempotency_key]},
        )
    return Response(existing, False, customer_ref)

"""Glue between a run and the decision engine.

At start, :func:`build_snapshot` freezes what the run executes: the published flow version,
the catalog, creatives and learned counters (the engine's ``Snapshot``, pickled into the run
row so every worker decides from the same data whatever is edited meanwhile), plus the
display data and settings the finalize step needs (JSON, in ``Run.snapshot``).

Per chunk, :func:`evaluate_chunk` streams the chunk's customers from the segment view (one
query for ids and external ids, one for the columns the rules read, one for history) and runs
the vectorised batch engine, deciding "as of" the run's start time so a rerun decides the
same. It returns the engine's candidate matrices as they are (``runs.output.ChunkCandidates``):
offers, channels and creatives stay indexes into the lists frozen in ``snapshot["index"]``.
"""

from __future__ import annotations

import pickle
from collections import OrderedDict
from dataclasses import replace
from typing import Any

import numpy as np
from django.db import connection

from audience.models import Segment
from core.errors import Conflict
from decisioning.customers import customer_chunk_load
from decisioning.engine.batch import decide_batch
from decisioning.engine.data import Snapshot
from decisioning.models import DecisionFlow
from decisioning.snapshots import snapshot_build
from runs.files import DEFAULT_COLUMNS
from runs.models import Run, RunChunk
from runs.output import ChunkCandidates
from runs.planning import quoted_view

BATCH_DELIVERY_MODES = ("file", "integration", "manual")
# With per-offer or per-channel caps, each customer brings this many extra ranked candidates
# so the allocation can fall back to their next-best offer.
FALLBACK_DEPTH = 4

_engine_cache: OrderedDict[str, Snapshot] = OrderedDict()
_ENGINE_CACHE_SIZE = 4


def build_snapshot(run: Run) -> dict[str, Any]:
    campaign = run.campaign
    if run.trigger == Run.Trigger.INLINE and run.decision_flow_id:
        flow = DecisionFlow.objects.filter(tenant_id=run.tenant_id, pk=run.decision_flow_id).first()
        if flow is None:
            raise Conflict(f"Decision flow '{run.decision_flow_id}' not found")
        view_name = run.segment_view_name
        segment_id = ""
    else:
        flow = campaign.decision_flow
        segment = Segment.all_objects.get(pk=campaign.segment_id)
        if segment.deleted_at is not None:
            raise Conflict(f"Segment '{segment.name}' is deleted")
        view_name = segment.view_name
        segment_id = segment.pk
    version = flow.published_version
    if version is None:
        raise Conflict(f"Decision flow '{flow.name}' has no published version")
    engine = snapshot_build(flow=flow, version=version)
    batch_channels = [c for c in engine.channels if c.delivery_mode in BATCH_DELIVERY_MODES]
    wanted = list(campaign.channel_ids or [])
    channels = [c for c in batch_channels if c.id in wanted] if wanted else batch_channels
    channels.sort(key=lambda c: wanted.index(c.id) if wanted else c.id)
    prep = engine.prepared()
    caps = {k: v for k, v in (campaign.frequency_caps or {}).items() if v is not None}
    per_customer = int(prep.limit)
    depth = per_customer + (
        FALLBACK_DEPTH if ("maxPerOffer" in caps or "maxPerChannel" in caps) else 0
    )
    file_config = {
        "columns": list(DEFAULT_COLUMNS),
        "format": "csv",
        **(campaign.file_config or {}),
    }
    Run.objects.filter(pk=run.pk).update(
        engine_snapshot=pickle.dumps(replace(engine, _prepared=None), protocol=5)
    )
    return {
        "decisionFlowId": flow.pk,
        "flowKey": flow.key,
        "flowVersion": version.number,
        "segmentId": segment_id,
        "segmentViewName": view_name,
        "channelIds": [c.id for c in channels],
        "perCustomer": per_customer,
        "depth": depth,
        "caps": caps,
        "fileConfig": file_config,
        "index": _index_lists(prep),
        "offers": {
            o.id: {
                "name": o.name,
                "categoryId": o.category_id,
                "categoryName": o.category_name,
                "priority": o.priority,
            }
            for o in engine.offers
        },
        "channels": {
            c.id: {"name": c.name, "channelType": c.channel_type, "deliveryMode": c.delivery_mode}
            for c in engine.channels
        },
        "creatives": {
            c.id: {
                "name": c.name,
                "templateType": c.template_type,
                "content": c.content,
                "personalization": c.personalization,
            }
            for c in engine.creatives
        },
    }


def engine_snapshot(run_id: str) -> Snapshot:
    """The run's frozen engine snapshot, unpickled once per worker process."""
    cached = _engine_cache.get(run_id)
    if cached is not None:
        _engine_cache.move_to_end(run_id)
        return cached
    blob = Run.objects.filter(pk=run_id).values_list("engine_snapshot", flat=True).get()
    if not blob:
        raise RuntimeError(f"run {run_id} has no engine snapshot")
    snapshot: Snapshot = pickle.loads(bytes(blob))  # noqa: S301 - written by run_start, never by users
    _engine_cache[run_id] = snapshot
    while len(_engine_cache) > _ENGINE_CACHE_SIZE:
        _engine_cache.popitem(last=False)
    return snapshot


def _index_lists(prep: Any) -> dict[str, list[str]]:
    """The ids behind the engine's offer, channel and creative indexes."""
    return {
        "offers": [o.id for o in prep.offers],
        "channels": [c.id for c in prep.channels],
        "creatives": [c.id for c in prep.creative_list],
    }


def chunk_customers(view_name: str, first_id: int, last_id: int) -> tuple[list[int], list[str]]:
    """The chunk's customer ids (ascending) and their external ids."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, external_id FROM {quoted_view(view_name)} "
            "WHERE id BETWEEN %s AND %s ORDER BY id",
            [first_id, last_id],
        )
        rows = cursor.fetchall()
    return [row[0] for row in rows], [row[1] for row in rows]


def evaluate_chunk(run: Run, chunk: RunChunk) -> tuple[ChunkCandidates, int]:
    """The ranked candidates of every customer of the chunk, and how many customers were
    evaluated."""
    snapshot: dict[str, Any] = run.snapshot
    engine = engine_snapshot(run.pk)
    prep = engine.prepared()
    if _index_lists(prep) != snapshot.get("index"):
        raise RuntimeError(f"run {run.pk}: the engine snapshot does not match its index lists")
    ids, external_ids = chunk_customers(snapshot["segmentViewName"], chunk.first_id, chunk.last_id)
    if not ids:
        return ChunkCandidates.empty(int(snapshot["depth"])), 0
    now = run.started_at
    assert now is not None
    customers = customer_chunk_load(prep=prep, tenant_id=run.tenant_id, customer_ids=ids, now=now)
    result = decide_batch(
        prep,
        customers,
        now=now,
        limit=snapshot["perCustomer"],
        depth=snapshot["depth"],
        channel_ids=snapshot["channelIds"] or ["-"],  # no batch channel: decide nothing
    )
    present = np.asarray(result.ids, dtype=np.int64)
    all_ids = np.asarray(ids, dtype=np.int64)
    at = np.searchsorted(all_ids, present).tolist()  # a customer may have gone meanwhile
    candidates = ChunkCandidates(
        ids=present,
        external_ids=[external_ids[i] for i in at],
        limit=np.asarray(result.selected, dtype=np.int64),
        count=np.asarray(result.count, dtype=np.int64),
        offer=result.offer,
        channel=result.channel,
        creative=result.creative,
        score=result.score,
    )
    return candidates, len(ids)

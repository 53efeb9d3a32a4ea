"""Small hand-made snapshots for stage-by-stage engine tests (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from decisioning.engine import (
    ChannelData,
    CreativeData,
    CustomerInput,
    DecisionOptions,
    HistoryEvent,
    OfferData,
    OutcomeCounts,
    Snapshot,
    decide,
)
from decisioning.engine.batch import decide_batch
from decisioning.engine.columns import ChunkHistory, CustomerChunk
from decisioning.engine.prepared import epoch_us
from decisioning.flow_config import validate_config

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
EMAIL = ChannelData(
    "ch_email", "Email", "email", "api", {"id": "ch_email", "channel_type": "email"}
)
SMS = ChannelData("ch_sms", "SMS", "sms", "api", {"id": "ch_sms", "channel_type": "sms"})


def offer(oid: str, **kw: Any) -> OfferData:
    defaults: dict[str, Any] = {
        "id": oid,
        "name": oid.replace("_", " ").title(),
        "status": "active",
        "category_id": None,
        "category_name": None,
        "priority": 50,
        "business_value": 0.0,
        "start_at": None,
        "end_at": None,
        "eligibility": None,
        "category_active": True,
    }
    defaults.update(kw)
    defaults["record"] = {
        "id": oid,
        "name": defaults["name"],
        "priority": defaults["priority"],
        "category_id": defaults["category_id"],
    }
    return OfferData(**defaults)


def creative(oid: str, channel: str = "ch_email", n: int = 0, **kw: Any) -> CreativeData:
    defaults: dict[str, Any] = {
        "id": f"cre_{oid}_{channel}_{n}",
        "name": f"{oid} {channel} {n}",
        "offer_id": oid,
        "channel_id": channel,
        "placement_id": None,
        "weight": 100.0,
        "template_type": "sms_text",
        "content": {"text": "Hi {{name}}"},
        "personalization": [{"key": "name", "source": "customer.first_name|there"}],
    }
    defaults.update(kw)
    return CreativeData(**defaults)


def snapshot(
    offers: list[OfferData],
    config: dict[str, Any] | None = None,
    *,
    creatives: list[CreativeData] | None = None,
    channels: tuple[ChannelData, ...] = (EMAIL,),
    counts: dict[str, dict[str, int]] | None = None,
) -> Snapshot:
    if creatives is None:
        creatives = [creative(o.id, c.id) for o in offers for c in channels]
    return Snapshot(
        tenant_id="ten_t",
        flow_id="df_t",
        flow_key="t",
        flow_version=1,
        config=validate_config(config or {}).config,
        offers=tuple(offers),
        channels=channels,
        creatives=tuple(creatives),
        outcome_counts=OutcomeCounts(counts or {}),
        taken_at=NOW,
    )


def event(
    outcome: str,
    *,
    offer_id: str | None = None,
    category_id: str | None = None,
    channel_id: str | None = "ch_email",
    days_ago: float = 0,
) -> HistoryEvent:
    return HistoryEvent(
        offer_id, category_id, channel_id, outcome, epoch_us(NOW - timedelta(days=days_ago))
    )


def run(
    snap: Snapshot,
    record: dict[str, Any] | None = None,
    history: list[HistoryEvent] | None = None,
    **options: Any,
) -> Any:
    """Decide in real time AND in batch; assert both agree; return the real-time result."""
    record = record if record is not None else {"id": 1, "first_name": "Ann", "attributes": {}}
    options.setdefault("now", NOW)
    options.setdefault("render", True)
    result = decide(
        snap.prepared(),
        CustomerInput(id=record.get("id", 1), record=record, history=history or []),
        DecisionOptions(**options),
    )
    prep = snap.prepared()
    category_code = {
        o.category_id: prep.category_code[i]
        for i, o in enumerate(prep.offers)
        if o.category_id is not None
    }
    chunk = CustomerChunk.from_records(
        [record.get("id", 1)],
        [record],
        prep.customer_fields(),
        history=ChunkHistory.from_events(
            ((0, e) for e in history or []),
            offer_index=prep.offer_index,
            category_code=category_code,
            channel_index=prep.channel_index,
        ),
    )
    batch_options = {k: v for k, v in options.items() if k != "debug"}
    batch = decide_batch(snap, chunk, **batch_options)
    realtime = [
        (d.offer_id, d.channel_id, d.creative_id, d.score, d.content) for d in result.decisions
    ]
    batched = [
        (d.offer_id, d.channel_id, d.creative_id, d.score, d.content) for d in batch.decisions(0)
    ]
    assert realtime == batched
    return result


def offer_ids(result: Any) -> list[str]:
    return [d.offer_id for d in result.decisions]


def dropped(result: Any) -> dict[str, tuple[str, str]]:
    """offer id -> (stage, reason) for every offer that was not selected (needs debug=True)."""
    return {
        e["offerId"]: (e["stage"], e.get("reason", ""))
        for e in result.trace["offers"]
        if e["stage"] != "selected"
    }

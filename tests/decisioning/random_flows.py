"""Random snapshots, customers, histories and rules for the batch == real-time property test."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from decisioning.engine.data import (
    ChannelData,
    CreativeData,
    HistoryEvent,
    OfferData,
    OutcomeCounts,
    Snapshot,
)
from decisioning.flow_config import validate_config

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
TIERS = ["gold", "silver", "bronze", "", None, "Gold"]
COUNTRIES = ["FR", "DE", "US", "GB", None]
OUTCOMES = ["recommendation", "impression", "click", "accept", "dismiss", "not_interested"]


def random_value(rng: random.Random, kind: str) -> Any:
    roll = rng.random()
    if roll < 0.08:
        return None
    if roll < 0.12:
        return "n/a"
    if roll < 0.14:
        return True
    if kind == "num":
        return rng.choice(
            [
                rng.randint(0, 100),
                round(rng.uniform(0, 100), 2),
                rng.randint(0, 5),
                "42",
                "7.5",
                2**60,
                50.5,
                {"x": 1},
            ]
        )
    if kind == "tier":
        return rng.choice(TIERS)
    if kind == "date":
        return (NOW - timedelta(days=rng.randint(0, 800))).date().isoformat()
    return rng.choice(COUNTRIES)


FIELDS = {
    "customer.attributes.age": "num",
    "customer.attributes.score": "num",
    "customer.attributes.tier": "tier",
    "customer.attributes.since": "date",
    "customer.country": "country",
}


def random_leaf(rng: random.Random, offer_fields: bool = True) -> dict[str, Any]:
    choices = list(FIELDS)
    if offer_fields:
        choices += ["offer.priority", "context.hour", "channel.channel_type"]
    field = rng.choice(choices)
    kind = FIELDS.get(field, "num")
    if field == "channel.channel_type":
        return {
            "field": field,
            "operator": rng.choice(["eq", "neq"]),
            "value": rng.choice(["email", "sms"]),
        }
    if kind == "num":
        op = rng.choice(
            ["eq", "neq", "gt", "gte", "lt", "lte", "in", "not_in", "is_null", "is_not_null"]
        )
        if op in ("in", "not_in"):
            return {
                "field": field,
                "operator": op,
                "value": [rng.randint(0, 100) for _ in range(3)],
            }
        if op in ("is_null", "is_not_null"):
            return {"field": field, "operator": op, "value": None}
        return {
            "field": field,
            "operator": op,
            "value": rng.choice([rng.randint(0, 100), 50.5, 3, "40"]),
        }
    if kind == "date":
        op = rng.choice(["gt", "lt", "gte", "eq"])
        return {
            "field": field,
            "operator": op,
            "value": (NOW - timedelta(days=rng.randint(0, 800))).date().isoformat(),
        }
    op = rng.choice(
        ["eq", "neq", "in", "not_in", "starts_with", "contains", "is_null", "is_not_null", "regex"]
    )
    pool = TIERS if kind == "tier" else COUNTRIES
    pool = [p for p in pool if p]
    if op in ("in", "not_in"):
        return {"field": field, "operator": op, "value": rng.sample(pool, 2)}
    if op in ("is_null", "is_not_null"):
        return {"field": field, "operator": op, "value": None}
    if op == "regex":
        return {"field": field, "operator": op, "value": "^[gG]"}
    return {
        "field": field,
        "operator": op,
        "value": rng.choice(pool)[:2] if op == "starts_with" else rng.choice(pool),
    }


def random_rule(rng: random.Random, depth: int = 0, offer_fields: bool = True) -> dict[str, Any]:
    filters: list[Any] = []
    for _ in range(rng.randint(1, 3)):
        if depth < 1 and rng.random() < 0.25:
            filters.append(random_rule(rng, depth + 1, offer_fields))
        else:
            filters.append(random_leaf(rng, offer_fields))
    return {"combinator": rng.choice(["AND", "OR"]), "filters": filters}


def random_snapshot(rng: random.Random, n_offers: int = 8) -> Snapshot:
    categories = [f"cat_{k}" for k in range(rng.randint(1, 3))]
    channels = [
        ChannelData(
            f"ch_{k}",
            f"Channel {k}",
            t,
            "api",
            {"id": f"ch_{k}", "channel_type": t, "name": f"Channel {k}"},
        )
        for k, t in enumerate(rng.sample(["email", "sms", "web"], rng.randint(1, 3)))
    ]
    offers = []
    creatives = []
    for j in range(n_offers):
        oid = f"off_{j:02d}"
        cat = rng.choice([*categories, None])
        start = NOW - timedelta(days=1) if rng.random() < 0.9 else NOW + timedelta(days=1)
        priority = rng.choice([10, 50, 50, 90, rng.randint(0, 100)])
        offers.append(
            OfferData(
                id=oid,
                name=f"Offer {j}",
                status=rng.choice(["active"] * 9 + ["paused"]),
                category_id=cat,
                category_name=cat,
                priority=priority,
                business_value=rng.choice([0, 10, 250.5]),
                start_at=start if rng.random() < 0.5 else None,
                end_at=NOW + timedelta(days=3) if rng.random() < 0.5 else None,
                eligibility=random_rule(rng) if rng.random() < 0.7 else {},
                record={"id": oid, "priority": priority, "category_id": cat, "name": f"Offer {j}"},
            )
        )
        for ch in channels:
            for v in range(rng.choice([0, 1, 1, 2, 3])):
                creatives.append(
                    CreativeData(
                        id=f"cre_{j:02d}_{ch.id}_{v}",
                        name=f"Creative {j}/{ch.id}/{v}",
                        offer_id=oid,
                        channel_id=ch.id,
                        placement_id=None,
                        weight=rng.choice([0, 10, 50, 100]),
                        template_type="sms_text",
                        content={"text": "Hi {{name}}"},
                        personalization=[{"key": "name", "source": "customer.first_name|there"}],
                    )
                )
    policies: list[dict[str, Any]] = []
    for _ in range(rng.randint(0, 4)):
        kind = rng.choice(["frequencyCap", "cooldown", "mutualExclusion"])
        if kind == "frequencyCap":
            policies.append(
                {
                    "type": kind,
                    "scope": rng.choice(["offer", "category", "channel", "overall"]),
                    "max": rng.randint(0, 3),
                    "period": rng.choice(["day", "week", "month"]),
                    "outcomes": rng.sample(OUTCOMES, 2),
                }
            )
        elif kind == "cooldown":
            policies.append(
                {
                    "type": kind,
                    "scope": rng.choice(["offer", "category"]),
                    "outcomes": ["not_interested"],
                    "days": rng.randint(1, 40),
                }
            )
        else:
            policies.append(
                {
                    "type": kind,
                    "offerIds": rng.sample([o.id for o in offers] + ["off_gone"], 2),
                    "windowDays": rng.choice([None, 7]),
                }
            )
    method = rng.choice(["priority", "propensity", "formula"])
    config = {
        "eligibility": {"rules": [random_rule(rng) for _ in range(rng.randint(0, 2))]},
        "contactPolicies": policies,
        "scoring": {
            "method": method,
            "formula": {
                "weights": {
                    "propensity": rng.choice([1, 0.5]),
                    "context": rng.choice([1, 2]),
                    "value": rng.choice([0, 1]),
                    "lever": 1,
                }
            },
            "contextWeights": [
                {"rule": random_rule(rng), "weight": rng.choice([0.5, 1.5, 2])}
                for _ in range(rng.randint(0, 2))
            ],
            "levers": {"offers": {offers[0].id: 1.3}},
        },
        "ranking": {"limit": rng.randint(1, 4), "onePerCategory": rng.random() < 0.4},
        "creativeMatch": {"salt": rng.choice(["", "s1"])},
    }
    counts = {
        o.id: {"recommendation": rng.randint(0, 50), "accept": rng.randint(0, 10)}
        for o in offers
        if rng.random() < 0.6
    }
    return Snapshot(
        tenant_id="ten_x",
        flow_id="df_x",
        flow_key="x",
        flow_version=1,
        config=validate_config(config).config,
        offers=tuple(offers),
        channels=tuple(channels),
        creatives=tuple(creatives),
        outcome_counts=OutcomeCounts(counts),
        taken_at=NOW,
    )


def random_customer(rng: random.Random, k: int) -> tuple[Any, dict[str, Any]]:
    attributes: dict[str, Any] = {}
    for field, kind in FIELDS.items():
        if field.startswith("customer.attributes.") and rng.random() < 0.85:
            attributes[field.rsplit(".", 1)[1]] = random_value(rng, kind)
    record = {
        "id": k,
        "first_name": rng.choice(["Ann", "", None, "Bo"]),
        "country": random_value(rng, "country"),
        "attributes": attributes,
    }
    return k, record


def random_history(rng: random.Random, snapshot: Snapshot) -> list[HistoryEvent]:
    events = []
    for _ in range(rng.choice([0, 0, 1, 3, 8])):
        offer = rng.choice([*snapshot.offers, None])
        channel = rng.choice([*snapshot.channels, None])
        at = NOW - timedelta(hours=rng.randint(0, 24 * 45))
        events.append(
            HistoryEvent(
                offer_id=offer.id if offer else rng.choice([None, "off_gone"]),
                category_id=offer.category_id if offer else None,
                channel_id=channel.id if channel else None,
                outcome=rng.choice(OUTCOMES),
                at_us=int(at.timestamp()) * 1_000_000,
            )
        )
    return events

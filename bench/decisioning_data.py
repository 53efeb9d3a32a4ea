"""Synthetic data for the decisioning benchmarks: a catalog of offers with 5-condition
eligibility rules, creatives, learned counters, and customers generated chunk by chunk (so the
data never has to fit in memory at once)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from decisioning.engine.columns import Column, CustomerChunk
from decisioning.engine.data import (
    ChannelData,
    CreativeData,
    OfferData,
    OutcomeCounts,
    Snapshot,
)
from decisioning.flow_config import validate_config

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
TIERS = ["gold", "silver", "bronze", "platinum"]
COUNTRIES = ["FR", "DE", "US", "GB", "ES", "IT", "NL", "SE"]
SEGMENTS = ["young", "family", "senior", "student", "pro"]


def offer_rule(rng: random.Random) -> dict[str, Any]:
    """Five conditions over numbers and strings, tuned so roughly a third of customers pass."""
    return {
        "combinator": "AND",
        "filters": [
            {"field": "attributes.age", "operator": "gte", "value": rng.randint(18, 40)},
            {"field": "attributes.income", "operator": "gt", "value": rng.randint(5, 40) * 1000},
            {"field": "attributes.tier", "operator": "in", "value": rng.sample(TIERS, 3)},
            {"field": "country", "operator": "neq", "value": rng.choice(COUNTRIES)},
            {"field": "attributes.score", "operator": "lt", "value": round(rng.uniform(0.7, 1), 2)},
        ],
    }


def snapshot(n_offers: int = 50, *, seed: int = 7, method: str = "formula") -> Snapshot:
    rng = random.Random(seed)
    categories = [f"cat_{k}" for k in range(5)]
    channels = tuple(
        ChannelData(
            f"ch_{name}",
            name,
            name,
            "file",
            {"id": f"ch_{name}", "name": name, "channel_type": name},
        )
        for name in ("email", "sms", "push")
    )
    offers = []
    creatives = []
    counts: dict[str, dict[str, int]] = {}
    for j in range(n_offers):
        oid = f"off_{j:03d}"
        cat = categories[j % len(categories)]
        priority = rng.randint(0, 100)
        offers.append(
            OfferData(
                id=oid,
                name=f"Offer {j}",
                status="active",
                category_id=cat,
                category_name=cat,
                priority=priority,
                business_value=rng.choice([0.0, 50.0, 120.0, 400.0]),
                start_at=NOW - timedelta(days=10),
                end_at=NOW + timedelta(days=rng.randint(1, 60)),
                eligibility=offer_rule(rng),
                record={"id": oid, "name": f"Offer {j}", "priority": priority, "category_id": cat},
            )
        )
        for channel in channels:
            for v in range(2):
                creatives.append(
                    CreativeData(
                        id=f"cre_{j:03d}_{channel.name}_{v}",
                        name=f"Offer {j} {channel.name} {v}",
                        offer_id=oid,
                        channel_id=channel.id,
                        placement_id=None,
                        weight=rng.choice([30.0, 70.0]),
                        template_type="sms_text",
                        content={"text": "Hello {{name}}, offer " + str(j)},
                        personalization=[{"key": "name", "source": "customer.first_name|there"}],
                    )
                )
        counts[oid] = {"recommendation": rng.randint(100, 5000), "accept": rng.randint(0, 300)}
    config = validate_config(
        {
            "scoring": {
                "method": method,
                "contextWeights": [
                    {
                        "rule": {
                            "combinator": "AND",
                            "filters": [
                                {
                                    "field": "customer.attributes.segment",
                                    "operator": "eq",
                                    "value": "family",
                                }
                            ],
                        },
                        "weight": 1.4,
                        "categoryIds": ["cat_1"],
                    }
                ],
            },
            "ranking": {"limit": 3},
        }
    ).config
    return Snapshot(
        tenant_id="ten_bench",
        flow_id="df_bench",
        flow_key="bench",
        flow_version=1,
        config=config,
        offers=tuple(offers),
        channels=channels,
        creatives=tuple(creatives),
        outcome_counts=OutcomeCounts(counts),
        taken_at=NOW,
    )


def _codes(rng: np.random.Generator, n: int, values: list[Any]) -> Column:
    return Column(
        floats=np.full(n, np.nan),
        codes=rng.integers(0, len(values), n, dtype=np.int32),
        others=list(values),
    )


def chunk(start: int, n: int, *, seed: int = 11) -> CustomerChunk:
    """Customers ``start .. start+n-1`` as columns (what the chunk loader produces)."""
    rng = np.random.default_rng(seed + start)
    age = rng.integers(18, 90, n).astype(np.float64)
    income = np.round(rng.gamma(2.0, 15000.0, n), 2)
    score = np.round(rng.random(n), 3)
    ints = np.ones(n, dtype=bool)
    numbers = np.full(n, -1, dtype=np.int32)
    columns = {
        "attributes.age": Column(age, numbers, [], ints),
        "attributes.income": Column(income, numbers.copy(), []),
        "attributes.score": Column(score, numbers.copy(), []),
        "attributes.tier": _codes(rng, n, TIERS),
        "attributes.segment": _codes(rng, n, SEGMENTS),
        "country": _codes(rng, n, COUNTRIES),
    }
    ids: Any = np.arange(start, start + n, dtype=np.int64)
    return CustomerChunk(ids=ids, columns=columns)


def records(start: int, n: int, *, seed: int = 11) -> list[dict[str, Any]]:
    """The same customers as plain records (for the per-customer path)."""
    c = chunk(start, n, seed=seed)
    cols = c.columns

    def value(name: str, r: int) -> Any:
        col = cols[name]
        code = int(col.codes[r])
        if code >= 0:
            return col.others[code]
        x = float(col.floats[r])
        return int(x) if col.ints is not None and col.ints[r] else x

    out = []
    for r in range(n):
        out.append(
            {
                "id": start + r,
                "first_name": "Ann",
                "country": value("country", r),
                "attributes": {
                    k.split(".", 1)[1]: value(k, r) for k in cols if k.startswith("attributes.")
                },
            }
        )
    return out

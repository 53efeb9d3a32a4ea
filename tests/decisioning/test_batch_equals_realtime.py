"""Property test: over random catalogs, rules, contact policies, customers (with missing, null
and mistyped attributes) and histories, the batch engine decides exactly what the real-time
engine decides — same offers, channels, creatives, scores, ranks and rendered content.

Seeded random loops (``hypothesis`` is not a project dependency); each seed is a new world.
"""

from __future__ import annotations

import random

import pytest

from decisioning.engine import CustomerInput, DecisionOptions, decide
from decisioning.engine.batch import decide_batch
from decisioning.engine.columns import ChunkHistory, CustomerChunk
from tests.decisioning.random_flows import (
    NOW,
    random_customer,
    random_history,
    random_snapshot,
)

SEEDS = range(120)


def _both(seed: int) -> tuple[list, list, int]:
    rng = random.Random(seed)
    snap = random_snapshot(rng, n_offers=rng.randint(1, 12))
    prep = snap.prepared()
    customers = [random_customer(rng, k) for k in range(rng.randint(1, 40))]
    histories = [random_history(rng, snap) for _ in customers]
    context = {"hour": rng.randint(0, 23)}
    limit = rng.choice([None, 1, 2, 5])
    depth = rng.choice([None, 6])
    realtime = [
        decide(
            prep,
            CustomerInput(id=cid, record=record, history=history),
            DecisionOptions(now=NOW, context=context, limit=limit, depth=depth),
        )
        for (cid, record), history in zip(customers, histories, strict=True)
    ]
    category_code = {
        o.category_id: prep.category_code[i] for i, o in enumerate(prep.offers) if o.category_id
    }
    chunk = CustomerChunk.from_records(
        [cid for cid, _ in customers],
        [record for _, record in customers],
        prep.customer_fields(),
        history=ChunkHistory.from_events(
            ((row, e) for row, h in enumerate(histories) for e in h),
            offer_index=prep.offer_index,
            category_code=category_code,
            channel_index=prep.channel_index,
        ),
    )
    batch = decide_batch(
        snap, chunk, now=NOW, context=context, limit=limit, depth=depth, render=True
    )
    a = [
        [(d.offer_id, d.channel_id, d.creative_id, d.score, d.rank, d.content) for d in r.decisions]
        for r in realtime
    ]
    b = [
        [
            (d.offer_id, d.channel_id, d.creative_id, d.score, d.rank, d.content)
            for d in batch.decisions(i)
        ]
        for i in range(len(customers))
    ]
    return a, b, sum(map(len, a))


@pytest.mark.parametrize("block", range(6))
def test_batch_and_realtime_decide_identically(block: int) -> None:
    decided = 0
    for seed in SEEDS[block::6]:
        realtime, batch, n = _both(seed)
        assert realtime == batch, f"seed {seed}"
        decided += n
    assert decided > 50  # the worlds are not trivially empty


def test_the_engines_rule_shortcuts_mean_what_the_shared_rule_module_means() -> None:
    """Real-time rules take a proven numeric shortcut; it must never disagree with
    ``core.rules.evaluate`` on the whole rule, whatever the record holds."""
    from decisioning.engine.rules import compile_rule
    from tests.decisioning.random_flows import random_rule

    rng = random.Random(99)
    checked = 0
    for _ in range(300):
        rule = compile_rule(random_rule(rng))
        assert rule is not None
        for k in range(20):
            _, record = random_customer(rng, k)
            full = {
                "customer": record,
                "offer": {"priority": rng.choice([10, 50, "50", None])},
                "context": {"hour": rng.choice([3, 12.5, "x"])},
                "channel": {"channel_type": rng.choice(["email", "sms"])},
            }
            assert rule.evaluate(full) == rule.evaluate_exact(full), (rule.raw, full)
            checked += 1
    assert checked == 6000

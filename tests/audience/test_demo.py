"""The demo audience seed: varied customers through the importer, 3 segments, idempotent."""

from __future__ import annotations

from typing import Any

from audience import demo
from audience.models import Customer, Segment
from core.rules import evaluate, parse_rule


def test_seed_is_varied_and_idempotent(personas: Any) -> None:
    tenant = personas.tenant_a
    messages: list[str] = []
    demo.seed(tenant, messages.append, customers=2_000)
    customers = Customer.objects.filter(tenant=tenant)
    assert customers.count() == 2_000
    assert customers.values("country").distinct().count() >= 8
    assert customers.values("timezone").distinct().count() >= 10
    sample = list(customers.values_list("attributes", flat=True)[:500])
    assert {a["segment"] for a in sample} >= {"mass", "affluent", "premier"}
    assert {a["has_credit_card"] for a in sample} == {True, False}
    assert min(a["age"] for a in sample) >= 18 and max(a["age"] for a in sample) <= 90
    segments = {s.name: s for s in Segment.objects.filter(tenant=tenant).select_related("stats")}
    assert len(segments) == 3
    young = segments["Young adults (18-25)"]
    expected = sum(
        evaluate(parse_rule(young.rule), {"attributes": a})
        for a in customers.values_list("attributes", flat=True)
    )
    assert young.customer_count == expected > 0
    assert segments["Pilot group (static)"].customer_count == 20
    versions = set(customers.values_list("version", flat=True))

    demo.seed(tenant, messages.append, customers=2_000)
    assert Customer.objects.filter(tenant=tenant).count() == 2_000
    assert Segment.objects.filter(tenant=tenant).count() == 3
    assert set(customers.values_list("version", flat=True)) == versions
    assert any("already there" in m for m in messages)

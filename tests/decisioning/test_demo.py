from __future__ import annotations

from typing import Any

from audience.models import Customer
from catalog import demo as catalog_demo
from core.models import Tenant
from creatives import demo as creatives_demo
from decisioning import demo
from decisioning.models import DecisionFlow, DecisionFlowVersion
from decisioning.realtime import recommend


def test_demo_flows_are_published_idempotent_and_decide(db: Any) -> None:
    tenant = Tenant.objects.create(name="Demo", slug="demo-test")
    catalog_demo.seed(tenant, lambda _: None)
    creatives_demo.seed(tenant, lambda _: None)
    demo.seed(tenant, lambda _: None)
    demo.seed(tenant, lambda _: None)
    flows = DecisionFlow.objects.filter(tenant=tenant)
    assert sorted(f.key for f in flows) == ["default", "web-banner"]
    assert all(f.published_version_id and f.status == "active" for f in flows)
    assert DecisionFlowVersion.objects.filter(flow__tenant=tenant).count() == 2
    customer = Customer.objects.create(
        tenant=tenant,
        external_id="demo-1",
        first_name="Ann",
        country="US",
        attributes={
            "age": 35,
            "credit_score": 780,
            "annual_income": 95000,
            "segment": "premium",
            "has_credit_card": False,
            "has_mortgage": False,
            "account_tenure_months": 40,
            "balance": 25000,
        },
    )
    result = recommend(tenant=tenant, customer_ref=customer.external_id)
    assert result.flow.key == "default" and 1 <= len(result.decisions) <= 3
    categories = [d.category_id for d in result.decisions]
    assert len(categories) == len(set(categories))  # one per category

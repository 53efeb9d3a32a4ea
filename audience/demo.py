"""Demo audience: 100,000 customers of a retail bank and 3 segments (idempotent).

Customers are generated deterministically and written with the COPY-based importer (a few
seconds); a second run finds them and writes nothing. Attributes match what the demo offers'
eligibility rules read: ``age``, ``credit_score``, ``annual_income``, ``income_band``,
``segment``, ``has_credit_card``, ``has_mortgage``, ``has_savings``, ``has_loan``,
``products_held``, ``account_tenure_months``, ``balance``, ``churn_risk``,
``digital_active`` and ``email_opt_in``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

from audience import services
from audience.importer import StagedRow, merge_all, staged_row
from audience.models import Customer, Segment
from audience.validation import clean_customer
from core.models import Tenant

CUSTOMERS = 100_000
PREFIX = "DEMO-"
PLACES = (
    ("US", "America/New_York", "+1", 18),
    ("US", "America/Chicago", "+1", 8),
    ("US", "America/Los_Angeles", "+1", 10),
    ("CA", "America/Toronto", "+1", 6),
    ("GB", "Europe/London", "+44", 12),
    ("NO", "Europe/Oslo", "+47", 8),
    ("SE", "Europe/Stockholm", "+46", 6),
    ("DE", "Europe/Berlin", "+49", 8),
    ("FR", "Europe/Paris", "+33", 6),
    ("ES", "Europe/Madrid", "+34", 4),
    ("BR", "America/Sao_Paulo", "+55", 4),
    ("IN", "Asia/Kolkata", "+91", 4),
    ("JP", "Asia/Tokyo", "+81", 3),
    ("AU", "Australia/Sydney", "+61", 3),
)
FIRST = (
    "Ada", "Alan", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "John",
    "Hedy", "Tim", "Radia", "Donald", "Katherine", "Edsger", "Sophie", "Niklaus", "Joan", "Guido",
)  # fmt: skip
LAST = (
    "Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie",
    "Allen", "McCarthy", "Lamarr", "Berners-Lee", "Perlman", "Knuth", "Johnson", "Dijkstra",
    "Wilson", "Wirth", "Clarke", "van Rossum",
)  # fmt: skip
SEGMENTS = ("mass", "mass", "mass", "emerging", "emerging", "affluent", "premier", "premium")
BANDS = ((30_000, "low"), (60_000, "mid"), (120_000, "high"))

DEMO_SEGMENTS: tuple[dict[str, Any], ...] = (
    {
        "name": "Young adults (18-25)",
        "description": "Starter products and student offers.",
        "combinator": "AND",
        "filters": [
            {"field": "attributes.age", "operator": "gte", "value": 18},
            {"field": "attributes.age", "operator": "lte", "value": 25},
        ],
    },
    {
        "name": "Affluent card holders",
        "description": "Affluent or premier customers who already hold a credit card.",
        "combinator": "AND",
        "filters": [
            {"field": "attributes.segment", "operator": "in", "value": ["affluent", "premier"]},
            {"field": "attributes.has_credit_card", "operator": "eq", "value": True},
            {"field": "email", "operator": "is_not_null"},
        ],
    },
    {
        "name": "Pilot group (static)",
        "description": "A fixed list of 1,000 customers for the voice pilot.",
        "segment_type": "static",
        "combinator": "AND",
        "filters": [],
    },
)
PILOT_MEMBERS = [f"{PREFIX}{i:06d}" for i in range(0, CUSTOMERS, CUSTOMERS // 1000)]


def demo_customer(i: int, rng: random.Random) -> dict[str, Any]:
    weights = [p[3] for p in PLACES]
    country, tz, prefix, _ = rng.choices(PLACES, weights=weights)[0]
    age = min(90, max(18, int(rng.gauss(42, 15))))
    income = int(max(8_000, rng.lognormvariate(10.8, 0.55)) // 100 * 100)
    band = next((name for limit, name in BANDS if income < limit), "very_high")
    credit = min(850, max(300, int(rng.gauss(690, 70))))
    tenure = rng.randrange(0, min(age - 17, 40) * 12 + 1)
    flags = {
        "has_credit_card": rng.random() < 0.55,
        "has_mortgage": age > 27 and rng.random() < 0.35,
        "has_savings": rng.random() < 0.6,
        "has_loan": rng.random() < 0.2,
    }
    first = FIRST[rng.randrange(len(FIRST))]
    last = LAST[rng.randrange(len(LAST))]
    return {
        "externalId": f"{PREFIX}{i:06d}",
        "email": None
        if rng.random() < 0.04
        else f"{first}.{last}.{i}@example.com".lower().replace(" ", ""),
        "phone": None
        if rng.random() < 0.1
        else f"{prefix}{rng.randrange(200_000_000, 999_999_999)}",
        "firstName": first,
        "lastName": last,
        "country": country,
        "timezone": tz,
        "attributes": {
            "age": age,
            "credit_score": credit,
            "annual_income": income,
            "income_band": band,
            "segment": SEGMENTS[rng.randrange(len(SEGMENTS))],
            **flags,
            "products_held": 1 + sum(flags.values()),
            "account_tenure_months": tenure,
            "balance": round(rng.lognormvariate(8, 1.3), 2),
            "churn_risk": round(rng.betavariate(2, 6), 3),
            "digital_active": rng.random() < 0.7,
            "email_opt_in": rng.random() < 0.8,
        },
    }


def demo_rows(count: int = CUSTOMERS) -> Iterator[StagedRow]:
    rng = random.Random(20240601)
    for i in range(count):
        values, errors = clean_customer(demo_customer(i, rng))
        if errors:  # pragma: no cover - the generator only makes valid rows
            raise AssertionError(errors)
        yield staged_row(i, values)


def seed(tenant: Tenant, log: Callable[[str], Any], *, customers: int = CUSTOMERS) -> None:
    have = Customer.objects.filter(tenant=tenant, external_id__startswith=PREFIX).count()
    if have >= customers:
        log(f"customers: {have} already there")
    else:
        result = merge_all(tenant=tenant, rows=demo_rows(customers))
        log(f"customers: {result.created} created, {result.updated} updated (COPY)")
    for spec in DEMO_SEGMENTS:
        segment = Segment.objects.filter(tenant=tenant, name=spec["name"]).first()
        if segment is None:
            segment = services.segment_create(tenant=tenant, **spec)
            if segment.segment_type == Segment.SegmentType.STATIC:
                members = [m for m in PILOT_MEMBERS if int(m[len(PREFIX) :]) < customers]
                services.segment_members_change(segment=segment, external_ids=members)
        segment = services.segment_refresh(segment=segment)
        log(f"segment '{segment.name}': {segment.customer_count} customers ({segment.view_name})")

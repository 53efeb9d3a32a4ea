"""Demo catalog of a retail bank: 4 categories, 20 offers, 6 channels, 2 placements.

Idempotent: a row is created only when no live row of that name exists, and existing rows
are left as the user edited them. Eligibility rules use ``customer.country`` and the customer
attributes ``age``, ``credit_score``, ``annual_income``, ``segment``,
``has_credit_card``, ``has_mortgage``, ``account_tenure_months`` and ``balance``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from catalog import services
from catalog.models import Category, Channel, Offer, Placement
from core.models import Tenant

CATEGORIES = (("Credit Cards", 1), ("Loans", 2), ("Savings & Investments", 3), ("Insurance", 4))


def rule(*filters: tuple[str, str, Any], combinator: str = "AND") -> dict[str, Any]:
    return {
        "combinator": combinator,
        "filters": [{"field": f, "operator": op, "value": v} for f, op, v in filters],
    }


def attr(key: str) -> str:
    return f"customer.attributes.{key}"


# name, category, priority, value, status, tags, eligibility, description
OFFERS: tuple[tuple[str, str, int, str, str, list[str], dict[str, Any], str], ...] = (
    (
        "Platinum Card Upgrade",
        "Credit Cards",
        85,
        "180.00",
        "active",
        ["cards", "upgrade", "premium"],
        rule((attr("credit_score"), "gte", 720), (attr("has_credit_card"), "eq", True)),
        "Upgrade to Platinum: 3x points on travel and dining, airport lounge access.",
    ),
    (
        "Cashback Everyday Card",
        "Credit Cards",
        70,
        "95.00",
        "active",
        ["cards", "cashback"],
        rule((attr("credit_score"), "gte", 650), (attr("has_credit_card"), "eq", False)),
        "2% cash back on groceries and fuel, no annual fee.",
    ),
    (
        "Travel Rewards Card",
        "Credit Cards",
        65,
        "140.00",
        "active",
        ["cards", "travel"],
        rule((attr("credit_score"), "gte", 700), (attr("segment"), "in", ["affluent", "premier"])),
        "60,000 bonus miles after the first three months, no foreign transaction fees.",
    ),
    (
        "Student Starter Card",
        "Credit Cards",
        40,
        "35.00",
        "active",
        ["cards", "students"],
        rule((attr("age"), "gte", 18), (attr("age"), "lte", 25)),
        "A first credit card with a low limit and free credit-score tracking.",
    ),
    (
        "Balance Transfer 0% APR",
        "Credit Cards",
        60,
        "120.00",
        "paused",
        ["cards", "balance-transfer"],
        rule((attr("has_credit_card"), "eq", True), (attr("credit_score"), "gte", 680)),
        "0% APR for 18 months on balances transferred in the first 60 days.",
    ),
    (
        "Personal Loan Pre-Approval",
        "Loans",
        75,
        "310.00",
        "active",
        ["loans", "pre-approved"],
        rule((attr("credit_score"), "gte", 690), (attr("annual_income"), "gte", 40000)),
        "Pre-approved personal loan up to $25,000 with a same-day decision.",
    ),
    (
        "Auto Loan Refinance",
        "Loans",
        55,
        "220.00",
        "active",
        ["loans", "auto"],
        rule((attr("credit_score"), "gte", 640)),
        "Refinance your car loan and lower your monthly payment.",
    ),
    (
        "Home Equity Line of Credit",
        "Loans",
        65,
        "450.00",
        "active",
        ["loans", "home"],
        rule((attr("has_mortgage"), "eq", True), (attr("credit_score"), "gte", 700)),
        "Borrow against your home's equity for renovations, variable rate.",
    ),
    (
        "First-Time Homebuyer Mortgage",
        "Loans",
        80,
        "900.00",
        "active",
        ["loans", "mortgage", "home"],
        rule(
            (attr("has_mortgage"), "eq", False),
            (attr("age"), "gte", 25),
            (attr("annual_income"), "gte", 55000),
        ),
        "3% down payment and closing-cost credit for first-time buyers.",
    ),
    (
        "Debt Consolidation Loan",
        "Loans",
        50,
        "260.00",
        "draft",
        ["loans", "consolidation"],
        rule((attr("credit_score"), "gte", 620), (attr("has_credit_card"), "eq", True)),
        "Combine card balances into one fixed monthly payment.",
    ),
    (
        "High-Yield Savings Account",
        "Savings & Investments",
        60,
        "60.00",
        "active",
        ["savings", "deposits"],
        {},
        "4.10% APY on balances up to $250,000, no monthly fee.",
    ),
    (
        "12-Month CD Special",
        "Savings & Investments",
        55,
        "75.00",
        "active",
        ["savings", "cd", "seasonal"],
        rule((attr("balance"), "gte", 5000)),
        "Lock in 4.50% APY for 12 months; limited-time rate.",
    ),
    (
        "Kids Savings Starter",
        "Savings & Investments",
        30,
        "20.00",
        "active",
        ["savings", "family"],
        rule((attr("age"), "gte", 28), (attr("age"), "lte", 50)),
        "A savings account for your child with a $25 opening bonus.",
    ),
    (
        "Retirement IRA Rollover",
        "Savings & Investments",
        70,
        "350.00",
        "active",
        ["investments", "retirement"],
        rule((attr("age"), "gte", 45), (attr("annual_income"), "gte", 60000)),
        "Roll your old 401(k) into an IRA with free advice from a planner.",
    ),
    (
        "Robo-Advisor Portfolio",
        "Savings & Investments",
        45,
        "110.00",
        "active",
        ["investments", "digital"],
        rule((attr("account_tenure_months"), "gte", 12), (attr("balance"), "gte", 1000)),
        "Automated, diversified investing from $100 with a 0.25% annual fee.",
    ),
    (
        "Travel Insurance Add-on",
        "Insurance",
        35,
        "40.00",
        "active",
        ["insurance", "travel"],
        rule((attr("has_credit_card"), "eq", True)),
        "Trip cancellation and medical cover when you pay with your card.",
    ),
    (
        "Home Insurance Bundle",
        "Insurance",
        50,
        "160.00",
        "active",
        ["insurance", "home"],
        rule((attr("has_mortgage"), "eq", True)),
        "Save 15% when you bundle home insurance with your mortgage.",
    ),
    (
        "Term Life Cover",
        "Insurance",
        45,
        "200.00",
        "active",
        ["insurance", "life"],
        rule((attr("age"), "gte", 30), (attr("age"), "lte", 60)),
        "20-year term life cover with a quote in five minutes.",
    ),
    (
        "Auto Insurance Quote",
        "Insurance",
        40,
        "130.00",
        "active",
        ["insurance", "auto"],
        rule((attr("age"), "gte", 21), ("customer.country", "in", ["US", "CA"])),
        "Compare auto insurance and save up to $500 a year.",
    ),
    (
        "Card Purchase Protection",
        "Insurance",
        25,
        "15.00",
        "archived",
        ["insurance", "cards"],
        rule((attr("has_credit_card"), "eq", True)),
        "Extended warranty and theft cover on card purchases.",
    ),
)

WORKING_HOURS = {
    day: {"start": "09:00", "end": "18:00", "enabled": True}
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
} | {"saturday": {"start": "10:00", "end": "14:00", "enabled": True}}


def _channels() -> tuple[dict[str, Any], ...]:
    return (
        {
            "name": "Email",
            "channel_type": "email",
            "delivery_mode": "integration",
            "provider_config": {
                "host": "localhost",
                "port": 1025,
                "useTls": False,
                "fromEmail": "offers@demo-bank.example",
                "fromName": "Demo Bank",
                "replyTo": "support@demo-bank.example",
            },
        },
        {
            "name": "SMS",
            "channel_type": "sms",
            "delivery_mode": "file",
            "provider_config": {"senderId": "DEMOBANK", "maxLength": 160},
        },
        {
            "name": "CRM webhook",
            "channel_type": "webhook",
            "delivery_mode": "integration",
            "provider_config": {
                "url": "https://crm.demo-bank.example/hooks/nudge",
                "signingSecret": secrets.token_urlsafe(32),
                "headers": {"X-Source": "nudge"},
                "timeoutSeconds": 10,
            },
        },
        {
            "name": "AI voice agent",
            "channel_type": "voice",
            "delivery_mode": "integration",
            "provider_config": {
                "agentId": "agent_demo_sales",
                "phoneNumbers": ["+14155550100", "+14155550101"],
                "phoneNumberStrategy": "round_robin",
                "timezone": "America/New_York",
                "workingHoursEnforced": True,
                "workingHours": WORKING_HOURS,
                "retryPolicy": {"maxRetries": 2, "strategy": "fixed", "cooldownMinutes": 60},
                "concurrencyLimit": 5,
                "defaultCallVariables": {"language": "en", "bank": "Demo Bank"},
            },
        },
        {
            "name": "Branch mailing file",
            "channel_type": "direct_mail",
            "delivery_mode": "file",
            "provider_config": {"printVendor": "Acme Print", "format": "csv"},
        },
        {"name": "Web banner", "channel_type": "web", "delivery_mode": "api"},
    )


PLACEMENTS = (
    ("Web banner", "Home page hero", "banner", 1),
    ("Web banner", "Account dashboard cards", "card", 3),
)


def seed(tenant: Tenant, log: Callable[[str], Any]) -> None:
    created = {"categories": 0, "offers": 0, "channels": 0, "placements": 0}

    categories = {c.name: c for c in Category.objects.filter(tenant=tenant)}
    for name, ordinal in CATEGORIES:
        if name not in categories:
            categories[name] = services.category_create(tenant=tenant, name=name, ordinal=ordinal)
            created["categories"] += 1

    existing_offers = set(Offer.objects.filter(tenant=tenant).values_list("name", flat=True))
    now = timezone.now().replace(microsecond=0)
    for name, category, priority, value, status, tags, eligibility, description in OFFERS:
        if name in existing_offers:
            continue
        seasonal = "seasonal" in tags
        services.offer_create(
            tenant=tenant,
            name=name,
            description=description,
            status=status,
            category=categories[category],
            priority=priority,
            business_value=Decimal(value),
            start_at=now - timedelta(days=30) if seasonal else None,
            end_at=now + timedelta(days=60) if seasonal else None,
            eligibility=eligibility,
            tags=tags,
            metadata={"productCode": "".join(w[0] for w in name.split() if w[0].isalpha())},
        )
        created["offers"] += 1

    channels = {c.name: c for c in Channel.objects.filter(tenant=tenant)}
    for spec in _channels():
        if spec["name"] not in channels:
            channels[spec["name"]] = services.channel_create(tenant=tenant, **spec)
            created["channels"] += 1

    for channel_name, name, slot_type, max_slots in PLACEMENTS:
        channel = channels[channel_name]
        if not Placement.objects.filter(channel=channel, name=name).exists():
            services.placement_create(
                tenant=tenant, channel=channel, name=name, slot_type=slot_type, max_slots=max_slots
            )
            created["placements"] += 1

    log(
        "catalog: "
        + ", ".join(f"{count} {kind} created" for kind, count in created.items())
        + f" ({Offer.objects.filter(tenant=tenant).count()} offers in total)"
    )

"""Rows for catalog tests, straight into the database (no API, no services)."""

from __future__ import annotations

from itertools import count
from typing import Any

from catalog.models import Category, Channel, Offer, Placement
from core.models import Tenant

_seq = count(1)

WEBHOOK_CONFIG = {"url": "https://hooks.example.com/nudge", "signingSecret": "s3cret-s3cret-s3cret"}
SMTP_CONFIG = {
    "host": "smtp.example.com",
    "port": 587,
    "username": "mailer",
    "password": "smtp-pa55word",
    "useTls": True,
    "fromEmail": "offers@example.com",
}
VOICE_CONFIG = {
    "agentId": "agent_abc123",
    "phoneNumbers": ["+14155550100", "+14155550101"],
    "timezone": "America/New_York",
    "concurrencyLimit": 5,
}


def n() -> int:
    return next(_seq)


def make_category(tenant: Tenant, **overrides: Any) -> Category:
    fields = {"name": f"Category {n()}", "ordinal": 0, **overrides}
    return Category.objects.create(tenant=tenant, **fields)


def make_offer(tenant: Tenant, **overrides: Any) -> Offer:
    fields = {"name": f"Offer {n()}", **overrides}
    return Offer.objects.create(tenant=tenant, **fields)


def make_channel(tenant: Tenant, **overrides: Any) -> Channel:
    fields = {"name": f"Channel {n()}", "channel_type": "email", **overrides}
    return Channel.objects.create(tenant=tenant, **fields)


def make_placement(tenant: Tenant, **overrides: Any) -> Placement:
    if "channel" not in overrides:
        overrides["channel"] = make_channel(tenant, channel_type="web")
    fields = {"name": f"Placement {n()}", **overrides}
    return Placement.objects.create(tenant=tenant, **fields)

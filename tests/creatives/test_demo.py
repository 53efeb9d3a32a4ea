"""creatives.demo: one active creative per offer x fitting channel, idempotent."""

from __future__ import annotations

from typing import Any

import pytest

from creatives import demo
from creatives.models import Creative
from creatives.rendering import compile_creative
from tests.creatives.factories import make_channel, make_offer

pytestmark = pytest.mark.django_db


def test_seed_creates_one_active_creative_per_offer_and_channel_once(personas: Any) -> None:
    tenant = personas.tenant_a
    offers = [make_offer(tenant) for _ in range(3)]
    channels = {
        kind: make_channel(tenant, channel_type=kind, delivery_mode=mode)
        for kind, mode in (
            ("email", "file"),
            ("sms", "api"),
            ("voice", "integration"),
            ("webhook", "integration"),
            ("web", "api"),
        )
    }
    make_channel(tenant, channel_type="email", delivery_mode="manual")
    lines: list[str] = []

    demo.seed(tenant, lines.append)
    demo.seed(tenant, lines.append)

    creatives = Creative.objects.filter(tenant=tenant)
    assert creatives.count() == len(offers) * len(channels)
    assert set(creatives.values_list("status", flat=True)) == {"active"}
    expected = {
        "email": "email_html",
        "sms": "sms_text",
        "voice": "voice_script",
        "webhook": "webhook_json",
        "web": "banner",
    }
    for kind, channel in channels.items():
        types = set(creatives.filter(channel=channel).values_list("template_type", flat=True))
        assert types == {expected[kind]}
    assert "0 created" in lines[-1]
    for creative in creatives:
        compiled = compile_creative(
            creative.content, creative.personalization, template_type=creative.template_type
        )
        assert not compiled.unknown_tokens, creative.name
        compiled.render({"first_name": "Ann"}, {"offer": {"name": "X"}})


def test_seed_on_top_of_the_catalog_demo(personas: Any) -> None:
    from catalog import demo as catalog_demo

    tenant = personas.tenant_a
    catalog_demo.seed(tenant, lambda _: None)
    demo.seed(tenant, lambda _: None)
    first = Creative.objects.filter(tenant=tenant).count()
    assert first > 0
    demo.seed(tenant, lambda _: None)
    assert Creative.objects.filter(tenant=tenant).count() == first
    assert set(Creative.objects.filter(tenant=tenant).values_list("template_type", flat=True)) >= {
        "email_html",
        "sms_text",
        "webhook_json",
    }

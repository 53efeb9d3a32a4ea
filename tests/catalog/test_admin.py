"""The Django admin applies the same rules as the API and never shows a secret."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from catalog.models import Category, Channel, Offer
from catalog.provider_config import MASK
from tests.catalog.factories import (
    WEBHOOK_CONFIG,
    make_category,
    make_channel,
    make_offer,
    make_placement,
)


@pytest.fixture
def staff(admin_client: Client, personas: Any) -> Client:
    return admin_client


@pytest.mark.parametrize("model", ["category", "offer", "channel", "placement"])
def test_changelists_and_add_pages_render(staff: Client, personas: Any, model: str) -> None:
    offer = make_offer(personas.tenant_a, category=make_category(personas.tenant_a))
    placement = make_placement(personas.tenant_a)
    pk = {
        "category": offer.category_id,
        "offer": offer.pk,
        "channel": placement.channel_id,
        "placement": placement.pk,
    }[model]
    for url in (
        f"/admin/catalog/{model}/",
        f"/admin/catalog/{model}/?q=a&deleted=no",
        f"/admin/catalog/{model}/add/",
        f"/admin/catalog/{model}/{pk}/change/",
    ):
        assert staff.get(url).status_code == 200, url


def offer_form(tenant_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "tenant": tenant_id,
        "name": "Admin Offer",
        "description": "",
        "status": "draft",
        "category": "",
        "priority": 50,
        "business_value": "10.00",
        "tags": "cards, upgrade",
        "start_at_0": "",
        "start_at_1": "",
        "end_at_0": "",
        "end_at_1": "",
        "eligibility": "{}",
        "metadata": "{}",
        **overrides,
    }


def test_admin_offer_form_validates_the_rule_dates_and_tenant(staff: Client, personas: Any) -> None:
    url = "/admin/catalog/offer/add/"
    tenant = personas.tenant_a.pk
    bad_rule = '{"filters": [{"field": "age", "operator": "gt", "value": 1}]}'
    response = staff.post(url, offer_form(tenant, eligibility=bad_rule))
    assert response.status_code == 200 and "filters[0].field" in response.content.decode()
    response = staff.post(
        url,
        offer_form(
            tenant,
            start_at_0="2026-02-01",
            start_at_1="00:00",
            end_at_0="2026-01-01",
            end_at_1="00:00",
        ),
    )
    assert response.status_code == 200 and "Must be after the start" in response.content.decode()
    foreign = make_category(personas.tenant_b)
    response = staff.post(url, offer_form(tenant, category=foreign.pk))
    assert response.status_code == 200 and "another tenant" in response.content.decode()
    assert not Offer.objects.filter(name="Admin Offer").exists()
    response = staff.post(url, offer_form(tenant, tags="cards, Cards ,upgrade"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Offer.objects.get(name="Admin Offer").tags == ["cards", "upgrade"]


def test_admin_channel_form_masks_and_keeps_the_secret(staff: Client, personas: Any) -> None:
    channel = make_channel(
        personas.tenant_a,
        channel_type="webhook",
        delivery_mode="integration",
        provider_config={"url": WEBHOOK_CONFIG["url"], "method": "POST"},
        provider_secrets={"signingSecret": WEBHOOK_CONFIG["signingSecret"]},
    )
    url = f"/admin/catalog/channel/{channel.pk}/change/"
    page = staff.get(url).content.decode()
    assert WEBHOOK_CONFIG["signingSecret"] not in page and MASK in page
    form = {
        "name": channel.name,
        "channel_type": "webhook",
        "delivery_mode": "integration",
        "status": "active",
        "provider_config": f'{{"url": "https://new.example.com/h", "signingSecret": "{MASK}"}}',
        "placements-TOTAL_FORMS": "0",
        "placements-INITIAL_FORMS": "0",
    }
    response = staff.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    channel.refresh_from_db()
    assert channel.provider_config["url"] == "https://new.example.com/h"
    assert channel.provider_secrets == {"signingSecret": WEBHOOK_CONFIG["signingSecret"]}
    form["provider_config"] = '{"url": "gopher://x"}'
    response = staff.post(url, form)
    assert response.status_code == 200 and "http:// or https://" in response.content.decode()


def test_admin_category_delete_action_refuses_a_category_in_use(
    staff: Client, personas: Any
) -> None:
    used = make_category(personas.tenant_a, name="Used")
    make_offer(personas.tenant_a, category=used)
    unused = make_category(personas.tenant_a, name="Unused")
    response = staff.post(
        "/admin/catalog/category/",
        {"action": "soft_delete_categories", "_selected_action": [used.pk, unused.pk]},
        follow=True,
    )
    assert "is used by 1 offer" in response.content.decode()
    assert Category.objects.filter(pk=used.pk).exists()
    assert not Category.objects.filter(pk=unused.pk).exists()


def test_admin_status_action_goes_through_the_service(staff: Client, personas: Any) -> None:
    offer = make_offer(personas.tenant_a, status="draft")
    staff.post(
        "/admin/catalog/offer/",
        {"action": "set_status_active", "_selected_action": [offer.pk]},
    )
    offer.refresh_from_db()
    assert offer.status == "active" and offer.version == 2


def test_autocomplete_offers_only_live_categories(staff: Client, personas: Any) -> None:
    live = make_category(personas.tenant_a, name="Live cat")
    gone = make_category(personas.tenant_a, name="Gone cat")
    Category.objects.filter(pk=gone.pk).update(deleted_at="2026-01-01T00:00:00Z")
    response = staff.get(
        "/admin/autocomplete/",
        {"app_label": "catalog", "model_name": "offer", "field_name": "category", "term": "cat"},
    )
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {live.pk}


def test_channel_admin_lists_without_secrets(staff: Client, personas: Any) -> None:
    make_channel(
        personas.tenant_a,
        channel_type="webhook",
        provider_config={"url": "https://a.example.com"},
        provider_secrets={"signingSecret": "very-secret-value-123"},
    )
    page = staff.get("/admin/catalog/channel/").content.decode()
    assert "https://a.example.com" in page and "very-secret-value-123" not in page
    assert Channel.objects.count() == 1


def test_placements_added_inline_belong_to_the_channels_tenant(
    staff: Client, personas: Any
) -> None:
    channel = make_channel(personas.tenant_a, channel_type="web", name="Web")
    form = {
        "name": "Web",
        "channel_type": "web",
        "delivery_mode": "api",
        "status": "active",
        "provider_config": "{}",
        "placements-TOTAL_FORMS": "1",
        "placements-INITIAL_FORMS": "0",
        "placements-0-name": "Hero",
        "placements-0-slot_type": "banner",
        "placements-0-max_slots": "2",
    }
    response = staff.post(f"/admin/catalog/channel/{channel.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    placement = channel.placements.get()
    assert placement.tenant_id == personas.tenant_a.pk and placement.max_slots == 2
    page = staff.get(f"/admin/catalog/placement/{placement.pk}/change/").content.decode()
    assert 'name="channel"' not in page

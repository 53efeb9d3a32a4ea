"""Offers, segments, decision flows and creatives: read-only lists with counts and previews."""

from __future__ import annotations

from typing import Any

import pytest

from audience.models import Customer
from tests.campaigns.factories import make_campaign, make_flow, make_segment
from tests.creatives.factories import make_creative, make_offer

pytestmark = pytest.mark.django_db


def test_offers_list_counts_live_creatives(ui_client: Any, personas: Any) -> None:
    offer = make_offer(personas.tenant_a, name="Gold Card")
    make_creative(personas.tenant_a, offer=offer)
    deleted = make_creative(personas.tenant_a, offer=offer)
    from core.services import entity_soft_delete

    entity_soft_delete(instance=deleted)
    make_offer(personas.tenant_b, name="Other tenant offer")
    html = ui_client("viewer_a").get("/offers").content.decode()
    assert "Gold Card" in html and "Other tenant offer" not in html
    row = html[html.index("Gold Card") :]
    assert '<td class="num">1</td>' in row[: row.index("</tr>")]
    assert "Manage offers in the admin" not in html  # viewers are not staff
    searched = ui_client("viewer_a").get("/offers?q=zzz").content.decode()
    assert "No offer matches" in searched


def test_admin_links_for_staff(ui_client: Any, personas: Any) -> None:
    personas.admin_a.is_staff = True
    personas.admin_a.save()
    make_offer(personas.tenant_a, name="Gold Card")
    html = ui_client("admin_a").get("/offers").content.decode()
    assert "/admin/" in html


def test_segments_and_flows_lists(ui_client: Any, personas: Any) -> None:
    segment = make_segment(personas.tenant_a, name="Gold customers")
    flow = make_flow(personas.tenant_a, name="Cards NBA")
    make_campaign(personas.tenant_a, segment=segment, decision_flow=flow)
    make_segment(personas.tenant_b, name="B segment")
    client = ui_client("viewer_a")
    segments = client.get("/segments").content.decode()
    assert "Gold customers" in segments and "B segment" not in segments
    flows = client.get("/decision-flows").content.decode()
    assert "Cards NBA" in flows and "not published" in flows
    row = flows[flows.index("Cards NBA") :]
    assert '<td class="num">1</td>' in row[: row.index("</tr>")]  # one campaign uses it


def test_creatives_are_previewed_for_a_customer(ui_client: Any, personas: Any) -> None:
    make_creative(
        personas.tenant_a,
        name="Spring email",
        template_type="email_html",
        content={"subject": "Hi {{first_name}}", "body": "<p>Hello {{first_name}}</p>"},
        personalization=[{"key": "first_name", "source": "customer.first_name|there"}],
    )
    make_creative(
        personas.tenant_a,
        name="SMS nudge",
        template_type="sms_text",
        content={"text": "Hey {{first_name}} {{oops}}"},
        personalization=[{"key": "first_name", "source": "customer.first_name|there"}],
    )
    Customer.objects.create(
        tenant=personas.tenant_a, external_id="C-1", first_name="Zoë & Co", attributes={}
    )
    Customer.objects.create(
        tenant=personas.tenant_a, external_id="C-2", first_name="Bob", attributes={}
    )
    client = ui_client("viewer_a")
    html = client.get("/creatives").content.decode()
    assert "Showing: C-1" in html
    assert "Hi Zoë &amp; Co" in html  # escaped once, not twice
    assert 'sandbox=""' in html and "srcdoc=" in html  # HTML bodies in a sandboxed frame
    assert "Hey Zoë &amp; Co {{oops}}" in html
    assert "Unknown tokens: oops" in html
    assert "Hey Bob" in client.get("/creatives?customer=C-2").content.decode()
    unknown = client.get("/creatives?customer=nobody").content.decode()
    assert "does not exist" in unknown and "Showing: C-1" in unknown


def test_creatives_preview_without_customers_uses_a_sample(ui_client: Any, personas: Any) -> None:
    make_creative(personas.tenant_a, name="Spring email")
    html = ui_client("viewer_a").get("/creatives").content.decode()
    assert "a sample customer" in html and "Hi Ada" in html


def test_another_tenants_creatives_are_not_listed(ui_client: Any, personas: Any) -> None:
    make_creative(personas.tenant_b, name="B creative")
    assert "B creative" not in ui_client("viewer_a").get("/creatives").content.decode()

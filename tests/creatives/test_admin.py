"""The creatives admin: list, filters, search, autocomplete, actions and the preview."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from creatives.models import Creative
from tests.creatives.factories import make_channel, make_creative, make_offer, make_placement

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/creatives/creative/"


@pytest.fixture
def staff(personas: Any, django_user_model: Any) -> Client:
    user = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def creative(personas: Any) -> Creative:
    return make_creative(
        personas.tenant_a,
        name="Hero banner",
        offer=make_offer(personas.tenant_a, name="Gold Card"),
        template_type="email_html",
        content={"subject": "Hi {{first_name}}", "body": "<p>{{first_name}} & {{nope}}</p>"},
        personalization=[{"key": "first_name", "source": "customer.first_name|there"}],
    )


def test_changelist_with_filters_and_search(
    staff: Client, creative: Creative, personas: Any
) -> None:
    make_creative(personas.tenant_b, name="Other tenant one")
    for params in (
        {},
        {"status__exact": "draft"},
        {"template_type__exact": "email_html"},
        {"channel__id__exact": creative.channel_id},
        {"deleted": "no"},
        {"q": "Gold"},
    ):
        response = staff.get(CHANGELIST, params)
        assert response.status_code == 200, params
        assert b"Hero banner" in response.content, params
    assert b"Hero banner" not in staff.get(CHANGELIST, {"deleted": "yes"}).content


def test_changelist_query_count_does_not_grow(
    staff: Client, personas: Any, django_assert_max_num_queries: Any
) -> None:
    channel = make_channel(personas.tenant_a)
    for _ in range(15):
        make_creative(personas.tenant_a, channel=channel, placement=make_placement(channel))
    with django_assert_max_num_queries(20):
        assert staff.get(CHANGELIST).status_code == 200


def test_change_page_shows_the_rendered_preview(staff: Client, creative: Creative) -> None:
    page = staff.get(f"{CHANGELIST}{creative.pk}/change/").content.decode()
    assert 'id="creative-preview"' in page
    assert "Hi Alex" in page  # the sample customer
    # HTML parts are shown in a sandboxed iframe; the value is escaped once more for srcdoc.
    assert 'sandbox=""' in page and "&lt;p&gt;Alex &amp; {{nope}}&lt;/p&gt;" in page
    assert "<code>nope</code>" in page  # unresolved token reported


def test_preview_for_an_unknown_customer_says_so(staff: Client, creative: Creative) -> None:
    page = staff.get(
        f"{CHANGELIST}{creative.pk}/change/", {"preview_customer": "nobody"}
    ).content.decode()
    assert "does not exist" in page


def test_soft_delete_restore_and_status_actions(staff: Client, creative: Creative) -> None:
    def act(action: str) -> None:
        response = staff.post(
            CHANGELIST, {"action": action, "_selected_action": [creative.pk]}, follow=True
        )
        assert response.status_code == 200

    act("soft_delete_selected")
    creative.refresh_from_db()
    assert creative.deleted_at is not None
    act("restore_selected")
    act("set_status_active")
    creative.refresh_from_db()
    assert creative.deleted_at is None and creative.status == "active" and creative.version == 4


def test_autocomplete_for_offer_channel_and_placement(staff: Client, creative: Creative) -> None:
    for field, term in (("offer", "Gold"), ("channel", creative.channel.name), ("placement", "")):
        response = staff.get(
            "/admin/autocomplete/",
            {"app_label": "creatives", "model_name": "creative", "field_name": field, "term": term},
        )
        assert response.status_code == 200, (field, response.content[:300])
    offers = staff.get(
        "/admin/autocomplete/",
        {"app_label": "creatives", "model_name": "creative", "field_name": "offer", "term": "Gold"},
    ).json()
    assert [r["id"] for r in offers["results"]] == [creative.offer_id]


def test_add_form_validates_placement_and_json(staff: Client, personas: Any) -> None:
    offer, channel = make_offer(personas.tenant_a), make_channel(personas.tenant_a)
    elsewhere = make_placement(make_channel(personas.tenant_a))
    form = {
        "tenant": personas.tenant_a.pk,
        "name": "From admin",
        "status": "draft",
        "offer": offer.pk,
        "channel": channel.pk,
        "placement": elsewhere.pk,
        "template_type": "sms_text",
        "content": '{"text": "Hi {{first_name}}"}',
        "personalization": '[{"key": "first_name", "source": "customer.first_name"}]',
        "constraints": "{}",
        "metrics": "{}",
        "weight": "100",
    }
    response = staff.post(f"{CHANGELIST}add/", form)
    assert response.status_code == 200 and b"belongs to another channel" in response.content
    response = staff.post(f"{CHANGELIST}add/", {**form, "placement": "", "content": "[1]"})
    assert response.status_code == 200 and b"Must be a JSON object" in response.content
    response = staff.post(f"{CHANGELIST}add/", {**form, "placement": ""})
    assert response.status_code == 302
    created = Creative.objects.get(name="From admin")
    assert created.content == {"text": "Hi {{first_name}}"} and created.tenant == personas.tenant_a
    response = staff.post(f"{CHANGELIST}add/", {**form, "placement": ""})
    assert response.status_code == 200 and b"already exists" in response.content

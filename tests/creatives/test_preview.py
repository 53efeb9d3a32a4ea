"""POST /api/v1/creatives/{id}/preview: render for a stored or a sample customer."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps

from creatives.preview import CUSTOMER_MODEL
from tests.api_suite import assert_error
from tests.creatives.factories import make_channel, make_creative, make_offer

pytestmark = pytest.mark.django_db


def customer_model() -> Any:
    try:
        return apps.get_model(CUSTOMER_MODEL)
    except LookupError:
        pytest.skip("audience.Customer is not there yet")


@pytest.fixture
def creative(personas: Any) -> Any:
    return make_creative(
        personas.tenant_a,
        offer=make_offer(personas.tenant_a, name="Gold & Platinum", metadata={"rate": 1.5}),
        channel=make_channel(personas.tenant_a, name="Email"),
        template_type="email_html",
        content={
            "subject": "{{first_name}}, your {{tier}} offer",
            "body": "<p>Hi {{first_name}} from {{city}}: {{offer}} at {{rate}}% {{oops}}</p>",
        },
        personalization=[
            {"key": "first_name", "source": "customer.first_name|there"},
            {"key": "tier", "source": "customer.attributes.tier|standard"},
            {"key": "city", "source": "customer.attributes.address.city"},
            {"key": "offer", "source": "offer.name"},
            {"key": "rate", "source": "offer.metadata.rate"},
        ],
    )


def preview(client: Any, creative: Any, body: Any) -> Any:
    return client.post(f"/api/v1/creatives/{creative.pk}/preview", body, format="json")


def test_preview_with_an_inline_sample_customer(api: Any, creative: Any) -> None:
    sample = {"firstName": "<Ann>", "attributes": {"tier": "gold", "address": {"city": "Paris"}}}
    response = preview(api("viewer_a"), creative, {"customer": sample})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "creativeId": creative.pk,
        "templateType": "email_html",
        "customerId": None,
        "content": {
            "subject": "&lt;Ann&gt;, your gold offer",
            "body": "<p>Hi &lt;Ann&gt; from Paris: Gold &amp; Platinum at 1.5% {{oops}}</p>",
        },
        "values": {
            "first_name": "&lt;Ann&gt;",
            "tier": "gold",
            "city": "Paris",
            "offer": "Gold &amp; Platinum",
            "rate": "1.5",
        },
        "fallbacks": [],
        "unresolvedTokens": ["oops"],
    }


def test_preview_reports_fallbacks(api: Any, creative: Any) -> None:
    body = preview(api("viewer_a"), creative, {"customer": {}}).json()
    assert body["content"]["subject"] == "there, your standard offer"
    assert body["fallbacks"] == ["first_name", "tier", "city"]


def test_preview_of_unsaved_edits(api: Any, creative: Any) -> None:
    body = preview(
        api("viewer_a"),
        creative,
        {
            "customer": {"first_name": "<Bo>"},
            "templateType": "sms_text",
            "content": {"text": "Hey {{name}}"},
            "personalization": [{"key": "name", "source": "customer.first_name"}],
        },
    ).json()
    assert body["content"] == {"text": "Hey <Bo>"} and body["templateType"] == "sms_text"
    creative.refresh_from_db()
    assert "text" not in creative.content


def test_preview_with_a_stored_customer_by_id_or_external_id(
    api: Any, personas: Any, creative: Any
) -> None:
    customer = customer_model().objects.create(
        tenant=personas.tenant_a,
        external_id="C-77",
        first_name="Dana",
        attributes={"tier": "platinum", "address": {"city": "Oslo"}},
    )
    for ref in (customer.pk, str(customer.pk), "C-77"):
        response = preview(api("viewer_a"), creative, {"customerId": ref})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["customerId"] == customer.pk
        assert body["content"]["subject"] == "Dana, your platinum offer"
        assert "Oslo" in body["content"]["body"]


def test_a_customer_of_another_tenant_does_not_exist(
    api: Any, personas: Any, creative: Any
) -> None:
    theirs = customer_model().objects.create(tenant=personas.tenant_b, external_id="B-1")
    for ref in (theirs.pk, str(theirs.pk), "B-1", "nobody", -1, 2**63):
        error = assert_error(
            preview(api("viewer_a"), creative, {"customerId": ref}), 400, "customerId"
        )
        assert "does not exist" in error["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "customerId"),
        ({"customerId": "x", "customer": {}}, "customerId"),
        ({"customerId": 5.5}, "customerId"),
        ({"customerId": True}, "customerId"),
        ({"customerId": ""}, "customerId"),
        ({"customerId": "x" * 256}, "customerId"),
        ({"customerId": 10**30}, "customerId"),
        ({"customerId": "C\x00"}, "customerId"),
        ({"customer": "Ann"}, "customer"),
        ({"customer": {}, "content": []}, "content"),
        ({"customer": {}, "personalization": [{"key": "a", "source": "nope"}]}, "personalization"),
        ({"customer": {}, "templateType": "fax"}, "templateType"),
    ],
)
def test_bad_preview_requests_are_400(api: Any, creative: Any, body: dict, field: str) -> None:
    assert_error(preview(api("viewer_a"), creative, body), 400, field)


def test_preview_is_tenant_scoped_and_needs_a_role(api: Any, personas: Any, creative: Any) -> None:
    assert_error(preview(api("admin_b"), creative, {"customer": {}}), 404)
    assert_error(
        api("viewer_a").post("/api/v1/creatives/cre_nope/preview", {"customer": {}}, format="json"),
        404,
    )
    from rest_framework.test import APIClient

    assert_error(preview(APIClient(), creative, {"customer": {}}), 401)
    response = api("viewer_a").post(
        f"/api/v1/creatives/{creative.pk}/preview", "customer=x", content_type="text/plain"
    )
    assert_error(response, 415)


def test_preview_never_exposes_channel_secrets(api: Any, personas: Any) -> None:
    channel = make_channel(personas.tenant_a, channel_type="webhook")
    channel.provider_secrets = {"signingSecret": "s3cr3t"}
    channel.save()
    creative = make_creative(
        personas.tenant_a,
        channel=channel,
        template_type="webhook_json",
        content={"x": "{{s}}"},
        personalization=[{"key": "s", "source": "channel.provider_secrets.signingSecret|hidden"}],
    )
    body = preview(api("viewer_a"), creative, {"customer": {}}).json()
    assert body["content"] == {"x": "hidden"}

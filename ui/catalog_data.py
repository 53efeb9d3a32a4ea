"""Reads behind the read-only lists (offers, segments, decision flows, creatives)."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import NoReverseMatch, reverse

from audience.models import Customer, Segment
from campaigns.models import Campaign
from catalog.models import Offer
from core.errors import InvalidInput
from core.models import Tenant
from creatives.models import Creative
from creatives.preview import creative_preview, entity_source, stored_customer
from decisioning.models import DecisionFlow

SAMPLE_CUSTOMER: dict[str, Any] = {
    "external_id": "CUST-000123",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "phone": "+15555550123",
    "attributes": {"segment": "gold", "tier": "gold", "city": "London"},
}


def admin_url(model: type, action: str = "changelist", *args: Any) -> str:
    """The admin page for ``model`` ("" when the model is not registered there)."""
    meta = model._meta  # type: ignore[attr-defined]
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_{action}", args=args)
    except NoReverseMatch:
        return ""


def segment_customer_count(segment: Segment) -> int | None:
    """The segment's size as last counted by the audience app (None: never counted yet)."""
    return segment.customer_count


def offers(*, tenant: Tenant, query: str = "") -> QuerySet[Offer]:
    qs = (
        Offer.objects.filter(tenant=tenant)
        .select_related("category")
        .annotate(
            creative_count=Count("creatives", filter=Q(creatives__deleted_at__isnull=True)),
        )
    )
    if query:
        qs = qs.filter(name__icontains=query)
    return qs.order_by("name")


def segments(*, tenant: Tenant, query: str = "") -> list[dict[str, Any]]:
    qs = (
        Segment.objects.filter(tenant=tenant)
        .select_related("stats")
        .annotate(campaign_count=Count("campaigns", filter=Q(campaigns__deleted_at__isnull=True)))
    )
    if query:
        qs = qs.filter(name__icontains=query)
    return [
        {"segment": segment, "customers": segment.customer_count} for segment in qs.order_by("name")
    ]


def flows(*, tenant: Tenant, query: str = "") -> QuerySet[DecisionFlow]:
    qs = (
        DecisionFlow.objects.filter(tenant=tenant)
        .select_related("published_version")
        .annotate(
            campaign_count=Count(
                "campaigns",
                filter=Q(campaigns__deleted_at__isnull=True)
                & ~Q(campaigns__status=Campaign.Status.ARCHIVED),
                distinct=True,
            ),
            version_count=Count("versions", distinct=True),
        )
    )
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(key__icontains=query))
    return qs.order_by("name")


def creatives(*, tenant: Tenant, query: str = "") -> QuerySet[Creative]:
    qs = Creative.objects.filter(tenant=tenant).select_related("offer", "channel", "placement")
    if query:
        qs = qs.filter(
            Q(name__icontains=query)
            | Q(offer__name__icontains=query)
            | Q(channel__name__icontains=query)
        )
    return qs.order_by("name")


def preview_customer(*, tenant: Tenant, customer_ref: str) -> tuple[dict[str, Any], str, str]:
    """(customer mapping, label, error). A typed id/external id, else the tenant's first
    customer, else a made-up sample."""
    if customer_ref:
        try:
            return stored_customer(tenant=tenant, customer_id=customer_ref), customer_ref, ""
        except InvalidInput as exc:
            error = exc.message
    else:
        error = ""
    first = Customer.objects.filter(tenant=tenant).order_by("pk").first()
    if first is not None:
        data = entity_source(first) or {}
        return data, str(data.get("external_id") or first.pk), error
    return dict(SAMPLE_CUSTOMER), "a sample customer (Ada Lovelace)", error


def rendered_parts(creative: Creative, customer: Mapping[str, Any]) -> dict[str, Any]:
    """The preview split for display: HTML parts go to a sandboxed frame, the rest is text."""
    preview = creative_preview(creative=creative, customer=customer)
    html_parts: list[tuple[str, str]] = []
    text_parts: list[tuple[str, str]] = []
    for key, value in (preview.get("content") or {}).items():
        text = value if isinstance(value, str) else _compact(value)
        is_html_type = creative.template_type in _HTML_TYPES
        if is_html_type and "<" in text and ">" in text:
            html_parts.append((str(key), text))
        else:
            # Filled values are HTML-escaped in HTML templates; the page escapes text itself.
            text_parts.append((str(key), html.unescape(text) if is_html_type else text))
    return {
        "html_parts": html_parts,
        "text_parts": text_parts,
        "fallbacks": preview.get("fallbacks") or [],
        "unresolved": preview.get("unresolvedTokens") or [],
    }


_HTML_TYPES = frozenset({"email_html", "banner", "in_app"})


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1)

"""Demo creatives: one active creative per offer x channel, its template fitting the channel.

Runs after ``catalog.demo`` (INSTALLED_APPS order). Idempotent: a pair that already has a
creative (live or deleted) is left alone, so re-seeding never duplicates or resurrects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from catalog.models import Channel, Offer, Placement
from core.models import Tenant
from creatives.models import Creative, TemplateType
from creatives.services import creative_create

TEMPLATE_FOR_CHANNEL = {
    "email": TemplateType.EMAIL_HTML,
    "sms": TemplateType.SMS_TEXT,
    "voice": TemplateType.VOICE_SCRIPT,
    "webhook": TemplateType.WEBHOOK_JSON,
    "web": TemplateType.BANNER,
    "in_app": TemplateType.IN_APP,
    "push": TemplateType.PUSH,
    "whatsapp": TemplateType.WHATSAPP_TEXT,
    "direct_mail": TemplateType.DIRECT_MAIL,
}

PERSONALIZATION = [
    {"key": "first_name", "source": "customer.first_name|there"},
    {"key": "last_name", "source": "customer.last_name"},
    {"key": "segment", "source": "customer.attributes.segment|valued"},
    {"key": "offer_name", "source": "offer.name"},
    {"key": "offer_description", "source": "offer.description|Tap to see the details."},
    {"key": "customer_id", "source": "customer.external_id"},
]


def content_for(template_type: str) -> dict[str, Any]:
    if template_type == TemplateType.EMAIL_HTML:
        return {
            "subject": "{{first_name}}, {{offer_name}} is waiting for you",
            "preheader": "A pick for our {{segment}} customers",
            "body": (
                "<html><body><h1>Hi {{first_name}},</h1>"
                "<p>As one of our {{segment}} customers you can now get <strong>{{offer_name}}"
                "</strong>.</p><p>{{offer_description}}</p>"
                '<p><a href="https://demo.nudge.local/offers?c={{customer_id}}">See the offer'
                "</a></p></body></html>"
            ),
        }
    if template_type == TemplateType.SMS_TEXT:
        return {
            "text": "Hi {{first_name}}, {{offer_name}} is ready for you. Reply STOP to opt out."
        }
    if template_type == TemplateType.VOICE_SCRIPT:
        return {
            "greeting": "Hello {{first_name}} {{last_name}}, this is Demo Bank calling.",
            "script": (
                "We are calling because, as a {{segment}} customer, you qualify for "
                "{{offer_name}}. {{offer_description}} Would you like to hear more?"
            ),
            "closing": "Thank you for your time, {{first_name}}. Goodbye.",
        }
    if template_type == TemplateType.WEBHOOK_JSON:
        return {
            "event": "next_best_action",
            "customerId": "{{customer_id}}",
            "offer": "{{offer_name}}",
            "message": "{{first_name}}, {{offer_name}} is available",
        }
    if template_type in (TemplateType.BANNER, TemplateType.IN_APP):
        return {
            "headline": "{{offer_name}}",
            "html": '<div class="nba-banner"><h2>{{first_name}}, {{offer_name}}</h2>'
            "<p>{{offer_description}}</p></div>",
            "ctaText": "Learn more",
            "imageUrl": "https://demo.nudge.local/static/offers/banner.png",
        }
    if template_type == TemplateType.PUSH:
        return {"title": "{{offer_name}}", "body": "{{first_name}}, tap to see your offer."}
    return {"text": "Dear {{first_name}} {{last_name}}, {{offer_name}}: {{offer_description}}"}


def seed(tenant: Tenant, log: Callable[[str], Any]) -> None:
    offers = list(Offer.objects.filter(tenant=tenant).order_by("name"))
    channels = [
        c
        for c in Channel.objects.filter(tenant=tenant).order_by("name")
        if c.delivery_mode != Channel.DeliveryMode.MANUAL and c.channel_type in TEMPLATE_FOR_CHANNEL
    ]
    placements: dict[str, Placement] = {}
    for placement in Placement.objects.filter(tenant=tenant).order_by("created_at"):
        placements.setdefault(placement.channel_id, placement)
    existing = set(Creative.all_objects.filter(tenant=tenant).values_list("offer_id", "channel_id"))
    taken = set(Creative.objects.filter(tenant=tenant).values_list("name", flat=True))
    created = 0
    for offer in offers:
        for channel in channels:
            if (offer.pk, channel.pk) in existing:
                continue
            name = f"{offer.name} - {channel.name}"[:255]
            if name in taken:
                continue
            template_type = TEMPLATE_FOR_CHANNEL[channel.channel_type]
            creative_create(
                tenant=tenant,
                name=name,
                offer=offer,
                channel=channel,
                placement=placements.get(channel.pk),
                status="active",
                template_type=template_type,
                content=content_for(template_type),
                personalization=PERSONALIZATION,
                weight=100,
            )
            taken.add(name)
            created += 1
    log(
        f"creatives: {created} created, "
        f"{Creative.objects.filter(tenant=tenant).count()} in total "
        f"({len(offers)} offers x {len(channels)} channels)"
    )

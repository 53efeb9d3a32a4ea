"""Admin forms that apply the same rules as the API services (shared validation functions)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from catalog.eligibility import eligibility_clean
from catalog.models import Channel, Offer, Placement
from catalog.provider_config import provider_config_clean, provider_config_masked
from catalog.validation import normalize_tags, object_problems
from core.errors import InvalidInput


def flatten(details: Any, prefix: str = "") -> list[str]:
    """``{"url": ["Bad."], "workingHours": {"monday": {"end": [...]}}}`` -> readable lines."""
    if isinstance(details, dict):
        lines: list[str] = []
        for key, value in details.items():
            label = "" if key == "nonFieldErrors" else key
            lines += flatten(value, f"{prefix}.{label}".strip(".") if label else prefix)
        return lines
    if isinstance(details, list):
        return [line for item in details for line in flatten(item, prefix)]
    return [f"{prefix}: {details}" if prefix else str(details)]


def _unwrap(exc: InvalidInput, key: str) -> forms.ValidationError:
    return forms.ValidationError(flatten(exc.details.get(key, exc.details)) or [exc.message])


class SameTenantForm(forms.ModelForm):
    """Related catalog objects must belong to the row's tenant."""

    related_fields: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        tenant = cleaned.get("tenant") or getattr(self.instance, "tenant", None)
        if tenant is None:
            return cleaned
        for field in self.related_fields:
            related = cleaned.get(field)
            if related is not None and related.tenant_id != tenant.pk:
                self.add_error(field, "Belongs to another tenant.")
        return cleaned


class OfferAdminForm(SameTenantForm):
    related_fields = ("category",)

    class Meta:
        model = Offer
        fields = [
            "tenant",
            "name",
            "description",
            "status",
            "category",
            "priority",
            "business_value",
            "tags",
            "start_at",
            "end_at",
            "eligibility",
            "metadata",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_eligibility(self) -> Any:
        try:
            return eligibility_clean(self.cleaned_data.get("eligibility") or {})
        except InvalidInput as exc:
            raise _unwrap(exc, "eligibility") from exc

    def clean_tags(self) -> list[str]:
        tags, problems = normalize_tags(self.cleaned_data.get("tags") or [])
        if problems:
            raise forms.ValidationError(problems)
        return tags

    def clean_metadata(self) -> Any:
        value = self.cleaned_data.get("metadata")
        value = {} if value is None else value
        if problems := object_problems(value):
            raise forms.ValidationError(problems)
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("start_at"), cleaned.get("end_at")
        if start and end and end <= start:
            self.add_error("end_at", "Must be after the start.")
        return cleaned


class ChannelAdminForm(forms.ModelForm):
    """Shows secrets as ``********``; type a new value over it to replace one."""

    class Meta:
        model = Channel
        fields = ["tenant", "name", "channel_type", "delivery_mode", "status", "provider_config"]
        help_texts = {
            "provider_config": "Webhook: url, signingSecret, method, headers, timeoutSeconds. "
            "Email: host, port, username, password, useTls, useSsl, fromEmail, fromName. "
            "Voice: agentId, phoneNumbers (E.164), timezone, workingHours, retryPolicy, "
            "concurrencyLimit. Secrets show as ******** - leave them to keep the stored value.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and "provider_config" in self.fields:
            self.initial["provider_config"] = provider_config_masked(
                public=self.instance.provider_config, secrets=self.instance.provider_secrets
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        channel_type, delivery_mode = cleaned.get("channel_type"), cleaned.get("delivery_mode")
        if not channel_type or not delivery_mode:
            return cleaned
        try:
            clean = provider_config_clean(
                channel_type=channel_type,
                delivery_mode=delivery_mode,
                raw=cleaned.get("provider_config") or {},
                current_secrets=self.instance.provider_secrets if self.instance.pk else {},
            )
        except InvalidInput as exc:
            self.add_error("provider_config", _unwrap(exc, "providerConfig"))
            return cleaned
        cleaned["provider_config"] = clean.public
        if clean.secrets != (self.instance.provider_secrets or {}):
            self.instance.provider_secrets = clean.secrets
            self.instance.secrets_updated_at = timezone.now()
        return cleaned


class PlacementAdminForm(SameTenantForm):
    related_fields = ("channel",)

    class Meta:
        model = Placement
        fields = ["tenant", "channel", "name", "slot_type", "max_slots"]

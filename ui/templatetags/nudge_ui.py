from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from campaigns.schedule import ScheduleError, describe, load_timezone

register = template.Library()


@register.filter
def in_tz(value: datetime | None, tz_name: str = "UTC") -> str:
    """``2026-11-30 09:00 CET`` in the given IANA timezone (the campaign's own)."""
    if not value:
        return ""
    try:
        tz: Any = load_timezone(tz_name or "UTC")
    except ScheduleError:
        tz = ZoneInfo("UTC")
    local = value.astimezone(tz)
    return f"{local:%a %d %b %Y, %H:%M} {local.tzname()}"


@register.filter
def when(value: datetime | None) -> str:
    """A short UTC timestamp for tables."""
    if not value:
        return ""
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


@register.filter
def status_label(value: str) -> str:
    return str(value or "").replace("_", " ").capitalize()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def joinlines(messages: Any) -> str:
    return " ".join(str(m) for m in messages or [])


@register.filter
def thousands(value: Any) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value if value is not None else "")


@register.filter
def field_id(key: str) -> str:
    """``fileConfig.columns`` -> ``f-fileConfig-columns`` (an element id)."""
    return "f-" + str(key).replace(".", "-")


@register.simple_tag
def invalid_attrs(errors: Any, key: str, hint: str = "") -> str:
    """``aria-invalid``/``aria-describedby`` for an input whose errors live under ``key``."""
    described = [hint] if hint else []
    invalid = ""
    if errors and errors.get(key):
        described.insert(0, f"{field_id(key)}-error")
        invalid = 'aria-invalid="true" '
    if not described:
        return mark_safe(invalid.strip())  # noqa: S308 - fixed text
    ids = " ".join(conditional_escape(item) for item in described)
    return format_html('{}aria-describedby="{}"', mark_safe(invalid), mark_safe(ids))  # noqa: S308


@register.inclusion_tag("ui/partials/field_error.html")
def field_error(errors: Any, key: str) -> dict[str, Any]:
    return {"messages": (errors or {}).get(key) or [], "error_id": f"{field_id(key)}-error"}


@register.filter
def schedule_text(campaign: Any) -> str:
    """ "Daily at 07:30 (Europe/London)" for a campaign."""
    try:
        return describe(campaign.schedule())
    except (AttributeError, ScheduleError):
        return ""

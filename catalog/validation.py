"""Small value checks shared by the catalog services, serializers and admin forms.

Each ``*_problems`` function returns error messages (empty when the value is fine) so the
caller decides which field they belong to. PostgreSQL ``jsonb`` and ``text`` cannot hold
``\\u0000``, and nothing here is meant to nest deeply or be huge, so those are rejected up
front instead of surfacing as a database error (never a 500).
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

MAX_JSON_BYTES = 64 * 1024
MAX_DEPTH = 16
E164_RE = re.compile(r"^\+[1-9]\d{6,14}$")
HHMM_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
HEADER_NAME_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$")


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def json_value_problems(value: Any, *, max_bytes: int = MAX_JSON_BYTES) -> list[str]:
    """NUL characters, nesting deeper than ``MAX_DEPTH`` or more than ``max_bytes`` of JSON."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return [f"Nested deeper than {MAX_DEPTH} levels."]
        if isinstance(node, str):
            if "\x00" in node:
                return ["Text may not contain NUL (\\u0000) characters."]
        elif isinstance(node, dict):
            for key, child in node.items():
                if "\x00" in str(key):
                    return ["Keys may not contain NUL (\\u0000) characters."]
                stack.append((child, depth + 1))
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
        elif isinstance(node, float) and node != node:  # NaN
            return ["NaN is not a JSON number."]
    if len(json.dumps(value, ensure_ascii=False, default=str).encode()) > max_bytes:
        return [f"Larger than {max_bytes // 1024} KB."]
    return []


def object_problems(value: Any) -> list[str]:
    if not isinstance(value, dict):
        return [f"Must be a JSON object, got {type_name(value)}."]
    return json_value_problems(value)


def int_problems(value: Any, *, minimum: int, maximum: int) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int):
        return [f"Must be an integer, got {type_name(value)}."]
    if not minimum <= value <= maximum:
        return [f"Must be between {minimum} and {maximum}."]
    return []


def bool_problems(value: Any) -> list[str]:
    return [] if isinstance(value, bool) else [f"Must be true or false, got {type_name(value)}."]


def text_problems(value: Any, *, max_length: int = 255, allow_blank: bool = False) -> list[str]:
    if not isinstance(value, str):
        return [f"Must be a string, got {type_name(value)}."]
    if "\x00" in value:
        return ["Text may not contain NUL (\\u0000) characters."]
    if not allow_blank and not value.strip():
        return ["May not be blank."]
    if len(value) > max_length:
        return [f"At most {max_length} characters."]
    return []


def choice_problems(value: Any, choices: tuple[str, ...]) -> list[str]:
    if not isinstance(value, str) or value not in choices:
        return [f"Must be one of: {', '.join(choices)}."]
    return []


def http_url_problems(value: Any) -> list[str]:
    """An absolute http(s) URL with a host. Private and loopback hosts are allowed on purpose:
    self-hosted installs deliver to receivers on their own network."""
    problems = text_problems(value, max_length=2048)
    if problems:
        return problems
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        return ["A URL may not contain spaces or control characters."]
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return ["Not a valid URL."]
    if parts.scheme not in ("http", "https"):
        return ["Must be an http:// or https:// URL."]
    if not parts.hostname:
        return ["The URL must name a host."]
    return []


def hostname_problems(value: Any) -> list[str]:
    problems = text_problems(value, max_length=253)
    if problems:
        return problems
    if not HOSTNAME_RE.match(value) and not _is_ip_literal(value):
        return ["Must be a host name or IP address (no scheme, port or path)."]
    return []


def _is_ip_literal(value: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return False
    return True


def email_problems(value: Any) -> list[str]:
    problems = text_problems(value, max_length=254)
    if problems:
        return problems
    try:
        validate_email(value)
    except ValidationError:
        return ["Enter a valid email address."]
    return []


def e164_problems(value: Any) -> list[str]:
    if not isinstance(value, str) or not E164_RE.match(value):
        return [f"{value!r} is not an E.164 phone number (e.g. +14155550123)."]
    return []


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def timezone_problems(value: Any) -> list[str]:
    if not isinstance(value, str) or value not in _timezones():
        return [f"{value!r} is not an IANA time zone (e.g. Europe/Paris)."]
    return []


def hhmm_problems(value: Any) -> list[str]:
    if not isinstance(value, str) or not HHMM_RE.match(value):
        return ["Must be a time of day as HH:MM (00:00-23:59)."]
    return []


def header_problems(value: Any) -> dict[str, list[str]] | list[str]:
    """HTTP headers as a flat object of name -> value (no line breaks: no header injection)."""
    if not isinstance(value, dict):
        return [f"Must be a JSON object of header name -> value, got {type_name(value)}."]
    if len(value) > 50:
        return ["At most 50 headers."]
    errors: dict[str, list[str]] = {}
    for name, header_value in value.items():
        if not HEADER_NAME_RE.match(name):
            errors[name] = ["Not a valid header name."]
        elif not isinstance(header_value, str):
            errors[name] = [f"Must be a string, got {type_name(header_value)}."]
        elif any(ch in header_value for ch in "\r\n\x00") or len(header_value) > 4096:
            errors[name] = ["Header values may not contain line breaks and are at most 4096 long."]
    return errors


def normalize_tags(value: Any) -> tuple[list[str], list[str]]:
    """Trimmed, de-duplicated (first spelling wins, case-insensitively), in the given order."""
    if not isinstance(value, list):
        return [], [f"Must be a list of strings, got {type_name(value)}."]
    if len(value) > 50:
        return [], ["At most 50 tags."]
    tags: list[str] = []
    seen: set[str] = set()
    for index, tag in enumerate(value):
        if not isinstance(tag, str) or not tag.strip():
            return [], [f"[{index}]: a tag must be a non-empty string."]
        tag = tag.strip()
        if len(tag) > 64 or "\x00" in tag or "," in tag:
            return [], [f"[{index}]: a tag is at most 64 characters, without commas or NUL."]
        if tag.lower() not in seen:
            seen.add(tag.lower())
            tags.append(tag)
    return tags, []

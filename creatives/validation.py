"""Shape checks for a creative's JSON fields, shared by the API serializer and the admin form.

Each check returns a list of messages (empty when valid) so callers can attach them to the
field that failed. PostgreSQL ``jsonb`` cannot store ``\\u0000`` and deep nesting is never
meant, so both are rejected here rather than surfacing as a database error.
"""

from __future__ import annotations

import json
from typing import Any

from catalog.validation import type_name
from creatives.rendering import KEY_RE, SourceError, parse_source

MAX_PERSONALIZATION = 500
MAX_JSON_BYTES = 512 * 1024
MAX_DEPTH = 32
MAX_SOURCE_LENGTH = 500


def json_value_problems(value: Any) -> list[str]:
    """NUL characters, nesting deeper than ``MAX_DEPTH`` or a body larger than ``MAX_JSON_BYTES``."""
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
                if "\x00" in key:
                    return ["Keys may not contain NUL (\\u0000) characters."]
                stack.append((child, depth + 1))
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    if len(json.dumps(value, ensure_ascii=False).encode()) > MAX_JSON_BYTES:
        return [f"Larger than {MAX_JSON_BYTES // 1024} KB."]
    return []


def object_problems(value: Any) -> list[str]:
    """A JSON object (``{...}``) that PostgreSQL can store."""
    if not isinstance(value, dict):
        return [f"Must be a JSON object, got {type_name(value)}."]
    return json_value_problems(value)


def personalization_problems(value: Any) -> list[str]:
    """A list of at most 500 ``{"key", "source"}`` objects with distinct keys."""
    if not isinstance(value, list):
        return [f"Must be a list of {{key, source}} objects, got {type_name(value)}."]
    if len(value) > MAX_PERSONALIZATION:
        return [f"At most {MAX_PERSONALIZATION} mappings are allowed, got {len(value)}."]
    problems: list[str] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            problems.append(f"[{index}]: must be an object with key and source.")
            continue
        extra = sorted(set(item) - {"key", "source"})
        if extra:
            problems.append(f"[{index}]: unknown field(s) {', '.join(extra)}; only key and source.")
        key, source = item.get("key"), item.get("source")
        if not isinstance(key, str) or not KEY_RE.match(key):
            problems.append(
                f"[{index}].key: a token name of 1-100 letters, digits, _ . or - "
                "starting with a letter or _ is required."
            )
        elif key in seen:
            problems.append(f"[{index}].key: '{key}' is mapped twice.")
        else:
            seen.add(key)
        if not isinstance(source, str) or not source.strip():
            problems.append(f"[{index}].source: a non-empty string is required.")
        elif len(source) > MAX_SOURCE_LENGTH or "\x00" in source:
            problems.append(f"[{index}].source: at most {MAX_SOURCE_LENGTH} characters, no NUL.")
        else:
            try:
                parse_source(source)
            except SourceError as exc:
                problems.append(f"[{index}].source: {exc}.")
    return problems

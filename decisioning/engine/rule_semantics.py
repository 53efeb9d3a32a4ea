"""The one place the engine calls the shared rule module (``core.rules``).

``parse(raw, namespaces)`` validates and compiles a rule; ``evaluate(rule, record)`` says
whether a record (``{"customer": {...}, "offer": {...}, ...}``) matches it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core import rules as core_rules

CUSTOMER_ALIASES = core_rules.CUSTOMER_ALIASES


def parse(raw: Any, namespaces: tuple[str, ...]) -> Any:
    return core_rules.parse_rule(raw, namespaces=namespaces)


def evaluate(rule: Any, record: dict[str, Any]) -> bool:
    return core_rules.evaluate(rule, record)


def predicate(rule: Any) -> Callable[[dict[str, Any]], bool]:
    """``evaluate`` as one compiled closure (for loops over many records)."""
    return core_rules.predicate(rule)

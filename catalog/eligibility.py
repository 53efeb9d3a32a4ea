"""An offer's eligibility rule: the shared rule conditions of ``core.rules``.

An empty object means "everyone". Fields are namespaced (``customer.age``,
``customer.attributes.credit_score``, ``customer.country``, ``offer.priority``,
``channel.channel_type``, ``context.<key>``) because the decision engine evaluates them against more than the customer.
"""

from __future__ import annotations

from typing import Any

from catalog.validation import object_problems
from core.errors import InvalidInput
from core.rules import parse_rule

ELIGIBILITY_NAMESPACES = ("customer", "offer", "channel", "context")


def eligibility_clean(raw: Any) -> dict[str, Any]:
    """Validate ``raw`` with ``core.rules.parse_rule`` and return its normalized form (upper-case
    combinator, nested groups kept); errors are nested under ``eligibility``."""
    if raw is None or raw == {}:
        return {}
    if problems := object_problems(raw):
        raise InvalidInput(f"Invalid eligibility: {problems[0]}", details={"eligibility": problems})
    try:
        rule = parse_rule(raw, namespaces=ELIGIBILITY_NAMESPACES)
    except InvalidInput as exc:
        raise InvalidInput(
            f"Invalid eligibility: {exc.message}",
            details={"eligibility": exc.details or [exc.message]},
        ) from exc
    return rule.to_dict()

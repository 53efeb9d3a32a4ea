"""Rules as the engine sees them: the shared rule module (``core.rules``) plus a leaf view.

A rule is ``{"combinator": "AND"|"OR", "filters": [leaf | rule, ...]}`` with leaves
``{"field", "operator", "value"}``. Fields name a namespace: ``customer.*``, ``offer.*``,
``channel.*`` or ``context.*``; a field without one (``attributes.tier``) is a customer field,
so offer eligibility written for segments works unchanged.

:class:`CompiledRule` evaluates a whole rule for one record with the shared module (the real-
time meaning), and exposes its tree of leaves so the batch path can evaluate each leaf over a
column of customers and combine them with numpy. Each leaf's :meth:`Leaf.test` is the shared
module evaluating that leaf alone, so both paths share one meaning.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from decisioning.engine import rule_semantics

NAMESPACES = ("customer", "offer", "channel", "context")
MAX_DEPTH = 8
EXACT = 2**53  # integers below this are exact in a float64
_MISS = object()
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "neq": operator.ne,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


def is_plain_number(value: Any) -> bool:
    """int (not bool) below 2**53 in magnitude, or a float that is not NaN."""
    kind = type(value)
    return (kind is float and value == value) or (kind is int and -EXACT < value < EXACT)


@dataclass(frozen=True)
class NumericShortcut:
    """How a leaf answers for a plain number, as one comparison (``in``: a set lookup)."""

    operator: str
    values: tuple[float, ...]
    python: Callable[[Any], bool] = field(compare=False)


def _shortcut_for(leaf: Leaf) -> NumericShortcut | None:
    op, value = leaf.operator, leaf.value
    shortcut: NumericShortcut | None = None
    if op in _COMPARE and is_plain_number(value):
        compare, operand = _COMPARE[op], value
        shortcut = NumericShortcut(op, (float(value),), lambda x: compare(x, operand))
    elif op in ("in", "not_in") and isinstance(value, list) and value:
        if all(is_plain_number(v) for v in value):
            members, negate = frozenset(value), op == "not_in"
            shortcut = NumericShortcut(
                op, tuple(float(v) for v in value), lambda x: (x in members) != negate
            )
    elif op in ("is_null", "is_not_null"):
        answer = op == "is_not_null"
        shortcut = NumericShortcut(op, (), lambda x: answer)
    if shortcut is None:
        return None
    # Prove on probe values around the operand(s) that the shortcut means what the shared
    # rule module means for numbers; otherwise numbers take the exact path too.
    anchors = [0.0, 1.0, -1.0, 0.5, 1e9, -1e9]
    for v in shortcut.values:
        anchors += [v, v - 1, v + 1, v - 0.5, v + 0.5]
    for a in anchors:
        for probe in (a, int(a)) if a.is_integer() and abs(a) < EXACT else (a,):
            if shortcut.python(probe) != leaf.test(probe):
                return None
    return shortcut


@dataclass(frozen=True)
class Leaf:
    namespace: str
    path: tuple[str, ...]
    operator: str
    value: Any
    key: str  # stable identity for caching masks
    compiled: Any  # the shared module's rule for this leaf alone

    @property
    def column(self) -> str:
        return ".".join(self.path)

    def test(self, value: Any) -> bool:
        """The leaf's truth for one value (``columns.MISSING``: the field is absent)."""
        from decisioning.engine.columns import MISSING

        inner: dict[str, Any] = {}
        node = inner
        for segment in self.path[:-1]:
            node[segment] = {}
            node = node[segment]
        if value is not MISSING:
            node[self.path[-1]] = value
        return rule_semantics.evaluate(self.compiled, {self.namespace: inner})

    def test_record(self, record: dict[str, Any]) -> bool:
        return rule_semantics.evaluate(self.compiled, record)

    @cached_property
    def numeric(self) -> NumericShortcut | None:
        """A proven shortcut for plain-number values, or None."""
        return _shortcut_for(self)


@dataclass(frozen=True)
class Node:
    combinator: str  # "and" | "or"
    children: tuple[Node | Leaf, ...]


def _predicate(node: Node | Leaf) -> Callable[[dict[str, Any]], bool]:
    """A closure answering ``node`` for one record: plain numbers through the leaf's proven
    shortcut, everything else through the shared rule module (the exact meaning)."""
    if isinstance(node, Leaf):
        exact = rule_semantics.predicate(node.compiled)
        shortcut = node.numeric
        if shortcut is None:
            return exact
        full = (node.namespace, *node.path)
        fast = shortcut.python

        def leaf(record: dict[str, Any]) -> bool:
            x: Any = record
            for segment in full:
                if type(x) is not dict:
                    return exact(record)
                x = x.get(segment, _MISS)
            kind = type(x)
            if (kind is float and x == x) or (kind is int and -EXACT < x < EXACT):
                return fast(x)
            return exact(record)

        return leaf
    parts = tuple(_predicate(child) for child in node.children)
    if not parts:
        return lambda record: True  # an empty group matches everything
    if len(parts) == 1:
        return parts[0]
    if node.combinator == "and":

        def all_of(record: dict[str, Any]) -> bool:
            for part in parts:  # noqa: SIM110 - a plain loop: no generator in the hot path
                if not part(record):
                    return False
            return True

        return all_of

    def any_of(record: dict[str, Any]) -> bool:
        for part in parts:  # noqa: SIM110 - a plain loop: no generator in the hot path
            if part(record):
                return True
        return False

    return any_of


@dataclass(frozen=True)
class CompiledRule:
    raw: dict[str, Any]
    root: Node
    compiled: Any
    namespaces: frozenset[str]

    @cached_property
    def _predicate(self) -> Callable[[dict[str, Any]], bool]:
        return _predicate(self.root)

    def evaluate(self, record: dict[str, Any]) -> bool:
        return self._predicate(record)

    def evaluate_exact(self, record: dict[str, Any]) -> bool:
        """The shared rule module on the whole rule (what ``evaluate`` must always equal)."""
        return rule_semantics.evaluate(self.compiled, record)

    def customer_fields(self) -> set[str]:
        out: set[str] = set()
        stack: list[Node | Leaf] = [self.root]
        while stack:
            node = stack.pop()
            if isinstance(node, Leaf):
                if node.namespace == "customer":
                    out.add(node.column)
            else:
                stack.extend(node.children)
        return out


def _qualify(field: Any) -> Any:
    if not isinstance(field, str):
        return field
    head, dot, rest = field.partition(".")
    if head in NAMESPACES:
        return field
    head = rule_semantics.CUSTOMER_ALIASES.get(head, head)
    return f"customer.{head}{dot}{rest}"


def qualify(raw: Any, depth: int = 0) -> Any:
    """The rule with every field namespaced (bare fields become ``customer.*``)."""
    if depth > MAX_DEPTH:  # deeper than the rule module allows: let it report the error
        return raw
    if isinstance(raw, dict) and "filters" in raw:
        filters = raw.get("filters")
        if not isinstance(filters, list):
            return raw
        return {**raw, "filters": [qualify(f, depth + 1) for f in filters]}
    if isinstance(raw, dict) and "field" in raw:
        return {**raw, "field": _qualify(raw["field"])}
    return raw


def is_empty(raw: Any) -> bool:
    return raw is None or raw == {} or (isinstance(raw, dict) and raw.get("filters") == [])


def check_rule(raw: Any, path: str = "rule") -> None:
    """Raise ``InvalidInput``/``ValueError`` when ``raw`` is not a valid flow rule. Flow rules
    name their namespace explicitly (``customer.``, ``offer.``, ``channel.``, ``context.``)."""
    if raw is None or raw == {}:
        return
    rule_semantics.parse(raw, NAMESPACES)
    compile_rule(raw)


def _tree(raw: dict[str, Any]) -> Node | Leaf:
    if "filters" in raw and "field" not in raw:
        combinator = str(raw.get("combinator", "AND")).lower()
        children = tuple(_tree(child) for child in raw["filters"])
        return Node("or" if combinator == "or" else "and", children)
    field = raw["field"]
    namespace, _, rest = field.partition(".")
    leaf_raw = {"combinator": "AND", "filters": [raw]}
    return Leaf(
        namespace=namespace,
        path=tuple(rest.split(".")),
        operator=str(raw.get("operator")),
        value=raw.get("value"),
        key=json.dumps(raw, sort_keys=True, default=str),
        compiled=rule_semantics.parse(leaf_raw, NAMESPACES),
    )


def compile_rule(raw: Any) -> CompiledRule | None:
    """A compiled rule, or None for an empty rule (everyone matches)."""
    if is_empty(raw):
        return None
    qualified = qualify(raw)
    compiled = rule_semantics.parse(qualified, NAMESPACES)
    root = _tree(qualified)
    if isinstance(root, Leaf):
        root = Node("and", (root,))
    namespaces: set[str] = set()
    stack: list[Node | Leaf] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, Leaf):
            namespaces.add(node.namespace)
        else:
            stack.extend(node.children)
    return CompiledRule(qualified, root, compiled, frozenset(namespaces))

"""Rules over a chunk of customers: one boolean mask per rule, leaf by leaf.

Customer leaves are evaluated once per chunk and cached (many offers share conditions):
numbers with a numpy comparison when it provably means the same as the shared rule module
(checked on probe values when the leaf is first used), every other value through a lookup
table of the shared module's answer for each distinct value. Offer, channel and context
leaves are constants for one offer, so they evaluate once, in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from decisioning.engine.columns import Column, CustomerChunk
from decisioning.engine.rules import CompiledRule, Leaf, Node

Mask = Any  # np.ndarray[bool] or a plain bool for "everyone"/"no one"

_COMPARE: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "eq": lambda x, v: x == v,
    "neq": lambda x, v: x != v,
    "gt": lambda x, v: x > v,
    "gte": lambda x, v: x >= v,
    "lt": lambda x, v: x < v,
    "lte": lambda x, v: x <= v,
}


def _fast_numeric(leaf: Leaf) -> Callable[[np.ndarray], np.ndarray] | None:
    """The numpy form of the leaf's proven numeric shortcut (see ``Leaf.numeric``)."""
    shortcut = leaf.numeric
    if shortcut is None:
        return None
    op, values = shortcut.operator, shortcut.values
    if op in _COMPARE:
        compare, v = _COMPARE[op], values[0]
        return lambda x: compare(x, v)
    if op in ("in", "not_in"):
        members, negate = np.asarray(values), op == "not_in"
        return lambda x: np.isin(x, members) != negate
    answer = op == "is_not_null"
    return lambda x: np.full(x.shape, answer)


def _leaf_mask(leaf: Leaf, column: Column) -> Mask:
    n = column.codes.shape[0]
    out = np.zeros(n, dtype=bool)
    other = column.codes >= 0
    if column.others:
        lut = np.fromiter(
            (leaf.test(v) for v in column.others), dtype=bool, count=len(column.others)
        )
        out[other] = lut[column.codes[other]]
    numbers = ~other
    if numbers.any():
        values = column.floats[numbers]
        fast = _fast_numeric(leaf)
        if fast is not None:
            out[numbers] = fast(values)
        else:
            ints = (
                column.ints[numbers]
                if column.ints is not None
                else np.zeros(values.shape[0], dtype=bool)
            )
            keys = np.stack([values, ints.astype(np.float64)], axis=1)
            unique, inverse = np.unique(keys, axis=0, return_inverse=True)
            lut = np.fromiter(
                (leaf.test(int(v) if is_int else float(v)) for v, is_int in unique),
                dtype=bool,
                count=unique.shape[0],
            )
            out[numbers] = lut[inverse.reshape(-1)]
    if out.all():
        return True
    if not out.any():
        return False
    return out


class MaskCache:
    """Leaf masks for one chunk, shared by every offer and rule that uses the same leaf."""

    def __init__(self, chunk: CustomerChunk) -> None:
        self.chunk = chunk
        self.masks: dict[str, Mask] = {}

    def customer_leaf(self, leaf: Leaf) -> Mask:
        mask = self.masks.get(leaf.key)
        if mask is None:
            column = self.chunk.columns.get(leaf.column)
            if column is None:
                raise KeyError(f"chunk has no customer column '{leaf.column}'")
            mask = self.masks[leaf.key] = _leaf_mask(leaf, column)
        return mask


def _and(a: Mask, b: Mask) -> Mask:
    if a is False or b is False:
        return False
    if a is True:
        return b
    if b is True:
        return a
    return a & b


def _or(a: Mask, b: Mask) -> Mask:
    if a is True or b is True:
        return True
    if a is False:
        return b
    if b is False:
        return a
    return a | b


def _node(node: Node | Leaf, scalars: dict[str, Any], cache: MaskCache) -> Mask:
    if isinstance(node, Leaf):
        if node.namespace == "customer":
            return cache.customer_leaf(node)
        return node.test_record(scalars)
    if not node.children:
        return True  # an empty group matches everything, whatever its combinator
    if node.combinator == "and":
        acc: Mask = True
        for child in node.children:
            acc = _and(acc, _node(child, scalars, cache))
            if acc is False:
                return False
        return acc
    acc = False
    for child in node.children:
        acc = _or(acc, _node(child, scalars, cache))
        if acc is True:
            return True
    return acc


def rule_mask(rule: CompiledRule, scalars: dict[str, Any], cache: MaskCache) -> Mask:
    """Which customers of the chunk match ``rule`` for this offer/channel/context."""
    return _node(rule.root, scalars, cache)

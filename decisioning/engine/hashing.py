"""Deterministic, platform-independent hashing for weighted creative choice.

The same (customer, offer, salt) always maps to the same number in [0, 1), in the real-time
path (plain Python ints) and in batch (numpy uint64), so reruns and both paths agree.
"""

from __future__ import annotations

import hashlib
from typing import Any

MASK64 = (1 << 64) - 1
_INV_2_53 = 1.0 / (1 << 53)


def key64(value: Any) -> int:
    """A stable 64-bit key: non-negative ints below 2**63 are used as they are, anything else
    is hashed (blake2b) from its string form."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < (1 << 63):
        return value
    digest = hashlib.blake2b(str(value).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") & ((1 << 63) - 1)


def splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def unit(customer_key: int, offer_key: int, salt_key: int) -> float:
    """A uniform number in [0, 1) for this customer, offer and salt."""
    h = splitmix64(splitmix64(customer_key ^ offer_key) ^ salt_key)
    return (h >> 11) * _INV_2_53


def unit_array(customer_keys: Any, offer_keys: Any, salt_key: int) -> Any:
    """Vectorised :func:`unit` over numpy uint64 arrays (same results bit for bit)."""
    import numpy as np

    def mix(x: Any) -> Any:
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))

    with np.errstate(over="ignore"):
        c = np.asarray(customer_keys, dtype=np.uint64)
        o = np.asarray(offer_keys, dtype=np.uint64)
        h = mix(mix(c ^ o) ^ np.uint64(salt_key))
    return (h >> np.uint64(11)).astype(np.float64) * _INV_2_53


def weighted_pick(weights: list[float], u: float) -> int:
    """Index chosen by ``u`` in [0, 1) over cumulative ``weights`` (all zero: uniform)."""
    total = sum(weights)
    if total <= 0:
        weights = [1.0] * len(weights)
        total = float(len(weights))
    target = u * total
    acc = 0.0
    for i, w in enumerate(weights):
        acc += w
        if target < acc:
            return i
    return len(weights) - 1

"""Columnar customers for the batch path.

A :class:`Column` holds one customer field for a chunk in two parts: plain numbers as a float64
array (NaN elsewhere), and every other value (strings, booleans, null, missing, objects) as
codes into a small list of distinct Python values. Rules then run as numpy comparisons on the
numbers and as a lookup table over the distinct other values (evaluated once each with the
shared rule module, so their meaning is exactly the real-time one).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from decisioning.engine.data import HistoryEvent

# 2**53: above this a float64 cannot hold every integer, so such numbers take the exact path.
EXACT_FLOAT_LIMIT = 9_007_199_254_740_992


class _Missing:
    """A field the customer record does not have at all (distinct from null)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


def is_plain_number(value: Any) -> bool:
    cls = value.__class__
    if cls is float:
        return value == value  # every float but NaN is exact in float64
    if cls is int:
        return -EXACT_FLOAT_LIMIT < value < EXACT_FLOAT_LIMIT
    return False


@dataclass
class Column:
    floats: np.ndarray  # float64; NaN where the value is not a plain number
    codes: np.ndarray  # int32; index into ``others``; -1 where the value is a plain number
    others: list[Any]  # distinct non-number values (may include MISSING)
    ints: np.ndarray | None = None  # bool; True where the number was an int (None: no ints)

    @classmethod
    def from_values(cls, values: Sequence[Any]) -> Column:
        n = len(values)
        floats = np.full(n, np.nan)
        codes = np.full(n, -1, dtype=np.int32)
        ints = np.zeros(n, dtype=bool)
        index: dict[Any, int] = {}
        others: list[Any] = []
        unhashable: list[Any] = []
        for r, value in enumerate(values):
            if is_plain_number(value):
                floats[r] = value
                if value.__class__ is int:
                    ints[r] = True
                continue
            try:
                key: Any = (value.__class__, value)
                hash(key)
            except TypeError:
                unhashable.append(value)
                key = ("unhashable", len(unhashable) - 1)
            code = index.get(key)
            if code is None:
                code = index[key] = len(others)
                others.append(value)
            codes[r] = code
        return cls(floats, codes, others, ints if ints.any() else None)


def path_value(record: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = record
    for segment in path:
        if not isinstance(value, dict) or segment not in value:
            return MISSING
        value = value[segment]
    return value


@dataclass
class ChunkHistory:
    """The chunk's interaction history as parallel arrays (one row per interaction)."""

    row: np.ndarray  # int32: customer row in the chunk
    offer: np.ndarray  # int32: offer index in the prepared flow, -1 unknown
    category: np.ndarray  # int32: category code, -1 none/unknown
    channel: np.ndarray  # int32: channel index, -1 none/unknown
    outcome: np.ndarray  # int16: index into ``outcomes``
    at_us: np.ndarray  # int64: epoch microseconds
    outcomes: list[str] = field(default_factory=list)
    weight: np.ndarray | None = None  # int64: events this row stands for (None: 1 each)

    @classmethod
    def empty(cls) -> ChunkHistory:
        z32 = np.zeros(0, dtype=np.int32)
        return cls(z32, z32, z32, z32, np.zeros(0, dtype=np.int16), np.zeros(0, dtype=np.int64))

    @classmethod
    def from_events(
        cls,
        rows: Iterable[tuple[int, HistoryEvent]],
        *,
        offer_index: dict[str, int],
        category_code: dict[str, int],
        channel_index: dict[str, int],
    ) -> ChunkHistory:
        outcomes: dict[str, int] = {}
        r_, o_, c_, ch_, out_, at_ = [], [], [], [], [], []
        for row, e in rows:
            r_.append(row)
            o_.append(offer_index.get(e.offer_id, -1) if e.offer_id is not None else -1)
            c_.append(category_code.get(e.category_id, -1) if e.category_id is not None else -1)
            ch_.append(channel_index.get(e.channel_id, -1) if e.channel_id is not None else -1)
            out_.append(outcomes.setdefault(e.outcome, len(outcomes)))
            at_.append(e.at_us)
        return cls(
            np.asarray(r_, dtype=np.int32),
            np.asarray(o_, dtype=np.int32),
            np.asarray(c_, dtype=np.int32),
            np.asarray(ch_, dtype=np.int32),
            np.asarray(out_, dtype=np.int16),
            np.asarray(at_, dtype=np.int64),
            list(outcomes),
        )


@dataclass
class CustomerChunk:
    """A chunk of customers, columnar.

    ``ids``: customer ids in chunk order. ``columns``: customer field path (``"country"``,
    ``"attributes.tier"``) -> :class:`Column`, at least for every field the flow's rules read
    (``required_customer_fields``). ``records``: full customer records, needed only to render
    content (``render=True``). ``history``: the chunk's interactions within the policies'
    longest window, or None when the flow has no contact policy.
    """

    ids: Sequence[Any]
    columns: dict[str, Column]
    records: Sequence[dict[str, Any]] | None = None
    history: ChunkHistory | None = None
    keys: np.ndarray | None = None  # uint64 hash keys of ids (computed when needed)

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_records(
        cls,
        ids: Sequence[Any],
        records: Sequence[dict[str, Any]],
        fields: Iterable[str],
        history: ChunkHistory | None = None,
    ) -> CustomerChunk:
        columns = {}
        for name in fields:
            path = tuple(name.split("."))
            columns[name] = Column.from_values([path_value(r, path) for r in records])
        return cls(ids=ids, columns=columns, records=records, history=history)

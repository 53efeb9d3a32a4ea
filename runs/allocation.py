"""Volume caps, applied once over the whole run in segment order.

Customers are visited in ascending id (segment order); each customer's candidates in rank
order. A candidate is taken when the customer still has room (the flow's per-customer limit),
its offer and channel are under ``maxPerOffer`` / ``maxPerChannel``, the run is under
``maxTotalPerRun`` and the customer does not already have that offer. A capped candidate is
passed over for the customer's next-best one (fallback). Once ``maxTotalPerRun`` is reached
the remaining customers are skipped.

The result depends only on the candidates, never on chunk size or how many workers produced
them, so reruns are identical.

:class:`Allocator` states the rule one candidate at a time (the reference).
:class:`ArrayAllocator` computes the same picks over a chunk's candidate matrices with numpy:
as long as no cap binds, every customer simply takes their first distinct offers, so it takes
whole stretches of customers at once and only steps through, one customer, the customer at
which a cap is about to be reached. Each such step fills an offer, a channel or the run, so
there are at most ``offers + channels + 1`` of them per run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np


class Candidate(NamedTuple):
    customer_id: int
    rank: int
    offer_id: str
    channel_id: str
    creative_id: str
    score: float


@dataclass
class Caps:
    max_total: int | None = None
    max_per_offer: int | None = None
    max_per_channel: int | None = None

    @classmethod
    def from_config(cls, config: dict | None) -> Caps:
        config = config or {}
        return cls(
            config.get("maxTotalPerRun"), config.get("maxPerOffer"), config.get("maxPerChannel")
        )

    @property
    def any(self) -> bool:
        return any(
            v is not None for v in (self.max_total, self.max_per_offer, self.max_per_channel)
        )


@dataclass
class Allocator:
    caps: Caps
    per_customer: int
    total: int = 0
    by_offer: Counter = field(default_factory=Counter)
    by_channel: Counter = field(default_factory=Counter)
    customers_with_offer: int = 0
    skipped_by_caps: int = 0
    exhausted: bool = False

    def allocate_customer(self, candidates: list[Candidate]) -> list[Candidate]:
        """Pick this customer's offers; ``candidates`` are one customer's, in rank order."""
        if self.exhausted:
            self.skipped_by_caps += 1
            return []
        caps = self.caps
        chosen: list[Candidate] = []
        offers_taken: set[str] = set()
        for cand in candidates:
            if len(chosen) >= self.per_customer:
                break
            if caps.max_total is not None and self.total >= caps.max_total:
                self.exhausted = True
                break
            if cand.offer_id in offers_taken:
                continue
            if (
                caps.max_per_offer is not None
                and self.by_offer[cand.offer_id] >= caps.max_per_offer
            ):
                continue
            if (
                caps.max_per_channel is not None
                and self.by_channel[cand.channel_id] >= caps.max_per_channel
            ):
                continue
            chosen.append(cand)
            offers_taken.add(cand.offer_id)
            self.total += 1
            self.by_offer[cand.offer_id] += 1
            self.by_channel[cand.channel_id] += 1
        if chosen:
            self.customers_with_offer += 1
        elif candidates:
            self.skipped_by_caps += 1
        if caps.max_total is not None and self.total >= caps.max_total:
            self.exhausted = True
        return chosen

    def allocate(self, candidates: Iterable[Candidate]) -> Iterator[tuple[Candidate, int]]:
        """Stream (candidate, new rank) over candidates sorted by (customer_id, rank)."""
        current: list[Candidate] = []
        for cand in candidates:
            if current and cand.customer_id != current[0].customer_id:
                yield from self._ranked(self.allocate_customer(current))
                current = []
            current.append(cand)
        if current:
            yield from self._ranked(self.allocate_customer(current))

    @staticmethod
    def _ranked(chosen: list[Candidate]) -> Iterator[tuple[Candidate, int]]:
        for position, cand in enumerate(chosen, start=1):
            yield cand, position


_NO_LIMIT = np.iinfo(np.int64).max


@dataclass
class ArrayAllocator:
    """:class:`Allocator`'s rule over candidate matrices, chunk after chunk in segment order.

    A chunk is given as ``limit[r]`` (how many offers customer ``r`` may get), ``count[r]``
    (their candidates, in columns ``0 .. count[r]-1``) and ``offer`` / ``channel`` matrices
    of indexes (``-1`` pads). :meth:`allocate` returns the new rank of every taken candidate
    (``0`` = not taken) and updates the run's counters.
    """

    caps: Caps
    offers: int
    channels: int
    total: int = 0
    customers_with_offer: int = 0
    skipped_by_caps: int = 0
    exhausted: bool = False
    by_offer: np.ndarray = field(init=False)
    by_channel: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.by_offer = np.zeros(max(self.offers, 1), dtype=np.int64)
        self.by_channel = np.zeros(max(self.channels, 1), dtype=np.int64)

    def allocate(
        self, limit: np.ndarray, count: np.ndarray, offer: np.ndarray, channel: np.ndarray
    ) -> np.ndarray:
        n, depth = offer.shape
        ranks = np.zeros((n, depth), dtype=np.int16)
        start = 0
        while start < n:
            if self.exhausted:
                self.skipped_by_caps += int(np.count_nonzero(count[start:] > 0))
                break
            take = self._free_picks(limit[start:], count[start:], offer[start:], channel[start:])
            stop = start + self._first_binding_row(take, offer[start:], channel[start:])
            self._accept(ranks, start, stop, take[: stop - start], count, offer, channel)
            if stop < n:
                self._step(ranks, stop, int(limit[stop]), int(count[stop]), offer, channel)
            start = stop + 1
        return ranks

    # -- vectorised stretch -----------------------------------------------------------------

    def _free_picks(
        self, limit: np.ndarray, count: np.ndarray, offer: np.ndarray, channel: np.ndarray
    ) -> np.ndarray:
        """What each customer takes if no cap is reached: their first ``limit`` distinct
        offers among the candidates whose offer and channel are not already full."""
        n, depth = offer.shape
        caps = self.caps
        ok = np.arange(depth)[None, :] < count[:, None]
        if caps.max_per_offer is not None:
            full = self.by_offer >= caps.max_per_offer
            ok &= ~full[np.where(ok, offer, 0)]
        if caps.max_per_channel is not None:
            full = self.by_channel >= caps.max_per_channel
            ok &= ~full[np.where(ok, channel, 0)]
        take = np.zeros((n, depth), dtype=bool)
        taken = np.zeros(n, dtype=np.int64)
        for t in range(depth):
            pick = ok[:, t] & (taken < limit)
            for u in range(t):
                pick &= ~(take[:, u] & (offer[:, u] == offer[:, t]))
            take[:, t] = pick
            taken += pick
        return take

    def _first_binding_row(self, take: np.ndarray, offer: np.ndarray, channel: np.ndarray) -> int:
        """The first customer whose free picks would break a cap (``len(take)`` if none)."""
        rows, cols = np.nonzero(take)  # row-major: segment order, then rank order
        caps = self.caps
        first = rows.size
        if caps.max_total is not None:
            first = min(first, max(caps.max_total - self.total, 0))
        if caps.max_per_offer is not None and rows.size:
            first = min(first, _first_over(offer[rows, cols], caps.max_per_offer - self.by_offer))
        if caps.max_per_channel is not None and rows.size:
            first = min(
                first, _first_over(channel[rows, cols], caps.max_per_channel - self.by_channel)
            )
        return int(rows[first]) if first < rows.size else len(take)

    def _accept(
        self,
        ranks: np.ndarray,
        start: int,
        stop: int,
        take: np.ndarray,
        count: np.ndarray,
        offer: np.ndarray,
        channel: np.ndarray,
    ) -> None:
        if stop <= start:
            return
        ranks[start:stop] = np.where(take, np.cumsum(take, axis=1), 0)
        got = take.any(axis=1)
        self.customers_with_offer += int(np.count_nonzero(got))
        self.skipped_by_caps += int(np.count_nonzero(~got & (count[start:stop] > 0)))
        picked_offer = offer[start:stop][take]
        picked_channel = channel[start:stop][take]
        self.total += int(picked_offer.size)
        self.by_offer += np.bincount(picked_offer, minlength=self.by_offer.size)
        self.by_channel += np.bincount(picked_channel, minlength=self.by_channel.size)
        if self.caps.max_total is not None and self.total >= self.caps.max_total:
            self.exhausted = True

    # -- one customer at a cap ----------------------------------------------------------------

    def _step(
        self,
        ranks: np.ndarray,
        r: int,
        limit: int,
        count: int,
        offer: np.ndarray,
        channel: np.ndarray,
    ) -> None:
        """:meth:`Allocator.allocate_customer` for customer ``r``, word for word."""
        if self.exhausted:
            self.skipped_by_caps += 1 if count > 0 else 0
            return
        caps = self.caps
        chosen = 0
        taken: set[int] = set()
        for t in range(count):
            if chosen >= limit:
                break
            if caps.max_total is not None and self.total >= caps.max_total:
                self.exhausted = True
                break
            o, k = int(offer[r, t]), int(channel[r, t])
            if o in taken:
                continue
            if caps.max_per_offer is not None and self.by_offer[o] >= caps.max_per_offer:
                continue
            if caps.max_per_channel is not None and self.by_channel[k] >= caps.max_per_channel:
                continue
            chosen += 1
            ranks[r, t] = chosen
            taken.add(o)
            self.total += 1
            self.by_offer[o] += 1
            self.by_channel[k] += 1
        if chosen:
            self.customers_with_offer += 1
        elif count > 0:
            self.skipped_by_caps += 1
        if caps.max_total is not None and self.total >= caps.max_total:
            self.exhausted = True


def _first_over(keys: np.ndarray, room: np.ndarray) -> int:
    """The position of the first pick in ``keys`` (in order) beyond its key's ``room``, or
    ``len(keys)``: the k-th pick of a key (from 0) is over when k >= room[key]."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sizes = np.diff(np.r_[starts, ordered.size])
    occurrence = np.empty(keys.size, dtype=np.int64)
    occurrence[order] = np.arange(keys.size) - np.repeat(starts, sizes)
    over = np.flatnonzero(occurrence >= room[keys])
    return int(over[0]) if over.size else keys.size

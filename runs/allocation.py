"""Volume caps, applied once over the whole run in segment order.

Customers are visited in ascending id (segment order); each customer's candidates in rank
order. A candidate is taken when the customer still has room (the flow's per-customer limit),
its offer and channel are under ``maxPerOffer`` / ``maxPerChannel``, the run is under
``maxTotalPerRun`` and the customer does not already have that offer. A capped candidate is
passed over for the customer's next-best one (fallback). Once ``maxTotalPerRun`` is reached
the remaining customers are skipped.

The result depends only on the candidates, never on chunk size or how many workers produced
them, so reruns are identical.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple


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

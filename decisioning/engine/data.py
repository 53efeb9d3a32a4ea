"""Plain data the engine works on. Nothing here touches the ORM: a snapshot is built once (per
run, or cached per process for real time) and then read by the per-customer loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class OfferData:
    id: str
    name: str
    status: str
    category_id: str | None
    category_name: str | None
    priority: float
    business_value: float | None
    start_at: datetime | None
    end_at: datetime | None
    eligibility: Any  # raw rule JSON, or None
    record: dict[str, Any]  # what ``offer.*`` resolves to in rules
    category_active: bool = True


@dataclass(frozen=True)
class ChannelData:
    id: str
    name: str
    channel_type: str
    delivery_mode: str
    record: dict[str, Any]  # what ``channel.*`` resolves to in rules


@dataclass(frozen=True)
class CreativeData:
    id: str
    name: str
    offer_id: str
    channel_id: str
    placement_id: str | None
    weight: float
    template_type: str
    content: Any
    personalization: Any


@dataclass(frozen=True)
class PlacementData:
    id: str
    name: str
    channel_id: str


@dataclass(frozen=True)
class OutcomeCounts:
    """Learned-propensity counters, summed over channels: ``counts[offer_id][outcome] = n``."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(eq=False)
class Snapshot:
    """Everything a decision needs except the customer: the flow version's normalised config
    and the tenant's catalog, creatives and learned counters at one instant."""

    tenant_id: str
    flow_id: str
    flow_key: str
    flow_version: int
    config: dict[str, Any]
    offers: tuple[OfferData, ...]
    channels: tuple[ChannelData, ...]
    creatives: tuple[CreativeData, ...]
    placements: tuple[PlacementData, ...] = ()
    outcome_counts: OutcomeCounts = field(default_factory=OutcomeCounts)
    taken_at: datetime | None = None
    _prepared: Any = field(default=None, repr=False)

    def prepared(self) -> Any:
        """The per-snapshot precomputation (:class:`PreparedFlow`), built once."""
        if self._prepared is None:
            from decisioning.engine.prepared import prepare

            self._prepared = prepare(self)
        return self._prepared


@dataclass(frozen=True)
class HistoryEvent:
    """One past interaction of a customer, as contact policies see it."""

    offer_id: str | None
    category_id: str | None
    channel_id: str | None
    outcome: str
    at_us: int  # epoch microseconds


@dataclass
class CustomerInput:
    """One customer for a real-time decision. ``record`` is what ``customer.*`` resolves to."""

    id: Any
    record: dict[str, Any]
    history: list[HistoryEvent] = field(default_factory=list)


@dataclass(frozen=True)
class DecisionOptions:
    """Per-call options shared by the real-time and batch paths."""

    now: datetime
    limit: int | None = None  # None: the flow's ranking.limit
    depth: int | None = None  # ranked candidates to return (>= limit); None: limit
    channel_ids: tuple[str, ...] | None = None  # None: the flow's creativeMatch.channelIds
    placement_id: str | None = None  # None: the flow's creativeMatch.placementId
    context: dict[str, Any] = field(default_factory=dict)
    debug: bool = False
    render: bool = True


@dataclass
class Decision:
    offer_id: str
    offer_name: str
    category_id: str | None
    category_name: str | None
    channel_id: str
    channel_name: str
    creative_id: str
    creative_name: str
    placement_id: str | None
    score: float
    rank: int
    content: Any = None
    terms: dict[str, float] | None = None

    @classmethod
    def of(
        cls,
        offer: OfferData,
        channel: ChannelData,
        creative: CreativeData,
        *,
        score: float,
        rank: int,
        content: Any = None,
        terms: dict[str, float] | None = None,
    ) -> Decision:
        """The decision to show ``offer`` on ``channel`` with ``creative`` (batch and real
        time name them the same way)."""
        return cls(
            offer_id=offer.id,
            offer_name=offer.name,
            category_id=offer.category_id,
            category_name=offer.category_name,
            channel_id=channel.id,
            channel_name=channel.name,
            creative_id=creative.id,
            creative_name=creative.name,
            placement_id=creative.placement_id,
            score=score,
            rank=rank,
            content=content,
            terms=terms,
        )


@dataclass
class DecisionResult:
    customer_id: Any
    decisions: list[Decision]
    trace: dict[str, Any] | None = None

"""Contact policies for one customer, from their interaction history (real-time path).

Windows are rolling: an event counts when ``at >= now - days`` (day = 1, week = 7,
month = 30 days), whatever the customer's timezone. The batch path computes the same counts
with numpy over a whole chunk (``decisioning.engine.batch``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from decisioning.engine.data import HistoryEvent
from decisioning.engine.prepared import US_PER_DAY, PreparedFlow

INF = 1 << 62


@dataclass
class PolicyState:
    """What the history allows for one customer."""

    dropped: dict[int, str] = field(default_factory=dict)  # offer index -> reason
    overall_budget: int = INF
    category_budget: dict[int, int] = field(default_factory=dict)  # category code -> left
    channel_budget: dict[int, int] = field(default_factory=dict)  # channel index -> left


def policy_state(prep: PreparedFlow, history: Sequence[HistoryEvent], now_us: int) -> PolicyState:
    state = PolicyState()
    if not (prep.caps or prep.cooldowns or prep.exclusions):
        return state
    offers = prep.offers
    category_code_by_id: dict[str, int] = {}
    for i, offer in enumerate(offers):
        if offer.category_id is not None:
            category_code_by_id[offer.category_id] = prep.category_code[i]

    def recent(days: int, outcomes: frozenset[str]) -> list[HistoryEvent]:
        cutoff = now_us - days * US_PER_DAY
        return [e for e in history if e.outcome in outcomes and e.at_us >= cutoff]

    for cap in prep.caps:
        events = recent(cap.days, cap.outcomes)
        label = f"frequency cap: {cap.max} per {cap.scope} per {cap.days}d"
        if cap.scope == "overall":
            state.overall_budget = min(state.overall_budget, cap.max - len(events))
        elif cap.scope == "offer":
            counts: dict[str, int] = {}
            for e in events:
                if e.offer_id is not None:
                    counts[e.offer_id] = counts.get(e.offer_id, 0) + 1
            for i, offer in enumerate(offers):
                if counts.get(offer.id, 0) >= cap.max:
                    state.dropped.setdefault(i, label)
        elif cap.scope == "category":
            counts = {}
            for e in events:
                if e.category_id is not None:
                    counts[e.category_id] = counts.get(e.category_id, 0) + 1
            for category_id, code in category_code_by_id.items():
                left = cap.max - counts.get(category_id, 0)
                state.category_budget[code] = min(state.category_budget.get(code, INF), left)
            for i in range(len(offers)):
                code = prep.category_code[i]
                if code >= 0 and state.category_budget.get(code, INF) <= 0:
                    state.dropped.setdefault(i, label)
        else:  # channel
            counts = {}
            for e in events:
                if e.channel_id is not None:
                    counts[e.channel_id] = counts.get(e.channel_id, 0) + 1
            for k, channel in enumerate(prep.channels):
                left = cap.max - counts.get(channel.id, 0)
                state.channel_budget[k] = min(state.channel_budget.get(k, INF), left)

    for cooldown in prep.cooldowns:
        events = recent(cooldown.days, cooldown.outcomes)
        label = f"cooldown: {cooldown.days}d after {'/'.join(sorted(cooldown.outcomes))}"
        if cooldown.scope == "offer":
            for e in events:
                at = prep.offer_index.get(e.offer_id or "")
                if at is not None:
                    state.dropped.setdefault(at, label)
        else:
            hit = {e.category_id for e in events if e.category_id is not None}
            for i, offer in enumerate(offers):
                if offer.category_id is not None and offer.category_id in hit:
                    state.dropped.setdefault(i, label)

    for group in prep.exclusions:
        if group.window_days is None:
            continue
        events = recent(group.window_days, group.outcomes)
        seen = {e.offer_id for e in events if e.offer_id in group.offer_ids}
        for i in group.offers:
            if seen - {offers[i].id}:
                state.dropped.setdefault(
                    i, "mutual exclusion: another offer of its group is recent"
                )
    return state

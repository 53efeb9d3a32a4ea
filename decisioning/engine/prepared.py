"""Per-snapshot precomputation shared by the real-time and batch paths.

Everything here depends on the snapshot only (not on a customer), so it is built once per run
or once per cached real-time snapshot: the inventory, compiled rules, per-offer score terms,
creatives by (offer, channel, placement), tie-break order, categories and exclusion groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from decisioning.engine.data import ChannelData, CreativeData, OfferData, Snapshot
from decisioning.engine.hashing import key64
from decisioning.engine.propensity import offer_propensities
from decisioning.engine.rules import CompiledRule, compile_rule
from decisioning.flow_config import PERIODS

US_PER_DAY = 86_400_000_000


def epoch_us(at: datetime) -> int:
    """Microseconds since the epoch, exactly (no float rounding)."""
    delta = at - datetime(1970, 1, 1, tzinfo=at.tzinfo)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass(frozen=True)
class ContextWeight:
    rule: CompiledRule | None
    factor: float  # weight ** formula.weights.context, applied when the rule matches
    offers: frozenset[int] | None  # offer indexes it applies to (None: all)


@dataclass(frozen=True)
class FrequencyCap:
    scope: str  # offer | category | channel | overall
    max: int
    days: int
    outcomes: frozenset[str]


@dataclass(frozen=True)
class Cooldown:
    scope: str  # offer | category
    days: int
    outcomes: frozenset[str]


@dataclass(frozen=True)
class Exclusion:
    offers: frozenset[int]  # offer indexes in the group
    offer_ids: frozenset[str]
    window_days: int | None
    outcomes: frozenset[str]


@dataclass
class PreparedFlow:
    snapshot: Snapshot
    offers: tuple[OfferData, ...]
    offer_index: dict[str, int]
    in_inventory: tuple[bool, ...]  # by offer index: mode, status and category checks
    inventory_reason: tuple[str | None, ...]
    start_us: tuple[int | None, ...]
    end_us: tuple[int | None, ...]
    offer_rules: tuple[CompiledRule | None, ...]
    flow_rules: tuple[CompiledRule, ...]
    base_score: tuple[float, ...]
    terms: tuple[dict[str, float], ...]
    context_weights: tuple[ContextWeight, ...]
    tie_order: tuple[int, ...]  # offer index -> position in tie-break order
    category_code: tuple[int, ...]  # -1: no category
    caps: tuple[FrequencyCap, ...]
    cooldowns: tuple[Cooldown, ...]
    exclusions: tuple[Exclusion, ...]
    channels: tuple[ChannelData, ...]
    channel_index: dict[str, int]
    limit: int
    one_per_category: bool
    salt_key: int
    offer_keys: tuple[int, ...]
    personalize: bool
    config: dict[str, Any]
    _creatives: dict[tuple[str | None], Any] = field(default_factory=dict)
    creatives_by_pair: dict[tuple[int, int], tuple[CreativeData, ...]] = field(default_factory=dict)
    max_history_days: int = 0
    creative_list: tuple[CreativeData, ...] = ()
    creative_position: dict[str, int] = field(default_factory=dict)
    compiled_creatives: dict[str, Any] = field(default_factory=dict)

    @property
    def history_windows(self) -> list[int]:
        """The distinct policy windows in days, shortest first."""
        days = {cap.days for cap in self.caps} | {c.days for c in self.cooldowns}
        days |= {g.window_days for g in self.exclusions if g.window_days is not None}
        return sorted(days)

    @cached_property
    def history_outcomes(self) -> list[str]:
        """The outcomes any contact policy counts (history of other outcomes is never read).
        Computed once per prepared flow: /recommend asks on every request."""
        out: set[str] = set()
        for cap in self.caps:
            out |= cap.outcomes
        for cooldown in self.cooldowns:
            out |= cooldown.outcomes
        for group in self.exclusions:
            if group.window_days is not None:
                out |= group.outcomes
        return sorted(out)

    def customer_fields(self) -> set[str]:
        """Customer field paths (``country``, ``attributes.tier``) the flow's rules read."""
        out: set[str] = set()
        rules = [*self.offer_rules, *self.flow_rules, *(cw.rule for cw in self.context_weights)]
        for rule in rules:
            if rule is not None:
                out |= rule.customer_fields()
        return out

    # --- creatives -------------------------------------------------------------------------
    def creatives_for(
        self, placement_id: str | None
    ) -> dict[tuple[int, int], tuple[CreativeData, ...]]:
        """Creatives by (offer index, channel index) for a placement, sorted by id.

        With a placement: its creatives, else the channel's creatives without a placement.
        Without one: every creative of the (offer, channel)."""
        cached = self._creatives.get((placement_id,))
        if cached is not None:
            return cached
        result: dict[tuple[int, int], tuple[CreativeData, ...]] = {}
        for pair, creatives in self.creatives_by_pair.items():
            if placement_id is None:
                chosen = creatives
            else:
                chosen = tuple(c for c in creatives if c.placement_id == placement_id)
                if not chosen:
                    chosen = tuple(c for c in creatives if c.placement_id is None)
            if chosen:
                result[pair] = chosen
        self._creatives[(placement_id,)] = result
        return result

    def channel_order(self, channel_ids: Sequence[str] | None) -> tuple[int, ...]:
        """Channel indexes in preference order: the call's, else the flow's, else all."""
        wanted = channel_ids if channel_ids else self.config["creativeMatch"]["channelIds"]
        if wanted:
            return tuple(self.channel_index[c] for c in wanted if c in self.channel_index)
        return tuple(range(len(self.channels)))


def _inventory(config: dict, offer: OfferData) -> str | None:
    inv = config["inventory"]
    if offer.status != "active":
        return f"offer status is {offer.status}"
    if not offer.category_active:
        return "its category is not active"
    if inv["mode"] == "categories" and offer.category_id not in inv["categoryIds"]:
        return "not in the flow's categories"
    if inv["mode"] == "offers" and offer.id not in inv["offerIds"]:
        return "not in the flow's offer list"
    return None


def prepare(snapshot: Snapshot) -> PreparedFlow:
    config = snapshot.config
    # Snapshot order is irrelevant to the outcome: offers are sorted by id here, and ties are
    # broken by (priority desc, id asc) below.
    offers = tuple(sorted(snapshot.offers, key=lambda o: o.id))
    offer_index = {o.id: i for i, o in enumerate(offers)}
    reasons = tuple(_inventory(config, o) for o in offers)

    apply_offer_rules = config["eligibility"]["applyOfferRules"]
    offer_rules = tuple(compile_rule(o.eligibility) if apply_offer_rules else None for o in offers)
    flow_rules = tuple(
        r for r in (compile_rule(raw) for raw in config["eligibility"]["rules"]) if r is not None
    )

    scoring = config["scoring"]
    props = offer_propensities(snapshot, offers)
    weights = scoring["formula"]["weights"]
    levers = scoring["levers"]
    base: list[float] = []
    terms: list[dict[str, float]] = []
    for i, offer in enumerate(offers):
        value = float(offer.business_value or 0)
        value = value if value > 0 else float(scoring["formula"]["defaultValue"])
        lever = levers["offers"].get(offer.id)
        if lever is None:
            lever = levers["categories"].get(offer.category_id or "", 1.0)
        lever = float(lever)
        propensity = props[i]
        priority = float(offer.priority)
        method = scoring["method"]
        if method == "priority":
            score = priority * float(scoring["priorityWeight"])
        elif method == "propensity":
            score = propensity
        else:
            score = 1.0
            for term, x in (("propensity", propensity), ("value", value), ("lever", lever)):
                w = float(weights[term])
                if w == 1.0:
                    score *= x
                elif w != 0.0:
                    score *= x**w
        base.append(score)
        terms.append(
            {
                "priority": priority,
                "propensity": propensity,
                "value": value,
                "lever": lever,
                "base": score,
            }
        )

    context_weights: list[ContextWeight] = []
    if scoring["method"] == "formula":
        wc = float(weights["context"])
        for entry in scoring["contextWeights"]:
            if wc == 0.0:
                break
            targets: frozenset[int] | None = None
            if entry["offerIds"] or entry["categoryIds"]:
                cats = set(entry["categoryIds"])
                ids = set(entry["offerIds"])
                targets = frozenset(
                    i for i, o in enumerate(offers) if o.id in ids or o.category_id in cats
                )
            factor = float(entry["weight"]) if wc == 1.0 else float(entry["weight"]) ** wc
            context_weights.append(ContextWeight(compile_rule(entry["rule"]), factor, targets))

    tie = sorted(range(len(offers)), key=lambda i: (-offers[i].priority, offers[i].id))
    tie_order = [0] * len(offers)
    for position, i in enumerate(tie):
        tie_order[i] = position

    categories = sorted({o.category_id for o in offers if o.category_id is not None})
    category_code = {c: k for k, c in enumerate(categories)}

    caps: list[FrequencyCap] = []
    cooldowns: list[Cooldown] = []
    exclusions: list[Exclusion] = []
    max_days = 0
    for policy in config["contactPolicies"]:
        kind = policy["type"]
        if kind == "frequencyCap":
            days = PERIODS[policy["period"]]
            caps.append(
                FrequencyCap(policy["scope"], policy["max"], days, frozenset(policy["outcomes"]))
            )
        elif kind == "cooldown":
            days = policy["days"]
            cooldowns.append(Cooldown(policy["scope"], days, frozenset(policy["outcomes"])))
        else:
            days = policy["windowDays"] or 0
            known = [o for o in policy["offerIds"] if o in offer_index]
            exclusions.append(
                Exclusion(
                    frozenset(offer_index[o] for o in known),
                    frozenset(known),
                    policy["windowDays"],
                    frozenset(policy["outcomes"]),
                )
            )
        max_days = max(max_days, days)

    channels = tuple(sorted(snapshot.channels, key=lambda c: c.id))
    channel_index = {c.id: k for k, c in enumerate(channels)}
    by_pair: dict[tuple[int, int], list[CreativeData]] = {}
    creative_list = tuple(sorted(snapshot.creatives, key=lambda c: c.id))
    for creative in creative_list:
        at = offer_index.get(creative.offer_id)
        k = channel_index.get(creative.channel_id)
        if at is not None and k is not None:
            by_pair.setdefault((at, k), []).append(creative)

    match = config["creativeMatch"]
    return PreparedFlow(
        snapshot=snapshot,
        offers=offers,
        offer_index=offer_index,
        in_inventory=tuple(r is None for r in reasons),
        inventory_reason=reasons,
        start_us=tuple(epoch_us(o.start_at) if o.start_at else None for o in offers),
        end_us=tuple(epoch_us(o.end_at) if o.end_at else None for o in offers),
        offer_rules=offer_rules,
        flow_rules=flow_rules,
        base_score=tuple(base),
        terms=tuple(terms),
        context_weights=tuple(context_weights),
        tie_order=tuple(tie_order),
        category_code=tuple(
            category_code[o.category_id] if o.category_id is not None else -1 for o in offers
        ),
        caps=tuple(caps),
        cooldowns=tuple(cooldowns),
        exclusions=tuple(exclusions),
        channels=channels,
        channel_index=channel_index,
        limit=config["ranking"]["limit"],
        one_per_category=config["ranking"]["onePerCategory"],
        salt_key=key64(match["salt"] or f"{snapshot.flow_id}"),
        offer_keys=tuple(key64(o.id) for o in offers),
        personalize=config["personalization"]["enabled"],
        config=config,
        creatives_by_pair={pair: tuple(cs) for pair, cs in by_pair.items()},
        max_history_days=max_days,
        creative_list=creative_list,
        creative_position={c.id: n for n, c in enumerate(creative_list)},
    )

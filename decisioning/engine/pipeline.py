"""The decision pipeline for one customer (real time, journeys, and the reference for batch).

inventory -> eligibility -> contact policies -> creative availability -> scoring -> ranking ->
creative choice -> personalization. :mod:`decisioning.engine.batch` computes the same result
for a chunk of customers with numpy; a property test keeps the two identical.

Ranking is greedy in score order (ties: higher priority, then smaller offer id) and applies,
per pick: one offer per category (when asked), category and channel cap budgets, mutual
exclusion groups, and the first preferred channel that still has budget. Offers with no active
creative for any allowed channel are dropped before ranking, so top N is filled with offers
that can actually be shown.
"""

from __future__ import annotations

from typing import Any

from creatives.rendering import compile_creative
from decisioning.engine.data import (
    CustomerInput,
    Decision,
    DecisionOptions,
    DecisionResult,
)
from decisioning.engine.hashing import key64, unit, weighted_pick
from decisioning.engine.policies import INF, PolicyState, policy_state
from decisioning.engine.prepared import PreparedFlow, epoch_us


def effective_counts(
    prep: PreparedFlow, options: DecisionOptions, overall_budget: int
) -> tuple[int, int]:
    """(offers selected, candidates returned): the overall cap limits the selection; ``depth``
    adds fallback candidates after it (for allocation in batch runs)."""
    limit = options.limit or prep.limit
    depth = max(options.depth or limit, limit)
    selected = max(0, min(limit, overall_budget))
    if selected == 0:
        return 0, 0
    return selected, selected + (depth - limit)


def channel_feasibility(
    prep: PreparedFlow,
    customer: CustomerInput,
    options: DecisionOptions,
    i: int,
    order: tuple[int, ...],
    creatives: dict,
) -> tuple[list[int], str | None]:
    """Channels (in preference order) on which offer ``i`` has a creative and passes the
    channel-dependent rules."""
    with_creative = [k for k in order if (i, k) in creatives]
    if not with_creative:
        return [], "no active creative for the channel(s)/placement"
    rules = _channel_rules(prep, i)
    if not rules:
        return with_creative, None
    offer = prep.offers[i]
    out = []
    for k in with_creative:
        record = {
            "customer": customer.record,
            "offer": offer.record,
            "channel": prep.channels[k].record,
            "context": options.context,
        }
        if all(r.evaluate(record) for r in rules):
            out.append(k)
    return out, None if out else "eligibility rules fail on every channel"


def _channel_rules(prep: PreparedFlow, i: int) -> list[Any]:
    rules = [r for r in prep.flow_rules if "channel" in r.namespaces]
    own = prep.offer_rules[i]
    if own is not None and "channel" in own.namespaces:
        rules.insert(0, own)
    return rules


def decide(prep: PreparedFlow, customer: CustomerInput, options: DecisionOptions) -> DecisionResult:
    now_us = epoch_us(options.now)
    offers = prep.offers
    debug = options.debug
    trace_offers: list[dict[str, Any]] = []
    dropped: dict[int, tuple[str, str]] = {}

    order = prep.channel_order(options.channel_ids)
    placement = options.placement_id or prep.config["creativeMatch"]["placementId"]
    creatives = prep.creatives_for(placement)
    state: PolicyState = policy_state(prep, customer.history, now_us)

    candidates: list[tuple[float, int, int]] = []  # (-score, tie, offer index)
    feasible: dict[int, list[int]] = {}
    score_terms: dict[int, dict[str, float]] = {}
    base_record = {"customer": customer.record, "channel": {}, "context": options.context}
    for i, offer in enumerate(offers):
        if not prep.in_inventory[i]:
            dropped[i] = ("inventory", prep.inventory_reason[i] or "")
            continue
        start, end = prep.start_us[i], prep.end_us[i]
        if (start is not None and now_us < start) or (end is not None and now_us >= end):
            dropped[i] = ("inventory", "outside its startAt/endAt window")
            continue
        record = {**base_record, "offer": offer.record}
        own = prep.offer_rules[i]
        if own is not None and "channel" not in own.namespaces and not own.evaluate(record):
            dropped[i] = ("eligibility", "the offer's eligibility rule does not match")
            continue
        failed = next(
            (
                n
                for n, r in enumerate(prep.flow_rules)
                if "channel" not in r.namespaces and not r.evaluate(record)
            ),
            None,
        )
        if failed is not None:
            dropped[i] = ("eligibility", f"flow rule {failed} does not match")
            continue
        if i in state.dropped:
            dropped[i] = ("contactPolicy", state.dropped[i])
            continue
        channels, reason = channel_feasibility(prep, customer, options, i, order, creatives)
        if not channels:
            dropped[i] = ("creativeMatch", reason or "")
            continue
        feasible[i] = channels
        score = prep.base_score[i]
        context = 1.0
        for cw in prep.context_weights:
            if cw.offers is not None and i not in cw.offers:
                continue
            if cw.rule is None or cw.rule.evaluate(record):
                score *= cw.factor
                context *= cw.factor
        if debug:
            score_terms[i] = {**prep.terms[i], "context": context, "score": score}
        candidates.append((-score, prep.tie_order[i], i))

    candidates.sort()
    selected_n, total_n = effective_counts(prep, options, state.overall_budget)
    picks: list[tuple[int, int, float]] = []
    skipped: dict[int, str] = {}
    used_categories: set[int] = set()
    category_budget = dict(state.category_budget)
    channel_budget = dict(state.channel_budget)
    blocked: set[int] = set()
    for neg_score, _tie, i in candidates:
        if len(picks) >= total_n:
            skipped[i] = "below the cut" if selected_n else "overall frequency cap reached"
            continue
        code = prep.category_code[i]
        if prep.one_per_category and code >= 0 and code in used_categories:
            skipped[i] = "another offer of its category ranks higher"
            continue
        if code >= 0 and category_budget.get(code, INF) <= 0:
            skipped[i] = "category frequency cap reached by higher-ranked offers"
            continue
        if i in blocked:
            skipped[i] = "mutual exclusion with a higher-ranked offer"
            continue
        channel = next((k for k in feasible[i] if channel_budget.get(k, INF) > 0), None)
        if channel is None:
            skipped[i] = "channel frequency cap reached"
            continue
        picks.append((i, channel, -neg_score))
        if code >= 0:
            used_categories.add(code)
            if code in category_budget:
                category_budget[code] -= 1
        if channel in channel_budget:
            channel_budget[channel] -= 1
        for group in prep.exclusions:
            if i in group.offers:
                blocked |= group.offers
    decisions = [
        _decision(prep, customer, options, i, k, score, rank, creatives, score_terms.get(i))
        for rank, (i, k, score) in enumerate(picks, start=1)
    ]
    trace = None
    if debug:
        chosen = {d.offer_id: d for d in decisions}
        for i, offer in enumerate(offers):
            entry: dict[str, Any] = {"offerId": offer.id, "offerName": offer.name}
            if i in dropped:
                entry["stage"], entry["reason"] = dropped[i]
            elif offer.id in chosen:
                entry["stage"] = "selected"
                entry["rank"] = chosen[offer.id].rank
                entry["channelId"] = chosen[offer.id].channel_id
                entry["creativeId"] = chosen[offer.id].creative_id
            else:
                entry["stage"], entry["reason"] = "ranking", skipped.get(i, "")
            if i in score_terms:
                entry["terms"] = score_terms[i]
            trace_offers.append(entry)
        trace = {
            "flow": {
                "id": prep.snapshot.flow_id,
                "key": prep.snapshot.flow_key,
                "version": prep.snapshot.flow_version,
            },
            "now": options.now.isoformat(),
            "scoringMethod": prep.config["scoring"]["method"],
            "channels": [prep.channels[k].id for k in order],
            "placementId": placement,
            "budgets": {
                "overall": None if state.overall_budget >= INF else state.overall_budget,
                "selected": selected_n,
            },
            "offers": trace_offers,
        }
    return DecisionResult(customer_id=customer.id, decisions=decisions, trace=trace)


def pick_creative(prep: PreparedFlow, customer_key: int, i: int, options_creatives: tuple) -> Any:
    if len(options_creatives) == 1:
        return options_creatives[0]
    u = unit(customer_key, prep.offer_keys[i], prep.salt_key)
    return options_creatives[weighted_pick([float(c.weight) for c in options_creatives], u)]


def render_content(prep: PreparedFlow, creative: Any, customer_record: dict, i: int, k: int) -> Any:
    if not prep.personalize or not isinstance(creative.content, dict):
        return creative.content
    compiled = prep.compiled_creatives.get(creative.id)
    if compiled is None:
        compiled = prep.compiled_creatives[creative.id] = compile_creative(
            creative.content, creative.personalization or [], template_type=creative.template_type
        )
    sources = {
        "offer": prep.offers[i].record,
        "channel": prep.channels[k].record,
        "creative": {"id": creative.id, "name": creative.name},
    }
    return compiled.render(customer_record, sources)


def _decision(
    prep: PreparedFlow,
    customer: CustomerInput,
    options: DecisionOptions,
    i: int,
    k: int,
    score: float,
    rank: int,
    creatives: dict,
    terms: dict[str, float] | None,
) -> Decision:
    offer = prep.offers[i]
    channel = prep.channels[k]
    creative = pick_creative(prep, key64(customer.id), i, creatives[(i, k)])
    content = render_content(prep, creative, customer.record, i, k) if options.render else None
    return Decision.of(
        offer, channel, creative, score=score, rank=rank, content=content, terms=terms
    )

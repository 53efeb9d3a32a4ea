"""The decision pipeline over a chunk of customers, vectorised with numpy.

Same stages and same result as :func:`decisioning.engine.pipeline.decide` for every customer
(a property test proves it), but computed as customers x offers matrices: eligibility masks,
contact-policy counts (``bincount`` over the chunk's history), scores, and a greedy top-N that
takes ``argmax`` per row, N times. Memory is O(chunk size x offers), never O(segment).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from decisioning.engine.columns import ChunkHistory, CustomerChunk
from decisioning.engine.data import (
    CustomerInput,
    Decision,
    DecisionOptions,
    DecisionResult,
    Snapshot,
)
from decisioning.engine.hashing import key64, unit_array
from decisioning.engine.pipeline import decide, render_content
from decisioning.engine.policies import INF
from decisioning.engine.prepared import US_PER_DAY, PreparedFlow, epoch_us
from decisioning.engine.vector_rules import MaskCache, rule_mask

NEG_INF = -np.inf


@dataclass
class BatchResult:
    """Ranked candidates per customer of a chunk.

    Row ``r`` (customer ``ids[r]``) has ``count[r]`` candidates in rank order in columns
    ``0 .. count[r]-1`` of ``offer``/``channel``/``creative``/``score`` (indexes into
    ``prep.offers`` / ``prep.channels`` / ``prep.creative_list``; -1 pads). The first
    ``selected[r]`` are the decision; the rest are fallbacks (``depth`` > ``limit``).
    """

    prep: PreparedFlow
    ids: Sequence[Any]
    count: np.ndarray
    selected: np.ndarray
    offer: np.ndarray
    channel: np.ndarray
    creative: np.ndarray
    score: np.ndarray
    contents: list[list[Any]] | None = None
    traces: list[dict[str, Any] | None] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self) -> Iterator[tuple[Any, int, str, str, str, float, bool]]:
        """(customer id, rank, offer id, channel id, creative id, score, selected) per
        candidate, in chunk order then rank order."""
        prep = self.prep
        offers = [o.id for o in prep.offers]
        channels = [c.id for c in prep.channels]
        creatives = [c.id for c in prep.creative_list]
        counts = self.count.tolist()
        selected = self.selected.tolist()
        offer = self.offer.tolist()
        channel = self.channel.tolist()
        creative = self.creative.tolist()
        score = self.score.tolist()
        for r, customer_id in enumerate(self.ids):
            for t in range(counts[r]):
                yield (
                    customer_id,
                    t + 1,
                    offers[offer[r][t]],
                    channels[channel[r][t]],
                    creatives[creative[r][t]],
                    score[r][t],
                    t < selected[r],
                )

    def decisions(self, r: int) -> list[Decision]:
        """Row ``r`` as the real-time path's Decision objects."""
        prep = self.prep
        out = []
        for t in range(int(self.count[r])):
            offer = prep.offers[int(self.offer[r, t])]
            channel = prep.channels[int(self.channel[r, t])]
            creative = prep.creative_list[int(self.creative[r, t])]
            out.append(
                Decision.of(
                    offer,
                    channel,
                    creative,
                    score=float(self.score[r, t]),
                    rank=t + 1,
                    content=self.contents[r][t] if self.contents is not None else None,
                )
            )
        return out


def _policies(
    prep: PreparedFlow, hist: ChunkHistory | None, n: int, now_us: int
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """(drop n x m | None, overall budget n, category budget n x cats | None,
    channel budget n x channels | None)."""
    m = len(prep.offers)
    n_cat = max(prep.category_code, default=-1) + 1
    n_chan = len(prep.channels)
    overall = np.full(n, INF, dtype=np.int64)
    if not (prep.caps or prep.cooldowns or prep.exclusions):
        return None, overall, None, None
    hist = hist if hist is not None else ChunkHistory.empty()
    drop = np.zeros((n, m), dtype=bool)
    cat_budget = None
    chan_budget = None
    code_of = {name: k for k, name in enumerate(hist.outcomes)}
    offer_cat = np.asarray(prep.category_code, dtype=np.int64)
    has_cat = offer_cat >= 0

    def select(days: int, outcomes: frozenset[str]) -> np.ndarray:
        codes = [code_of[o] for o in outcomes if o in code_of]
        sel = np.isin(hist.outcome, np.asarray(codes, dtype=np.int16))
        return sel & (hist.at_us >= now_us - days * US_PER_DAY)

    weight = hist.weight

    def tally(index: np.ndarray, sel: np.ndarray, size: int) -> np.ndarray:
        if weight is None:
            return np.bincount(index, minlength=size)
        return np.bincount(index, weights=weight[sel], minlength=size).astype(np.int64)

    def counts(sel: np.ndarray, column: np.ndarray, width: int) -> np.ndarray:
        sel = sel & (column >= 0)
        flat = hist.row[sel].astype(np.int64) * width + column[sel]
        return tally(flat, sel, n * width).reshape(n, width)

    for cap in prep.caps:
        sel = select(cap.days, cap.outcomes)
        if cap.scope == "overall":
            overall = np.minimum(overall, cap.max - tally(hist.row[sel], sel, n))
        elif cap.scope == "offer":
            drop |= counts(sel, hist.offer, m) >= cap.max
        elif cap.scope == "category":
            left = cap.max - counts(sel, hist.category, n_cat)
            cat_budget = left if cat_budget is None else np.minimum(cat_budget, left)
        else:
            left = cap.max - counts(sel, hist.channel, n_chan)
            chan_budget = left if chan_budget is None else np.minimum(chan_budget, left)
    if cat_budget is not None and has_cat.any():
        exhausted = cat_budget[:, offer_cat[has_cat]] <= 0
        drop[:, has_cat] |= exhausted
    for cooldown in prep.cooldowns:
        sel = select(cooldown.days, cooldown.outcomes)
        if cooldown.scope == "offer":
            drop |= counts(sel, hist.offer, m) > 0
        elif has_cat.any():
            hit = counts(sel, hist.category, n_cat) > 0
            drop[:, has_cat] |= hit[:, offer_cat[has_cat]]
    for group in prep.exclusions:
        if group.window_days is None or not group.offers:
            continue
        sel = select(group.window_days, group.outcomes)
        members = np.asarray(sorted(group.offers), dtype=np.int64)
        per_offer = counts(sel, hist.offer, m)[:, members]
        total = per_offer.sum(axis=1)
        drop[:, members] |= (total[:, None] - per_offer) > 0
    return drop, overall, cat_budget, chan_budget


def _customer_keys(chunk: CustomerChunk) -> np.ndarray:
    if chunk.keys is None:
        ids = chunk.ids
        if (
            isinstance(ids, np.ndarray)
            and ids.dtype.kind in "iu"
            and (ids.size == 0 or ids.min() >= 0)
        ):
            chunk.keys = ids.astype(np.uint64)
        else:
            chunk.keys = np.fromiter((key64(i) for i in ids), dtype=np.uint64, count=len(ids))
    return chunk.keys


def decide_batch(
    flow: Snapshot | PreparedFlow,
    chunk: CustomerChunk,
    *,
    now: datetime,
    limit: int | None = None,
    depth: int | None = None,
    channel_ids: Sequence[str] | None = None,
    placement_id: str | None = None,
    context: dict[str, Any] | None = None,
    debug: bool = False,
    render: bool = False,
) -> BatchResult:
    """Decide for every customer of ``chunk`` at once.

    - ``flow``: a :class:`Snapshot` (its preparation is cached on it) or a ``PreparedFlow``.
      Take it once per run so edits during the run cannot change the outcome.
    - ``chunk``: a :class:`CustomerChunk`; its ``columns`` must hold every field in
      ``required_customer_fields(prep)`` and its ``history`` the chunk's interactions within
      ``prep.max_history_days`` (``decisioning.selectors.customer_chunk_load`` fetches both
      with one query each).
    - ``now``: the decision instant (offer windows, contact-policy windows). Pass the run's
      start time so a rerun decides the same.
    - ``limit`` (1-50, default the flow's ``ranking.limit``) offers per customer; ``depth`` >=
      limit returns extra ranked fallback candidates after them.
    - ``channel_ids`` / ``placement_id``: preferred channels in order and the placement
      (default: the flow's ``creativeMatch``); ``context``: what ``context.*`` rules read.
    - ``debug``: also return each customer's trace (runs the per-customer path; slow).
    - ``render``: also render each selected creative (needs ``chunk.records``).

    Returns a :class:`BatchResult`; customers with no candidate have ``count == 0``.
    """
    prep = flow.prepared() if isinstance(flow, Snapshot) else flow
    options = DecisionOptions(
        now=now,
        limit=limit,
        depth=depth,
        channel_ids=tuple(channel_ids) if channel_ids else None,
        placement_id=placement_id,
        context=dict(context or {}),
        debug=debug,
        render=render,
    )
    if debug:
        return _batch_via_pipeline(prep, chunk, options)
    return _batch(prep, chunk, options)


def _batch(prep: PreparedFlow, chunk: CustomerChunk, options: DecisionOptions) -> BatchResult:
    n, m = len(chunk), len(prep.offers)
    now_us = epoch_us(options.now)
    context = options.context
    lim = options.limit or prep.limit
    extra = max(options.depth or lim, lim) - lim
    width = lim + extra
    order = prep.channel_order(options.channel_ids)
    placement = options.placement_id or prep.config["creativeMatch"]["placementId"]
    creatives = prep.creatives_for(placement)
    n_chan = len(prep.channels)
    cache = MaskCache(chunk)

    # Columns in tie-break order, so argmax's first maximum is the deterministic winner.
    perm = np.argsort(np.asarray(prep.tie_order))
    S = np.full((n, m), NEG_INF)
    feasible: dict[int, list[tuple[int, Any]]] = {}  # column -> [(channel, mask|True)]
    for col, i in enumerate(perm.tolist()):
        if not prep.in_inventory[i]:
            continue
        start, end = prep.start_us[i], prep.end_us[i]
        if (start is not None and now_us < start) or (end is not None and now_us >= end):
            continue
        offer = prep.offers[i]
        scalars = {"offer": offer.record, "channel": {}, "context": context}
        ok: Any = True
        own = prep.offer_rules[i]
        if own is not None and "channel" not in own.namespaces:
            ok = rule_mask(own, scalars, cache)
        for rule in prep.flow_rules:
            if ok is False:
                break
            if "channel" not in rule.namespaces:
                ok = ok & rule_mask(rule, scalars, cache)
        if ok is False:
            continue
        channel_rules = [r for r in prep.flow_rules if "channel" in r.namespaces]
        if own is not None and "channel" in own.namespaces:
            channel_rules.insert(0, own)
        options_k: list[tuple[int, Any]] = []
        any_channel: Any = False
        for k in order:
            if (i, k) not in creatives:
                continue
            mask_k: Any = True
            for rule in channel_rules:
                chan_scalars = {**scalars, "channel": prep.channels[k].record}
                mask_k = mask_k & rule_mask(rule, chan_scalars, cache)
                if mask_k is False:
                    break
            if mask_k is False:
                continue
            options_k.append((k, mask_k))
            any_channel = any_channel | mask_k
        if any_channel is False:
            continue
        ok = ok & any_channel
        if ok is False:
            continue
        feasible[col] = options_k
        column = np.full(n, prep.base_score[i])
        for cw in prep.context_weights:
            if cw.offers is not None and i not in cw.offers:
                continue
            hit = True if cw.rule is None else rule_mask(cw.rule, scalars, cache)
            if hit is True:
                column = column * cw.factor
            elif hit is not False:
                column = np.where(hit, column * cw.factor, column)
        S[:, col] = column if ok is True else np.where(ok, column, NEG_INF)

    drop, overall, cat_budget, chan_budget = _policies(prep, chunk.history, n, now_us)
    if drop is not None:
        S[drop[:, perm]] = NEG_INF

    selected = np.clip(np.minimum(lim, overall), 0, None).astype(np.int64)
    total = np.where(selected > 0, selected + extra, 0)
    pick_offer = np.full((n, width), -1, dtype=np.int32)
    pick_channel = np.full((n, width), -1, dtype=np.int32)
    pick_score = np.zeros((n, width))
    count = np.zeros(n, dtype=np.int64)

    col_cat = np.asarray(prep.category_code, dtype=np.int64)[perm]
    same_cat = (col_cat[:, None] == col_cat[None, :]) & (col_cat[:, None] >= 0)
    conflict = np.zeros((m, m), dtype=bool)
    inverse = np.empty(m, dtype=np.int64)
    inverse[perm] = np.arange(m)
    for group in prep.exclusions:
        cols = inverse[sorted(group.offers)] if group.offers else np.zeros(0, dtype=np.int64)
        conflict[np.ix_(cols, cols)] = True
    has_exclusion = bool(conflict.any())
    # Per column: channel feasibility as arrays for the vectorised channel choice.
    static_channel = np.zeros((m, n_chan), dtype=bool)
    dynamic: dict[tuple[int, int], np.ndarray] = {}
    for col, opts in feasible.items():
        for k, mask_k in opts:
            static_channel[col, k] = True
            if mask_k is not True:
                dynamic[(col, k)] = mask_k

    active = np.flatnonzero(total > 0) if m else np.zeros(0, dtype=np.int64)
    while active.size:
        sub = S[active]
        p = sub.argmax(axis=1)
        best = sub[np.arange(active.size), p]
        live = best > NEG_INF
        rows, p, best = active[live], p[live], best[live]
        if rows.size == 0:
            break
        chosen = np.full(rows.size, -1, dtype=np.int64)
        for k in order:
            ok_k = (chosen < 0) & static_channel[p, k]
            if chan_budget is not None:
                ok_k &= chan_budget[rows, k] > 0
            for (col, channel), mask in dynamic.items():
                if channel == k:
                    at = ok_k & (p == col)
                    ok_k[at] = mask[rows[at]]
            chosen[ok_k] = k
        S[rows, p] = NEG_INF
        accepted = chosen >= 0
        rows, p, best, chosen = rows[accepted], p[accepted], best[accepted], chosen[accepted]
        slot = count[rows]
        pick_offer[rows, slot] = perm[p]
        pick_channel[rows, slot] = chosen
        pick_score[rows, slot] = best
        count[rows] += 1
        cats = col_cat[p]
        if prep.one_per_category:
            blocked = cats >= 0
            if blocked.any():
                r_b = rows[blocked]
                S[r_b] = np.where(same_cat[p[blocked]], NEG_INF, S[r_b])
        if cat_budget is not None:
            has = cats >= 0
            if has.any():
                r_c, c_c = rows[has], cats[has]
                cat_budget[r_c, c_c] -= 1
                gone = cat_budget[r_c, c_c] <= 0
                if gone.any():
                    r_g = r_c[gone]
                    S[r_g] = np.where(same_cat[p[has][gone]], NEG_INF, S[r_g])
        if chan_budget is not None:
            chan_budget[rows, chosen] -= 1
        if has_exclusion:
            hit = conflict[p].any(axis=1)
            if hit.any():
                r_x = rows[hit]
                S[r_x] = np.where(conflict[p[hit]], NEG_INF, S[r_x])
        still = count[active] < total[active]
        # Rows whose argmax was -inf have no candidates left.
        still[~live] = False
        active = active[still]

    creative = _pick_creatives(prep, chunk, pick_offer, pick_channel, count, creatives)
    contents = None
    if options.render:
        contents = _render(prep, chunk, pick_offer, pick_channel, creative, count)
    return BatchResult(
        prep=prep,
        ids=chunk.ids,
        count=count,
        selected=np.minimum(selected, count),
        offer=pick_offer,
        channel=pick_channel,
        creative=creative,
        score=pick_score,
        contents=contents,
    )


def _pick_creatives(
    prep: PreparedFlow,
    chunk: CustomerChunk,
    pick_offer: np.ndarray,
    pick_channel: np.ndarray,
    count: np.ndarray,
    creatives: dict,
) -> np.ndarray:
    out = np.full(pick_offer.shape, -1, dtype=np.int32)
    filled = pick_offer >= 0
    if not filled.any():
        return out
    n_chan = max(len(prep.channels), 1)
    pair = pick_offer.astype(np.int64) * n_chan + pick_channel
    keys = None
    for code in np.unique(pair[filled]).tolist():
        i, k = divmod(int(code), n_chan)
        options = creatives[(i, k)]
        where = pair == code
        if len(options) == 1:
            out[where] = prep.creative_position[options[0].id]
            continue
        if keys is None:
            keys = _customer_keys(chunk)
        r_idx, t_idx = np.nonzero(where)
        u = unit_array(keys[r_idx], np.uint64(prep.offer_keys[i]), prep.salt_key)
        weights = [float(c.weight) for c in options]
        if sum(weights) <= 0:
            weights = [1.0] * len(weights)
        cum = np.cumsum(np.asarray(weights))
        chosen = np.minimum(np.searchsorted(cum, u * cum[-1], side="right"), len(options) - 1)
        positions = np.asarray([prep.creative_position[c.id] for c in options], dtype=np.int32)
        out[r_idx, t_idx] = positions[chosen]
    return out


def _render(
    prep: PreparedFlow,
    chunk: CustomerChunk,
    pick_offer: np.ndarray,
    pick_channel: np.ndarray,
    creative: np.ndarray,
    count: np.ndarray,
) -> list[list[Any]]:
    if chunk.records is None:
        raise ValueError("render=True needs chunk.records")
    contents: list[list[Any]] = []
    for r, record in enumerate(chunk.records):
        row = []
        for t in range(int(count[r])):
            c = prep.creative_list[int(creative[r, t])]
            row.append(
                render_content(prep, c, record, int(pick_offer[r, t]), int(pick_channel[r, t]))
            )
        contents.append(row)
    return contents


def _batch_via_pipeline(
    prep: PreparedFlow, chunk: CustomerChunk, options: DecisionOptions
) -> BatchResult:
    if chunk.records is None:
        raise ValueError("debug=True needs chunk.records")
    histories = history_by_row(prep, chunk)
    results: list[DecisionResult] = [
        decide(prep, CustomerInput(id=cid, record=rec, history=histories.get(r, [])), options)
        for r, (cid, rec) in enumerate(zip(chunk.ids, chunk.records, strict=True))
    ]
    lim = options.limit or prep.limit
    width = max(options.depth or lim, lim)
    n = len(results)
    count = np.zeros(n, dtype=np.int64)
    offer = np.full((n, width), -1, dtype=np.int32)
    channel = np.full((n, width), -1, dtype=np.int32)
    creative = np.full((n, width), -1, dtype=np.int32)
    score = np.zeros((n, width))
    contents: list[list[Any]] = []
    for r, result in enumerate(results):
        count[r] = len(result.decisions)
        for t, d in enumerate(result.decisions):
            offer[r, t] = prep.offer_index[d.offer_id]
            channel[r, t] = prep.channel_index[d.channel_id]
            creative[r, t] = prep.creative_position[d.creative_id]
            score[r, t] = d.score
        contents.append([d.content for d in result.decisions])
    return BatchResult(
        prep=prep,
        ids=chunk.ids,
        count=count,
        selected=np.minimum(count, lim),
        offer=offer,
        channel=channel,
        creative=creative,
        score=score,
        contents=contents if options.render else None,
        traces=[r.trace for r in results],
    )


def history_by_row(prep: PreparedFlow, chunk: CustomerChunk) -> dict[int, list[Any]]:
    """The chunk history back as per-customer event lists (for the per-customer path)."""
    from decisioning.engine.data import HistoryEvent

    hist = chunk.history
    out: dict[int, list[Any]] = {}
    if hist is None:
        return out
    categories: dict[int, str] = {}
    for i, offer in enumerate(prep.offers):
        if offer.category_id is not None:
            categories[prep.category_code[i]] = offer.category_id
    weights = hist.weight.tolist() if hist.weight is not None else [1] * len(hist.row)
    for r, o, c, ch, oc, at, w in zip(
        hist.row.tolist(),
        hist.offer.tolist(),
        hist.category.tolist(),
        hist.channel.tolist(),
        hist.outcome.tolist(),
        hist.at_us.tolist(),
        weights,
        strict=True,
    ):
        event = HistoryEvent(
            offer_id=prep.offers[o].id if o >= 0 else None,
            category_id=categories.get(c),
            channel_id=prep.channels[ch].id if ch >= 0 else None,
            outcome=hist.outcomes[oc],
            at_us=at,
        )
        out.setdefault(r, []).extend([event] * w)
    return out

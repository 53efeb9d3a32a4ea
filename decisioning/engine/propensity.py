"""Learned propensity: an offer's success rate smoothed toward its category and the tenant.

With ``k`` = ``priorStrength``, ``p0`` = ``globalPrior``, successes ``S`` (positive outcomes)
and trials ``N`` (the base outcome)::

    global   g = (S_all + k * p0) / (N_all + k)
    category c = (S_cat + k * g)  / (N_cat + k)      (g for an offer without a category)
    offer    p = (S_off + k * c)  / (N_off + k)

A new offer (no trials) therefore starts at its category's rate, a new category at the
tenant's, and an empty tenant at ``globalPrior``; each estimate moves toward the observed rate
as trials accumulate. Rates are clamped to [0, 1] (positives can outnumber the base outcome when
they are reported without it).
"""

from __future__ import annotations

from collections.abc import Sequence

from decisioning.engine.data import OfferData, Snapshot


def _rate(successes: float, trials: float, prior: float, strength: float) -> float:
    if trials + strength <= 0:
        return prior
    return min(1.0, max(0.0, (successes + strength * prior) / (trials + strength)))


def offer_propensities(snapshot: Snapshot, offers: Sequence[OfferData]) -> list[float]:
    settings = snapshot.config["scoring"]["propensity"]
    positive = settings["positiveOutcomes"]
    base = settings["baseOutcome"]
    strength = float(settings["priorStrength"])
    counts = snapshot.outcome_counts.counts

    def s_n(offer_id: str) -> tuple[int, int]:
        row = counts.get(offer_id, {})
        return sum(row.get(o, 0) for o in positive), row.get(base, 0)

    by_offer = {o.id: s_n(o.id) for o in offers}
    category_of = {o.id: o.category_id for o in offers}
    # Counters of offers no longer in the catalog still inform the tenant-wide rate.
    s_all = n_all = 0
    for offer_id in counts:
        s, n = by_offer.get(offer_id) or s_n(offer_id)
        s_all += s
        n_all += n
    g = _rate(s_all, n_all, float(settings["globalPrior"]), strength)
    cat_s: dict[str, int] = {}
    cat_n: dict[str, int] = {}
    for offer_id, (s, n) in by_offer.items():
        cat = category_of[offer_id]
        if cat is not None:
            cat_s[cat] = cat_s.get(cat, 0) + s
            cat_n[cat] = cat_n.get(cat, 0) + n
    out = []
    for offer in offers:
        prior = g
        if offer.category_id is not None:
            prior = _rate(cat_s[offer.category_id], cat_n[offer.category_id], g, strength)
        s, n = by_offer[offer.id]
        out.append(_rate(s, n, prior, strength))
    return out

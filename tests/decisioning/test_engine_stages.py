"""Each pipeline stage, on hand-made snapshots. Every case runs the real-time path and the batch
path (``run`` asserts they agree), so a stage that misbehaves in either fails here."""

from __future__ import annotations

from datetime import timedelta

import pytest

from decisioning.engine.hashing import key64, unit
from tests.decisioning.engine_helpers import (
    EMAIL,
    NOW,
    SMS,
    creative,
    dropped,
    event,
    offer,
    offer_ids,
    run,
    snapshot,
)

TIER_GOLD = {
    "combinator": "AND",
    "filters": [{"field": "attributes.tier", "operator": "eq", "value": "gold"}],
}


def customer(**attributes: object) -> dict:
    return {"id": 7, "first_name": "Ann", "country": "FR", "attributes": attributes}


# --- 1. inventory ----------------------------------------------------------------------------


def test_inventory_keeps_only_active_offers_inside_their_window() -> None:
    snap = snapshot(
        [
            offer("off_live", priority=10),
            offer("off_paused", status="paused", priority=90),
            offer("off_future", start_at=NOW + timedelta(hours=1), priority=90),
            offer("off_over", end_at=NOW, priority=90),
            offer(
                "off_window",
                start_at=NOW - timedelta(days=1),
                end_at=NOW + timedelta(days=1),
                priority=80,
            ),
            offer("off_cat_off", category_id="cat_x", category_active=False, priority=95),
        ],
        {"ranking": {"limit": 10}},
    )
    result = run(snap, customer(), debug=True)
    assert offer_ids(result) == ["off_window", "off_live"]
    reasons = dropped(result)
    assert reasons["off_paused"][0] == "inventory"
    assert "window" in reasons["off_future"][1] and "window" in reasons["off_over"][1]
    assert "category" in reasons["off_cat_off"][1]


def test_inventory_modes_categories_and_explicit_list() -> None:
    offers = [
        offer("off_a", category_id="cat_1"),
        offer("off_b", category_id="cat_2"),
        offer("off_c"),
    ]
    by_cat = snapshot(
        offers,
        {"inventory": {"mode": "categories", "categoryIds": ["cat_2"]}, "ranking": {"limit": 5}},
    )
    assert offer_ids(run(by_cat, customer())) == ["off_b"]
    listed = snapshot(
        offers,
        {"inventory": {"mode": "offers", "offerIds": ["off_a", "off_c"]}, "ranking": {"limit": 5}},
    )
    assert offer_ids(run(listed, customer())) == ["off_a", "off_c"]


# --- 2. eligibility --------------------------------------------------------------------------


def test_offer_rules_and_flow_rules_both_apply() -> None:
    snap = snapshot(
        [offer("off_gold", eligibility=TIER_GOLD, priority=90), offer("off_all", priority=10)],
        {
            "eligibility": {
                "rules": [
                    {
                        "combinator": "AND",
                        "filters": [
                            {"field": "customer.country", "operator": "neq", "value": "NO"}
                        ],
                    }
                ]
            },
            "ranking": {"limit": 5},
        },
    )
    assert offer_ids(run(snap, customer(tier="gold"))) == ["off_gold", "off_all"]
    silver = run(snap, customer(tier="silver"), debug=True)
    assert offer_ids(silver) == ["off_all"]
    assert dropped(silver)["off_gold"][0] == "eligibility"
    norway = {**customer(tier="gold"), "country": "NO"}
    assert offer_ids(run(snap, norway)) == []


def test_rules_read_offer_channel_and_context_namespaces() -> None:
    snap = snapshot(
        [offer("off_hi", priority=90), offer("off_lo", priority=20)],
        {
            "eligibility": {
                "rules": [
                    {
                        "combinator": "OR",
                        "filters": [
                            {"field": "offer.priority", "operator": "lt", "value": 50},
                            {"field": "context.page", "operator": "eq", "value": "home"},
                        ],
                    },
                    {
                        "combinator": "AND",
                        "filters": [
                            {"field": "channel.channel_type", "operator": "eq", "value": "sms"}
                        ],
                    },
                ]
            },
            "ranking": {"limit": 5},
        },
        channels=(EMAIL, SMS),
    )
    cart = run(snap, customer(), context={"page": "cart"})
    assert offer_ids(cart) == ["off_lo"] and cart.decisions[0].channel_id == "ch_sms"
    assert offer_ids(run(snap, customer(), context={"page": "home"})) == ["off_hi", "off_lo"]


def test_apply_offer_rules_false_ignores_offer_eligibility() -> None:
    snap = snapshot(
        [offer("off_gold", eligibility=TIER_GOLD)], {"eligibility": {"applyOfferRules": False}}
    )
    assert offer_ids(run(snap, customer(tier="bronze"))) == ["off_gold"]


def test_request_attributes_are_what_rules_see() -> None:
    snap = snapshot([offer("off_gold", eligibility=TIER_GOLD)])
    assert offer_ids(run(snap, customer())) == []
    assert offer_ids(run(snap, customer(tier="gold"))) == ["off_gold"]


# --- 3. contact policies ---------------------------------------------------------------------


def test_frequency_cap_per_offer_counts_only_the_window_and_outcomes() -> None:
    snap = snapshot(
        [offer("off_a", priority=90), offer("off_b", priority=10)],
        {
            "contactPolicies": [
                {"type": "frequencyCap", "scope": "offer", "max": 2, "period": "week"}
            ]
        },
    )
    two_recent = [event("recommendation", offer_id="off_a", days_ago=d) for d in (1, 2)]
    assert offer_ids(run(snap, customer(), two_recent)) == ["off_b"]
    one_recent_one_old = [event("recommendation", offer_id="off_a", days_ago=d) for d in (1, 8)]
    assert offer_ids(run(snap, customer(), one_recent_one_old)) == ["off_a"]
    other_outcome = [event("click", offer_id="off_a", days_ago=1) for _ in range(3)]
    assert offer_ids(run(snap, customer(), other_outcome)) == ["off_a"]
    result = run(snap, customer(), two_recent, debug=True)
    assert dropped(result)["off_a"][0] == "contactPolicy"


def test_frequency_cap_per_category_limits_within_one_decision_too() -> None:
    snap = snapshot(
        [offer(f"off_{k}", category_id="cat_card", priority=90 - k) for k in range(3)]
        + [offer("off_loan", category_id="cat_loan", priority=10)],
        {
            "contactPolicies": [
                {"type": "frequencyCap", "scope": "category", "max": 2, "period": "day"}
            ],
            "ranking": {"limit": 4},
        },
    )
    assert offer_ids(run(snap, customer())) == ["off_0", "off_1", "off_loan"]
    seen = [event("recommendation", offer_id="off_9", category_id="cat_card", days_ago=0.5)]
    assert offer_ids(run(snap, customer(), seen)) == ["off_0", "off_loan"]


def test_frequency_cap_per_channel_moves_to_the_next_channel() -> None:
    snap = snapshot(
        [offer("off_a", priority=90), offer("off_b", priority=50)],
        {
            "contactPolicies": [
                {"type": "frequencyCap", "scope": "channel", "max": 1, "period": "day"}
            ],
            "ranking": {"limit": 2},
            "creativeMatch": {"channelIds": ["ch_email", "ch_sms"]},
        },
        channels=(EMAIL, SMS),
    )
    result = run(snap, customer())
    assert [(d.offer_id, d.channel_id) for d in result.decisions] == [
        ("off_a", "ch_email"),
        ("off_b", "ch_sms"),
    ]
    emailed = [event("recommendation", offer_id="off_z", channel_id="ch_email")]
    result = run(snap, customer(), emailed)
    assert [(d.offer_id, d.channel_id) for d in result.decisions] == [("off_a", "ch_sms")]


def test_frequency_cap_overall_caps_the_number_of_offers() -> None:
    snap = snapshot(
        [offer(f"off_{k}", priority=90 - k) for k in range(4)],
        {
            "contactPolicies": [
                {"type": "frequencyCap", "scope": "overall", "max": 3, "period": "month"}
            ],
            "ranking": {"limit": 3},
        },
    )
    assert len(run(snap, customer()).decisions) == 3
    history = [
        event("recommendation", offer_id="off_x", days_ago=10),
        event("impression", offer_id="off_y", days_ago=1),
    ]
    assert offer_ids(run(snap, customer(), history)) == ["off_0", "off_1"]
    history = [event("recommendation", days_ago=d) for d in (1, 2, 3)]
    assert offer_ids(run(snap, customer(), history)) == []


def test_cooldown_after_not_interested_suppresses_the_offer_then_expires() -> None:
    snap = snapshot(
        [offer("off_a", priority=90), offer("off_b", priority=10)],
        {"contactPolicies": [{"type": "cooldown", "outcomes": ["not_interested"], "days": 30}]},
    )
    assert offer_ids(
        run(snap, customer(), [event("not_interested", offer_id="off_a", days_ago=29)])
    ) == ["off_b"]
    assert offer_ids(
        run(snap, customer(), [event("not_interested", offer_id="off_a", days_ago=31)])
    ) == ["off_a"]
    assert offer_ids(run(snap, customer(), [event("dismiss", offer_id="off_a", days_ago=1)])) == [
        "off_a"
    ]


def test_cooldown_by_category() -> None:
    snap = snapshot(
        [
            offer("off_a", category_id="cat_1", priority=90),
            offer("off_b", category_id="cat_1", priority=80),
            offer("off_c", priority=10),
        ],
        {
            "contactPolicies": [
                {"type": "cooldown", "scope": "category", "outcomes": ["convert"], "days": 7}
            ]
        },
    )
    history = [event("convert", offer_id="off_a", category_id="cat_1", days_ago=2)]
    assert offer_ids(run(snap, customer(), history)) == ["off_c"]


def test_mutual_exclusion_within_a_decision_and_against_history() -> None:
    offers = [offer("off_a", priority=90), offer("off_b", priority=80), offer("off_c", priority=10)]
    within = snapshot(
        offers,
        {
            "contactPolicies": [{"type": "mutualExclusion", "offerIds": ["off_a", "off_b"]}],
            "ranking": {"limit": 3},
        },
    )
    assert offer_ids(run(within, customer())) == ["off_a", "off_c"]
    windowed = snapshot(
        offers,
        {
            "contactPolicies": [
                {"type": "mutualExclusion", "offerIds": ["off_a", "off_b"], "windowDays": 7}
            ],
            "ranking": {"limit": 3},
        },
    )
    history = [event("recommendation", offer_id="off_b", days_ago=3)]
    assert offer_ids(run(windowed, customer(), history)) == ["off_b", "off_c"]


# --- 4. scoring ------------------------------------------------------------------------------


def test_priority_scoring_multiplies_by_the_weight() -> None:
    snap = snapshot(
        [offer("off_a", priority=40)], {"scoring": {"method": "priority", "priorityWeight": 0.5}}
    )
    assert run(snap, customer()).decisions[0].score == 20.0


def test_propensity_is_smoothed_toward_category_and_global_rates() -> None:
    counts = {
        "off_known": {"recommendation": 100, "accept": 30},
        "off_sibling": {"recommendation": 100, "accept": 10},
        "off_other": {"recommendation": 200, "accept": 0},
    }
    snap = snapshot(
        [
            offer("off_known", category_id="cat_1"),
            offer("off_sibling", category_id="cat_1"),
            offer("off_new", category_id="cat_1"),
            offer("off_other", category_id="cat_2"),
            offer("off_lonely"),
        ],
        {
            "scoring": {
                "method": "propensity",
                "propensity": {"priorStrength": 10, "globalPrior": 0.1},
            },
            "ranking": {"limit": 5},
        },
        counts=counts,
    )
    scores = {d.offer_id: d.score for d in run(snap, customer()).decisions}
    g = (40 + 10 * 0.1) / (400 + 10)
    cat1 = (40 + 10 * g) / (200 + 10)
    assert scores["off_lonely"] == pytest.approx(g)
    assert scores["off_new"] == pytest.approx(cat1)  # a new offer starts at its category's rate
    assert scores["off_known"] == pytest.approx((30 + 10 * cat1) / (100 + 10))
    assert scores["off_other"] == pytest.approx((0 + 10 * ((0 + 10 * g) / 210)) / 210)
    assert scores["off_known"] > scores["off_new"] > scores["off_sibling"]


def test_formula_multiplies_weighted_terms_and_context_weights() -> None:
    counts = {"off_a": {"recommendation": 90, "accept": 10}}
    config = {
        "scoring": {
            "method": "formula",
            "propensity": {"priorStrength": 0, "globalPrior": 0.5},
            "formula": {"weights": {"propensity": 1, "context": 2, "value": 0.5, "lever": 1}},
            "contextWeights": [
                {"rule": TIER_GOLD, "weight": 1.5},
                {"rule": TIER_GOLD, "weight": 3, "offerIds": ["off_zzz"]},
            ],
            "levers": {"offers": {"off_a": 2.0}},
        }
    }
    snap = snapshot([offer("off_a", business_value=400.0)], config, counts=counts)
    p = 10 / 90
    plain = run(snap, customer(tier="silver"), debug=True)
    assert plain.decisions[0].score == pytest.approx(p * 400**0.5 * 2.0)
    gold = run(snap, customer(tier="gold"), debug=True)
    assert gold.decisions[0].score == pytest.approx(p * 400**0.5 * 2.0 * 1.5**2)
    terms = gold.trace["offers"][0]["terms"]
    assert (
        terms["propensity"] == pytest.approx(p) and terms["value"] == 400 and terms["lever"] == 2.0
    )
    assert terms["context"] == pytest.approx(2.25)


def test_formula_uses_the_default_value_for_offers_without_one() -> None:
    snap = snapshot(
        [offer("off_a", business_value=0.0)],
        {"scoring": {"method": "formula", "formula": {"defaultValue": 7}}},
    )
    assert run(snap, customer(), debug=True).trace["offers"][0]["terms"]["value"] == 7


# --- 5. ranking ------------------------------------------------------------------------------


def test_ranking_top_n_with_deterministic_ties() -> None:
    offers = [
        offer("off_c", priority=50),
        offer("off_a", priority=50),
        offer("off_b", priority=70),
        offer("off_d", priority=10),
    ]
    snap = snapshot(offers, {"ranking": {"limit": 3}})
    result = run(snap, customer())
    assert offer_ids(result) == ["off_b", "off_a", "off_c"]
    assert [d.rank for d in result.decisions] == [1, 2, 3]
    assert offer_ids(run(snap, customer(), limit=1)) == ["off_b"]
    # propensity ties are broken by priority, then id
    tie = snapshot(offers, {"scoring": {"method": "propensity"}, "ranking": {"limit": 4}})
    assert offer_ids(run(tie, customer())) == ["off_b", "off_a", "off_c", "off_d"]


def test_ranking_one_per_category() -> None:
    offers = [
        offer("off_a", category_id="cat_1", priority=90),
        offer("off_b", category_id="cat_1", priority=80),
        offer("off_c", category_id="cat_2", priority=10),
        offer("off_d", priority=5),
        offer("off_e", priority=4),
    ]
    snap = snapshot(offers, {"ranking": {"limit": 4, "onePerCategory": True}})
    result = run(snap, customer(), debug=True)
    assert offer_ids(result) == [
        "off_a",
        "off_c",
        "off_d",
        "off_e",
    ]  # uncategorised offers are each their own
    assert dropped(result)["off_b"][0] == "ranking"


def test_depth_returns_fallback_candidates_after_the_decision() -> None:
    snap = snapshot(
        [offer(f"off_{k}", priority=90 - k) for k in range(5)], {"ranking": {"limit": 2}}
    )
    assert len(run(snap, customer(), depth=4).decisions) == 4


# --- 6. creative match -----------------------------------------------------------------------


def test_offers_without_a_creative_for_the_channel_are_dropped() -> None:
    snap = snapshot(
        [offer("off_a", priority=90), offer("off_b", priority=10)],
        creatives=[creative("off_a", "ch_sms"), creative("off_b", "ch_email")],
        channels=(EMAIL, SMS),
    )
    email = run(snap, customer(), channel_ids=("ch_email",), debug=True)
    assert offer_ids(email) == ["off_b"]
    assert dropped(email)["off_a"][0] == "creativeMatch"
    assert offer_ids(run(snap, customer(), channel_ids=("ch_sms",))) == ["off_a"]


def test_placement_prefers_its_creatives_then_generic_ones() -> None:
    snap = snapshot(
        [offer("off_a")],
        creatives=[creative("off_a", n=0), creative("off_a", n=1, placement_id="plc_top")],
    )
    assert (
        run(snap, customer(), placement_id="plc_top").decisions[0].creative_id
        == "cre_off_a_ch_email_1"
    )
    assert (
        run(snap, customer(), placement_id="plc_other").decisions[0].creative_id
        == "cre_off_a_ch_email_0"
    )


def test_weighted_creative_choice_is_deterministic_and_follows_weights() -> None:
    creatives = [
        creative("off_a", n=0, weight=25.0),
        creative("off_a", n=1, weight=75.0),
        creative("off_a", n=2, weight=0.0),
    ]
    snap = snapshot([offer("off_a")], creatives=creatives)
    picks = [run(snap, {"id": k, "attributes": {}}).decisions[0].creative_id for k in range(400)]
    assert picks == [
        run(snap, {"id": k, "attributes": {}}).decisions[0].creative_id for k in range(400)
    ]
    share = picks.count("cre_off_a_ch_email_1") / len(picks)
    assert 0.65 < share < 0.85
    assert "cre_off_a_ch_email_2" not in picks
    salted = snapshot([offer("off_a")], {"creativeMatch": {"salt": "spring"}}, creatives=creatives)
    assert picks != [
        run(salted, {"id": k, "attributes": {}}).decisions[0].creative_id for k in range(400)
    ]


def test_hash_unit_is_stable_across_runs() -> None:
    assert unit(key64(12345), key64("off_a"), key64("salt")) == unit(
        12345, key64("off_a"), key64("salt")
    )
    assert 0 <= unit(1, 2, 3) < 1


# --- 7. personalization ----------------------------------------------------------------------


def test_content_is_rendered_for_the_customer() -> None:
    snap = snapshot([offer("off_a")])
    assert run(snap, customer()).decisions[0].content == {"text": "Hi Ann"}
    assert run(snap, {"id": 2, "attributes": {}}).decisions[0].content == {"text": "Hi there"}
    raw = snapshot([offer("off_a")], {"personalization": {"enabled": False}})
    assert run(raw, customer()).decisions[0].content == {"text": "Hi {{name}}"}


def test_debug_trace_lists_every_offer_with_a_stage() -> None:
    snap = snapshot([offer("off_a", priority=90), offer("off_b", status="draft")])
    result = run(snap, customer(), debug=True)
    stages = {e["offerId"]: e["stage"] for e in result.trace["offers"]}
    assert stages == {"off_a": "selected", "off_b": "inventory"}
    assert result.trace["flow"]["version"] == 1
    assert run(snap, customer()).trace is None


def test_batch_debug_returns_traces_and_the_same_decisions() -> None:
    from decisioning.engine.batch import decide_batch
    from decisioning.engine.columns import CustomerChunk

    snap = snapshot(
        [offer("off_a", eligibility=TIER_GOLD, priority=90), offer("off_b", priority=10)]
    )
    records = [customer(tier="gold"), {**customer(tier="silver"), "id": 8}]
    chunk = CustomerChunk.from_records([7, 8], records, snap.prepared().customer_fields())
    fast = decide_batch(snap, chunk, now=NOW)
    traced = decide_batch(snap, chunk, now=NOW, debug=True)
    assert fast.traces is None and traced.traces is not None
    assert (
        [d.offer_id for d in traced.decisions(1)]
        == [d.offer_id for d in fast.decisions(1)]
        == ["off_b"]
    )
    assert traced.traces[1]["offers"][0]["stage"] == "eligibility"
    assert list(fast.rows()) == [
        (7, 1, "off_a", "ch_email", "cre_off_a_ch_email_0", 90.0, True),
        (8, 1, "off_b", "ch_email", "cre_off_b_ch_email_0", 10.0, True),
    ]


def test_empty_catalogs_and_chunks_decide_nothing() -> None:
    from decisioning.engine.batch import decide_batch
    from decisioning.engine.columns import CustomerChunk

    empty = snapshot([])
    assert offer_ids(run(empty, customer())) == []
    nobody = CustomerChunk.from_records([], [], [])
    assert len(decide_batch(snapshot([offer("off_a")]), nobody, now=NOW)) == 0

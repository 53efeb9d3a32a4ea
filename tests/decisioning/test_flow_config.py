"""The flow config schema: defaults, strictness, and error paths (no database)."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from decisioning.engine.rules import check_rule
from decisioning.flow_config import validate_config


def errors_of(raw: object) -> dict:
    with pytest.raises(InvalidInput) as info:
        validate_config(raw, check_rule=check_rule)
    return info.value.details


def test_empty_config_gets_every_default() -> None:
    config = validate_config({}).config
    assert config["inventory"] == {"mode": "all", "categoryIds": [], "offerIds": []}
    assert config["ranking"] == {"limit": 1, "onePerCategory": False}
    assert config["scoring"]["method"] == "priority"
    assert config["scoring"]["propensity"]["baseOutcome"] == "recommendation"
    assert config["creativeMatch"] == {"channelIds": [], "placementId": None, "salt": ""}
    assert config["personalization"] == {"enabled": True}
    assert validate_config(None).config == config


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ([], "config"),
        ({"ranking": {"limit": 0}}, "config.ranking.limit"),
        ({"ranking": {"limit": True}}, "config.ranking.limit"),
        ({"ranking": {"onePerCategory": "yes"}}, "config.ranking.onePerCategory"),
        ({"scoring": {"priorityWeight": -1}}, "config.scoring.priorityWeight"),
        ({"scoring": {"priorityWeight": float("nan")}}, "config.scoring.priorityWeight"),
        ({"scoring": {"propensity": {"globalPrior": 2}}}, "config.scoring.propensity.globalPrior"),
        (
            {"scoring": {"propensity": {"baseOutcome": "x"}}},
            "config.scoring.propensity.baseOutcome",
        ),
        (
            {"scoring": {"formula": {"weights": {"magic": 1}}}},
            "config.scoring.formula.weights.magic",
        ),
        ({"scoring": {"contextWeights": [{"weight": 2}]}}, "config.scoring.contextWeights[0].rule"),
        (
            {"scoring": {"levers": {"offers": {"off_a": "high"}}}},
            "config.scoring.levers.offers.off_a",
        ),
        ({"contactPolicies": [{"type": "nap"}]}, "config.contactPolicies[0].type"),
        (
            {"contactPolicies": [{"type": "frequencyCap", "scope": "offer", "period": "day"}]},
            "config.contactPolicies[0].max",
        ),
        (
            {"contactPolicies": [{"type": "cooldown", "outcomes": [], "days": 3}]},
            "config.contactPolicies[0].outcomes",
        ),
        (
            {"contactPolicies": [{"type": "cooldown", "outcomes": ["dismiss"], "days": 0}]},
            "config.contactPolicies[0].days",
        ),
        (
            {"contactPolicies": [{"type": "mutualExclusion", "offerIds": ["off_a"]}]},
            "config.contactPolicies[0].offerIds",
        ),
        (
            {"contactPolicies": [{"type": "mutualExclusion", "offerIds": ["a", "a"]}]},
            "config.contactPolicies[0].offerIds[1]",
        ),
        ({"inventory": {"mode": "categories"}}, "config.inventory.categoryIds"),
        ({"inventory": {"offerIds": "off_a"}}, "config.inventory.offerIds"),
        ({"creativeMatch": {"placementId": 3}}, "config.creativeMatch.placementId"),
        ({"creativeMatch": {"salt": "x" * 101}}, "config.creativeMatch.salt"),
        ({"eligibility": {"rules": {"a": 1}}}, "config.eligibility.rules"),
        (
            {"eligibility": {"rules": [{"combinator": "XOR", "filters": []}]}},
            "config.eligibility.rules[0]",
        ),
        (
            {
                "eligibility": {
                    "rules": [
                        {
                            "combinator": "AND",
                            "filters": [{"field": "attributes.age", "operator": "gt", "value": 1}],
                        }
                    ]
                }
            },
            "config.eligibility.rules[0]",
        ),
        ({"personalization": {"enabled": 1}}, "config.personalization.enabled"),
    ],
)
def test_each_bad_field_is_named_by_its_path(raw: object, path: str) -> None:
    assert path in errors_of(raw)


def test_tenant_outcomes_are_accepted() -> None:
    raw = {"contactPolicies": [{"type": "cooldown", "outcomes": ["callback"], "days": 3}]}
    assert "config.contactPolicies[0].outcomes[0]" in errors_of(raw)
    config = validate_config(raw, outcomes=["callback"]).config
    assert config["contactPolicies"][0]["outcomes"] == ["callback"]


def test_namespaced_rules_are_accepted() -> None:
    rule = {
        "combinator": "OR",
        "filters": [
            {"field": "customer.attributes.tier", "operator": "eq", "value": "gold"},
            {"field": "offer.priority", "operator": "gte", "value": 50},
            {"field": "context.page", "operator": "in", "value": ["home", "cart"]},
            {"field": "channel.channel_type", "operator": "eq", "value": "email"},
        ],
    }
    config = validate_config({"eligibility": {"rules": [rule]}}, check_rule=check_rule).config
    assert config["eligibility"]["rules"] == [rule]

"""The decision-flow config: a strict schema, validated field by field, and its defaults.

A config is an ordered pipeline (every section optional, defaults shown)::

    {
      "inventory": {"mode": "all", "categoryIds": [], "offerIds": []},
      "eligibility": {"applyOfferRules": true, "rules": []},
      "contactPolicies": [
        {"type": "frequencyCap", "scope": "offer", "max": 3, "period": "week",
         "outcomes": ["recommendation"]},
        {"type": "cooldown", "scope": "offer", "outcomes": ["not_interested"], "days": 30},
        {"type": "mutualExclusion", "offerIds": ["off_a", "off_b"], "windowDays": null,
         "outcomes": ["recommendation"]}
      ],
      "scoring": {
        "method": "priority",                       # priority | propensity | formula
        "priorityWeight": 1.0,
        "propensity": {"positiveOutcomes": ["accept"], "baseOutcome": "recommendation",
                       "priorStrength": 20.0, "globalPrior": 0.05},
        "formula": {"weights": {"propensity": 1, "context": 1, "value": 1, "lever": 1},
                    "defaultValue": 1.0},
        "contextWeights": [{"rule": {...}, "weight": 1.5, "offerIds": [], "categoryIds": []}],
        "levers": {"offers": {"off_x": 1.2}, "categories": {"cat_y": 0.8}}
      },
      "ranking": {"limit": 1, "onePerCategory": false},
      "creativeMatch": {"channelIds": [], "placementId": null, "salt": ""},
      "personalization": {"enabled": true}
    }

Errors name the path of the bad field (``config.scoring.method``) so a 400 says what to fix.
Rules are checked with the shared rule module (``core.rules``).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from typing import Any

from core.errors import InvalidInput

BUILTIN_OUTCOMES = (
    "recommendation",
    "impression",
    "click",
    "accept",
    "convert",
    "dismiss",
    "not_interested",
)
SCORING_METHODS = ("priority", "propensity", "formula")
INVENTORY_MODES = ("all", "categories", "offers")
CAP_SCOPES = ("offer", "category", "channel", "overall")
COOLDOWN_SCOPES = ("offer", "category")
PERIODS = {"day": 1, "week": 7, "month": 30}
POLICY_TYPES = ("frequencyCap", "cooldown", "mutualExclusion")
FORMULA_TERMS = ("propensity", "context", "value", "lever")
MAX_LIMIT = 50
MAX_RULES = 200
MAX_IDS = 1000

RuleChecker = Callable[[Any, str], None]


class ConfigErrors:
    """Collects ``path -> [messages]``; raises one InvalidInput naming every bad path."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            first = next(iter(self.errors))
            raise InvalidInput(
                f"Invalid decision flow config at {first}: {self.errors[first][0]}",
                details=self.errors,
            )


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Validator:
    def __init__(
        self, *, outcomes: Iterable[str], check_rule: RuleChecker | None, root: str
    ) -> None:
        self.outcomes = outcomes if isinstance(outcomes, set) else set(outcomes)
        self.check_rule = check_rule
        self.root = root
        self.errors = ConfigErrors()
        self.referenced: dict[str, set[str]] = {"offer": set(), "category": set(), "channel": set()}
        self.placement_ids: set[str] = set()

    # --- primitives -----------------------------------------------------------------------
    def obj(self, value: Any, path: str, allowed: Iterable[str]) -> dict | None:
        if not isinstance(value, dict):
            self.errors.add(path, "Must be an object.")
            return None
        for key in value:
            if key not in allowed:
                self.errors.add(f"{path}.{key}", "Unknown field.")
        return value

    def boolean(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            self.errors.add(path, "Must be a boolean.")
            return False
        return value

    def number(
        self, value: Any, path: str, *, minimum: float | None = None, maximum: float | None = None
    ) -> float:
        if not _is_number(value):
            self.errors.add(path, "Must be a finite number.")
            return 0.0
        if minimum is not None and value < minimum:
            self.errors.add(path, f"Must be at least {minimum}.")
        if maximum is not None and value > maximum:
            self.errors.add(path, f"Must be at most {maximum}.")
        return float(value)

    def integer(self, value: Any, path: str, *, minimum: int, maximum: int) -> int:
        if not _is_int(value):
            self.errors.add(path, "Must be an integer.")
            return minimum
        if not minimum <= value <= maximum:
            self.errors.add(path, f"Must be between {minimum} and {maximum}.")
        return int(value)

    def choice(self, value: Any, path: str, choices: Iterable[str]) -> str:
        options = tuple(choices)
        if value not in options:
            self.errors.add(path, f"Must be one of: {', '.join(options)}.")
            return options[0]
        return str(value)

    def ids(self, value: Any, path: str, kind: str, *, min_items: int = 0) -> list[str]:
        if not isinstance(value, list):
            self.errors.add(path, "Must be a list of ids.")
            return []
        if len(value) > MAX_IDS:
            self.errors.add(path, f"At most {MAX_IDS} ids.")
        if len(value) < min_items:
            self.errors.add(path, f"At least {min_items} ids.")
        out: list[str] = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item or len(item) > 64:
                self.errors.add(f"{path}[{i}]", "Must be a non-empty id string.")
                continue
            if item in out:
                self.errors.add(f"{path}[{i}]", "Duplicate id.")
                continue
            out.append(item)
            self.referenced[kind].add(item)
        return out

    def outcome_list(self, value: Any, path: str, *, min_items: int = 1) -> list[str]:
        if not isinstance(value, list) or len(value) < min_items:
            self.errors.add(path, f"Must be a list of at least {min_items} outcome(s).")
            return []
        out: list[str] = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or item not in self.outcomes:
                self.errors.add(
                    f"{path}[{i}]", f"Unknown outcome; one of: {', '.join(sorted(self.outcomes))}."
                )
                continue
            if item not in out:
                out.append(item)
        return out

    def rule(self, value: Any, path: str) -> Any:
        if self.check_rule is not None:
            try:
                self.check_rule(value, path)
            except InvalidInput as exc:
                self.errors.add(path, exc.message)
            except (ValueError, TypeError, KeyError) as exc:
                self.errors.add(path, str(exc) or "Invalid rule.")
        return value

    # --- sections -------------------------------------------------------------------------
    def inventory(self, raw: Any, path: str) -> dict:
        out = {"mode": "all", "categoryIds": [], "offerIds": []}
        value = self.obj(raw, path, out)
        if value is None:
            return out
        if "mode" in value:
            out["mode"] = self.choice(value["mode"], f"{path}.mode", INVENTORY_MODES)
        if "categoryIds" in value:
            out["categoryIds"] = self.ids(value["categoryIds"], f"{path}.categoryIds", "category")
        if "offerIds" in value:
            out["offerIds"] = self.ids(value["offerIds"], f"{path}.offerIds", "offer")
        if out["mode"] == "categories" and not out["categoryIds"]:
            self.errors.add(f"{path}.categoryIds", "Required when mode is 'categories'.")
        if out["mode"] == "offers" and not out["offerIds"]:
            self.errors.add(f"{path}.offerIds", "Required when mode is 'offers'.")
        return out

    def eligibility(self, raw: Any, path: str) -> dict:
        out: dict[str, Any] = {"applyOfferRules": True, "rules": []}
        value = self.obj(raw, path, out)
        if value is None:
            return out
        if "applyOfferRules" in value:
            out["applyOfferRules"] = self.boolean(
                value["applyOfferRules"], f"{path}.applyOfferRules"
            )
        if "rules" in value:
            rules = value["rules"]
            if not isinstance(rules, list) or len(rules) > MAX_RULES:
                self.errors.add(f"{path}.rules", f"Must be a list of at most {MAX_RULES} rules.")
            else:
                out["rules"] = [self.rule(r, f"{path}.rules[{i}]") for i, r in enumerate(rules)]
        return out

    def policy(self, raw: Any, path: str) -> dict | None:
        if not isinstance(raw, dict):
            self.errors.add(path, "Must be an object.")
            return None
        kind = raw.get("type")
        if kind not in POLICY_TYPES:
            self.errors.add(f"{path}.type", f"Must be one of: {', '.join(POLICY_TYPES)}.")
            return None
        if kind == "frequencyCap":
            fields = ("type", "scope", "max", "period", "outcomes")
            if self.obj(raw, path, fields) is None:
                return None
            for required in ("scope", "max", "period"):
                if required not in raw:
                    self.errors.add(f"{path}.{required}", "This field is required.")
            return {
                "type": kind,
                "scope": self.choice(raw.get("scope"), f"{path}.scope", CAP_SCOPES),
                "max": self.integer(raw.get("max"), f"{path}.max", minimum=0, maximum=1_000_000),
                "period": self.choice(raw.get("period"), f"{path}.period", PERIODS),
                "outcomes": self.outcome_list(
                    raw.get("outcomes", ["recommendation"]), f"{path}.outcomes"
                ),
            }
        if kind == "cooldown":
            if self.obj(raw, path, ("type", "scope", "outcomes", "days")) is None:
                return None
            for required in ("outcomes", "days"):
                if required not in raw:
                    self.errors.add(f"{path}.{required}", "This field is required.")
            return {
                "type": kind,
                "scope": self.choice(raw.get("scope", "offer"), f"{path}.scope", COOLDOWN_SCOPES),
                "outcomes": self.outcome_list(raw.get("outcomes"), f"{path}.outcomes"),
                "days": self.integer(raw.get("days"), f"{path}.days", minimum=1, maximum=3650),
            }
        if self.obj(raw, path, ("type", "offerIds", "windowDays", "outcomes")) is None:
            return None
        window = raw.get("windowDays")
        return {
            "type": kind,
            "offerIds": self.ids(raw.get("offerIds"), f"{path}.offerIds", "offer", min_items=2),
            "windowDays": None
            if window is None
            else self.integer(window, f"{path}.windowDays", minimum=1, maximum=3650),
            "outcomes": self.outcome_list(
                raw.get("outcomes", ["recommendation"]), f"{path}.outcomes"
            ),
        }

    def policies(self, raw: Any, path: str) -> list[dict]:
        if not isinstance(raw, list) or len(raw) > MAX_RULES:
            self.errors.add(path, f"Must be a list of at most {MAX_RULES} policies.")
            return []
        out = [self.policy(p, f"{path}[{i}]") for i, p in enumerate(raw)]
        return [p for p in out if p is not None]

    def scoring(self, raw: Any, path: str) -> dict:
        out: dict[str, Any] = {
            "method": "priority",
            "priorityWeight": 1.0,
            "propensity": {
                "positiveOutcomes": ["accept"],
                "baseOutcome": "recommendation",
                "priorStrength": 20.0,
                "globalPrior": 0.05,
            },
            "formula": {"weights": dict.fromkeys(FORMULA_TERMS, 1.0), "defaultValue": 1.0},
            "contextWeights": [],
            "levers": {"offers": {}, "categories": {}},
        }
        value = self.obj(raw, path, out)
        if value is None:
            return out
        if "method" in value:
            out["method"] = self.choice(value["method"], f"{path}.method", SCORING_METHODS)
        if "priorityWeight" in value:
            out["priorityWeight"] = self.number(
                value["priorityWeight"], f"{path}.priorityWeight", minimum=0, maximum=1e6
            )
        if "propensity" in value:
            p = self.obj(value["propensity"], f"{path}.propensity", out["propensity"])
            if p is not None:
                pp = f"{path}.propensity"
                if "positiveOutcomes" in p:
                    out["propensity"]["positiveOutcomes"] = self.outcome_list(
                        p["positiveOutcomes"], f"{pp}.positiveOutcomes"
                    )
                if "baseOutcome" in p:
                    if p["baseOutcome"] not in self.outcomes:
                        self.errors.add(f"{pp}.baseOutcome", "Unknown outcome.")
                    else:
                        out["propensity"]["baseOutcome"] = p["baseOutcome"]
                if "priorStrength" in p:
                    out["propensity"]["priorStrength"] = self.number(
                        p["priorStrength"], f"{pp}.priorStrength", minimum=0, maximum=1e9
                    )
                if "globalPrior" in p:
                    out["propensity"]["globalPrior"] = self.number(
                        p["globalPrior"], f"{pp}.globalPrior", minimum=0, maximum=1
                    )
        if "formula" in value:
            f = self.obj(value["formula"], f"{path}.formula", out["formula"])
            if f is not None:
                if "weights" in f:
                    w = self.obj(f["weights"], f"{path}.formula.weights", FORMULA_TERMS)
                    for term in FORMULA_TERMS:
                        if w is not None and term in w:
                            out["formula"]["weights"][term] = self.number(
                                w[term], f"{path}.formula.weights.{term}", minimum=0, maximum=10
                            )
                if "defaultValue" in f:
                    out["formula"]["defaultValue"] = self.number(
                        f["defaultValue"], f"{path}.formula.defaultValue", minimum=0, maximum=1e12
                    )
        if "contextWeights" in value:
            out["contextWeights"] = self.context_weights(
                value["contextWeights"], f"{path}.contextWeights"
            )
        if "levers" in value:
            out["levers"] = self.levers(value["levers"], f"{path}.levers")
        return out

    def context_weights(self, raw: Any, path: str) -> list[dict]:
        if not isinstance(raw, list) or len(raw) > MAX_RULES:
            self.errors.add(path, f"Must be a list of at most {MAX_RULES} entries.")
            return []
        out = []
        for i, item in enumerate(raw):
            p = f"{path}[{i}]"
            fields = ("rule", "weight", "offerIds", "categoryIds")
            if self.obj(item, p, fields) is None:
                continue
            if "rule" not in item:
                self.errors.add(f"{p}.rule", "This field is required.")
            if "weight" not in item:
                self.errors.add(f"{p}.weight", "This field is required.")
            out.append(
                {
                    "rule": self.rule(item.get("rule"), f"{p}.rule"),
                    "weight": self.number(
                        item.get("weight"), f"{p}.weight", minimum=0, maximum=1e6
                    ),
                    "offerIds": self.ids(item.get("offerIds", []), f"{p}.offerIds", "offer"),
                    "categoryIds": self.ids(
                        item.get("categoryIds", []), f"{p}.categoryIds", "category"
                    ),
                }
            )
        return out

    def levers(self, raw: Any, path: str) -> dict:
        out: dict[str, dict[str, float]] = {"offers": {}, "categories": {}}
        value = self.obj(raw, path, out)
        if value is None:
            return out
        for key, kind in (("offers", "offer"), ("categories", "category")):
            if key not in value:
                continue
            entries = value[key]
            if not isinstance(entries, dict) or len(entries) > MAX_IDS:
                self.errors.add(f"{path}.{key}", "Must be an object of id -> number.")
                continue
            for ident, lever in entries.items():
                out[key][ident] = self.number(
                    lever, f"{path}.{key}.{ident}", minimum=0, maximum=1e6
                )
                self.referenced[kind].add(ident)
        return out

    def ranking(self, raw: Any, path: str) -> dict:
        out: dict[str, Any] = {"limit": 1, "onePerCategory": False}
        value = self.obj(raw, path, out)
        if value is None:
            return out
        if "limit" in value:
            out["limit"] = self.integer(
                value["limit"], f"{path}.limit", minimum=1, maximum=MAX_LIMIT
            )
        if "onePerCategory" in value:
            out["onePerCategory"] = self.boolean(value["onePerCategory"], f"{path}.onePerCategory")
        return out

    def creative_match(self, raw: Any, path: str) -> dict:
        out: dict[str, Any] = {"channelIds": [], "placementId": None, "salt": ""}
        value = self.obj(raw, path, out)
        if value is None:
            return out
        if "channelIds" in value:
            out["channelIds"] = self.ids(value["channelIds"], f"{path}.channelIds", "channel")
        if value.get("placementId") is not None:
            placement = value["placementId"]
            if not isinstance(placement, str) or not placement or len(placement) > 64:
                self.errors.add(f"{path}.placementId", "Must be a placement id or null.")
            else:
                out["placementId"] = placement
                self.placement_ids.add(placement)
        if "salt" in value:
            if not isinstance(value["salt"], str) or len(value["salt"]) > 100:
                self.errors.add(f"{path}.salt", "Must be a string of at most 100 characters.")
            else:
                out["salt"] = value["salt"]
        return out

    def personalization(self, raw: Any, path: str) -> dict:
        out = {"enabled": True}
        value = self.obj(raw, path, out)
        if value is not None and "enabled" in value:
            out["enabled"] = self.boolean(value["enabled"], f"{path}.enabled")
        return out


SECTIONS = (
    "inventory",
    "eligibility",
    "contactPolicies",
    "scoring",
    "ranking",
    "creativeMatch",
    "personalization",
)


class ValidatedConfig:
    """A normalised config (every default filled in) plus the ids it references."""

    def __init__(self, config: dict, referenced: dict[str, set[str]], placements: set[str]):
        self.config = config
        self.referenced = referenced
        self.placements = placements


def validate_config(
    raw: Any,
    *,
    outcomes: Iterable[str] = BUILTIN_OUTCOMES,
    check_rule: RuleChecker | None = None,
    root: str = "config",
) -> ValidatedConfig:
    """Validate ``raw`` strictly and return it normalised; raises InvalidInput naming paths."""
    v = _Validator(outcomes=outcomes, check_rule=check_rule, root=root)
    config: dict[str, Any] = {}
    value = v.obj(raw if raw is not None else {}, root, SECTIONS)
    value = value or {}
    config["inventory"] = v.inventory(value.get("inventory", {}), f"{root}.inventory")
    config["eligibility"] = v.eligibility(value.get("eligibility", {}), f"{root}.eligibility")
    config["contactPolicies"] = v.policies(
        value.get("contactPolicies", []), f"{root}.contactPolicies"
    )
    config["scoring"] = v.scoring(value.get("scoring", {}), f"{root}.scoring")
    config["ranking"] = v.ranking(value.get("ranking", {}), f"{root}.ranking")
    config["creativeMatch"] = v.creative_match(
        value.get("creativeMatch", {}), f"{root}.creativeMatch"
    )
    config["personalization"] = v.personalization(
        value.get("personalization", {}), f"{root}.personalization"
    )
    v.errors.raise_if_any()
    return ValidatedConfig(copy.deepcopy(config), v.referenced, v.placement_ids)


def normalized(raw: Any) -> dict:
    """The config with defaults filled in, without rule or outcome checks (for stored data)."""
    return validate_config(raw, outcomes=_AnyOutcome()).config


class _AnyOutcome(set):
    def __contains__(self, item: object) -> bool:
        return isinstance(item, str)

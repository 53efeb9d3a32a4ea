"""core.rules: parsing, validation errors and the Python meaning of every operator."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from core.errors import InvalidInput
from core.rules import OPERATORS, evaluate, parse_rule


def rule(field: str, operator: str, value: Any = None, **extra: Any) -> dict:
    item: dict[str, Any] = {"field": field, "operator": operator}
    if operator not in ("is_null", "is_not_null"):
        item["value"] = value
    return {"combinator": "AND", "filters": [item], **extra}


def matches(field: str, operator: str, value: Any, record: dict) -> bool:
    return evaluate(parse_rule(rule(field, operator, value)), record)


CUSTOMER = {
    "external_id": "C-1",
    "email": "ada@example.com",
    "country": "NO",
    "phone": None,
    "attributes": {
        "age": 36,
        "score": 0.75,
        "age_text": "36",
        "tier": "gold",
        "since": "2021-03-05",
        "seen": "2024-06-01T12:00:00+02:00",
        "vip": True,
        "nothing": None,
        "nested": {"level": 2},
        "tags": ["a", "b"],
    },
}

# (field, operator, value, expected) - every operator, with matches and misses
TABLE: list[tuple[str, str, Any, bool]] = [
    ("attributes.age", "eq", 36, True),
    ("attributes.age", "eq", 36.0, True),
    ("attributes.age_text", "eq", 36, True),  # numeric strings compare as numbers
    ("attributes.age_text", "eq", "36", True),
    ("attributes.age", "eq", "36", False),  # a number is not the string "36"
    ("attributes.age", "neq", 37, True),
    ("attributes.age", "neq", 36, False),
    ("attributes.missing", "neq", 36, True),  # neq is NOT eq: true when missing
    ("attributes.tier", "neq", 36, True),  # ... and when mistyped
    ("attributes.age", "gt", 35, True),
    ("attributes.age", "gt", 36, False),
    ("attributes.age", "gte", 36, True),
    ("attributes.age", "lt", 100, True),
    ("attributes.age", "lte", 35.5, False),
    ("attributes.score", "gt", 0.7, True),
    ("attributes.age_text", "gt", 9, True),  # 36 > 9 as numbers (not as strings)
    ("attributes.tier", "gt", 1, False),  # mistyped -> false
    ("attributes.missing", "lt", 1, False),  # missing -> false
    ("attributes.since", "gt", "2021-01-01", True),  # dates as dates
    ("attributes.since", "lt", "2021-03-05T00:00:01Z", True),
    ("attributes.since", "eq", "2021-03-05T00:00:00+00:00", True),
    ("attributes.seen", "eq", "2024-06-01T10:00:00Z", True),  # offsets normalized
    ("attributes.seen", "lt", "2024-06-01T11:00:00", True),  # naive = UTC
    ("attributes.tier", "gt", "2020-01-01", False),  # not a date -> false
    ("email", "gt", "a", True),  # strings by code point
    ("email", "lt", "Z", False),
    ("attributes.vip", "eq", True, True),
    ("attributes.vip", "eq", False, False),
    ("attributes.tier", "eq", True, False),
    ("country", "in", ["NO", "SE"], True),
    ("country", "in", ["DK"], False),
    ("attributes.age", "in", [1, 36], True),
    ("attributes.since", "in", ["2021-03-05T00:00:00Z"], True),
    ("country", "not_in", ["DK"], True),
    ("country", "not_in", ["NO"], False),
    ("phone", "not_in", ["+4712345678"], True),  # null -> not_in is true
    ("email", "contains", "@example", True),
    ("email", "contains", "EXAMPLE", False),  # case-sensitive
    ("attributes.age", "contains", "3", False),  # numbers are not text
    ("email", "starts_with", "ada@", True),
    ("email", "starts_with", "bob", False),
    ("email", "regex", r"^[a-z]+@example\.com$", True),
    ("email", "regex", r"\d", False),
    ("attributes.tier", "regex", "^(gold|silver)$", True),
    ("phone", "is_null", None, True),
    ("attributes.nothing", "is_null", None, True),
    ("attributes.missing", "is_null", None, True),
    ("attributes.tier", "is_null", None, False),
    ("email", "is_not_null", None, True),
    ("attributes.missing", "is_not_null", None, False),
    ("attributes.nested.level", "eq", 2, True),
    ("attributes.tags.a", "is_null", None, True),  # lists are not walked
]


@pytest.mark.parametrize(("field", "operator", "value", "expected"), TABLE)
def test_operator_semantics(field: str, operator: str, value: Any, expected: bool) -> None:
    assert matches(field, operator, value, CUSTOMER) is expected


def test_the_table_covers_every_operator() -> None:
    assert {op for _, op, _, _ in TABLE} == set(OPERATORS)


def test_combinators_and_nested_groups() -> None:
    gold = {"field": "attributes.tier", "operator": "eq", "value": "gold"}
    young = {"field": "attributes.age", "operator": "lt", "value": 18}
    norway = {"field": "country", "operator": "eq", "value": "NO"}
    assert not evaluate(parse_rule({"combinator": "AND", "filters": [gold, young]}), CUSTOMER)
    assert evaluate(parse_rule({"combinator": "OR", "filters": [gold, young]}), CUSTOMER)
    nested = {
        "combinator": "AND",
        "filters": [norway, {"combinator": "OR", "filters": [young, gold]}],
    }
    assert evaluate(parse_rule(nested), CUSTOMER)
    assert evaluate(parse_rule({"combinator": "OR", "filters": []}), CUSTOMER)  # empty = all


def test_python_values_from_the_orm_are_understood() -> None:
    record = {
        "attributes": {},
        "when": datetime(2024, 1, 1, 12, tzinfo=UTC),
        "day": date(2024, 1, 2),
    }
    parsed = parse_rule(
        {"filters": [{"field": "context.when", "operator": "lt", "value": "2024-01-02"}]},
        namespaces=("context",),
    )
    assert evaluate(parsed, {"context": record})
    parsed = parse_rule(
        {"filters": [{"field": "context.day", "operator": "eq", "value": "2024-01-02"}]},
        namespaces=("context",),
    )
    assert evaluate(parsed, {"context": record})


def test_namespaces() -> None:
    raw = {
        "combinator": "AND",
        "filters": [
            {"field": "customer.attributes.age", "operator": "gte", "value": 18},
            {"field": "offer.priority", "operator": "gt", "value": 10},
        ],
    }
    parsed = parse_rule(raw, namespaces=("customer", "offer", "channel", "context"))
    assert evaluate(parsed, {"customer": CUSTOMER, "offer": {"priority": 50}})
    assert not evaluate(parsed, {"customer": CUSTOMER, "offer": {"priority": 5}})
    with pytest.raises(InvalidInput) as caught:
        parse_rule(raw, namespaces=("customer",))
    assert "filters[1].field" in caught.value.details
    with pytest.raises(InvalidInput):
        parse_rule(rule("attributes.age", "eq", 1), namespaces=("customer",))


def test_camel_case_customer_fields_are_accepted() -> None:
    parsed = parse_rule(rule("externalId", "eq", "C-1"))
    assert parsed.to_dict()["filters"][0]["field"] == "external_id"
    assert evaluate(parsed, CUSTOMER)


BAD: list[tuple[Any, str]] = [
    ("not a rule", "rule"),
    ({"combinator": "XOR", "filters": []}, "combinator"),
    ({"filters": "x"}, "filters"),
    ({"filters": [1]}, "filters[0]"),
    ({"filters": [{"field": "email", "operator": "eq", "value": "a", "x": 1}]}, "filters[0].x"),
    (rule("", "eq", 1), "filters[0].field"),
    (rule("password", "eq", 1), "filters[0].field"),
    (rule("attributes", "eq", 1), "filters[0].field"),
    (rule("attributes.a b", "eq", 1), "filters[0].field"),
    (rule("attributes.x'); DROP TABLE t; --", "eq", 1), "filters[0].field"),
    (rule('attributes."quoted"', "eq", 1), "filters[0].field"),
    (rule("attributes." + "a" * 65, "eq", 1), "filters[0].field"),
    (rule("email", "like", "a"), "filters[0].operator"),
    (rule("email", "eq", None), "filters[0].value"),
    (rule("email", "eq", {"a": 1}), "filters[0].value"),
    (rule("email", "eq", [1]), "filters[0].value"),
    (rule("email", "eq", "a\u0000b"), "filters[0].value"),
    (rule("email", "eq", float("nan")), "filters[0].value"),
    (rule("email", "in", "a"), "filters[0].value"),
    (rule("email", "in", []), "filters[0].value"),
    (rule("email", "in", [1, "a"]), "filters[0].value"),
    (rule("email", "in", [None]), "filters[0].value"),
    (rule("email", "in", list(range(1001))), "filters[0].value"),
    (rule("email", "gt", True), "filters[0].value"),
    (rule("email", "contains", 3), "filters[0].value"),
    (rule("email", "starts_with", True), "filters[0].value"),
    (rule("email", "regex", "("), "filters[0].value"),
    (rule("email", "regex", "(a+)+"), "filters[0].value"),
    (rule("email", "regex", "(a|aa)*"), "filters[0].value"),
    (rule("email", "regex", r"\bword"), "filters[0].value"),
    (rule("email", "regex", r"(a)\1"), "filters[0].value"),
    (rule("email", "regex", "(?=a)"), "filters[0].value"),
    (rule("email", "regex", "(?P<n>a)"), "filters[0].value"),
    (rule("email", "regex", "[[:alpha:]]"), "filters[0].value"),
    (rule("email", "regex", "a{300}"), "filters[0].value"),
    (rule("email", "regex", "a{3,1}"), "filters[0].value"),
    (rule("email", "regex", "x" * 201), "filters[0].value"),
    (rule("email", "regex", "[z-a]"), "filters[0].value"),
    ({"filters": [{"field": "email", "operator": "is_null", "value": "x"}]}, "filters[0].value"),
    (rule("attributes.d", "gt", "2024-02-30"), "none"),  # not a real date: compares as text
]


@pytest.mark.parametrize(("raw", "path"), BAD)
def test_invalid_rules_name_the_offending_filter(raw: Any, path: str) -> None:
    if path == "none":
        parse_rule(raw)
        return
    with pytest.raises(InvalidInput) as caught:
        parse_rule(raw)
    assert path in caught.value.details, caught.value.details


def test_every_bad_filter_is_reported_at_once() -> None:
    raw = {
        "filters": [
            {"field": "email", "operator": "nope", "value": 1},
            {"field": "attributes.ok", "operator": "eq", "value": 1},
            {"combinator": "OR", "filters": [{"field": "bad field", "operator": "eq", "value": 1}]},
        ]
    }
    with pytest.raises(InvalidInput) as caught:
        parse_rule(raw)
    assert set(caught.value.details) == {"filters[0].operator", "filters[2].filters[0].field"}


def test_depth_and_size_limits() -> None:
    deep: dict = {"filters": []}
    node = deep
    for _ in range(6):
        child: dict = {"combinator": "OR", "filters": []}
        node["filters"].append(child)
        node = child
    with pytest.raises(InvalidInput):
        parse_rule(deep)
    many = {"filters": [{"field": "email", "operator": "is_null"}] * 201}
    with pytest.raises(InvalidInput):
        parse_rule(many)


def test_round_trip_keeps_the_rule() -> None:
    raw = rule("attributes.age", "in", [1, 2.5])
    assert parse_rule(parse_rule(raw).to_dict()).to_dict() == parse_rule(raw).to_dict()


def test_regex_is_portable() -> None:
    # $ is the end of the text (Python's $ would also match before a final newline)
    assert not matches("email", "regex", "a$", {"email": "a\n"})
    # . matches a newline, as in PostgreSQL
    assert matches("email", "regex", "a.b", {"email": "a\nb"})
    # \d is ASCII only
    assert not matches("email", "regex", r"\d", {"email": "\u0663"})
    assert matches("email", "regex", r"[\d.]+", {"email": "1.5"})

"""The SQL compilation and the Python evaluation of core.rules select the same customers.

Customers hold one interesting value each (numbers, numeric strings, dates, invalid dates,
booleans, null, missing, objects, lists, odd text) in a plain column and in an attribute;
every operator is tried with literals of every type, then hypothesis tries random rules
(nested groups included).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audience.models import Customer
from audience.segment_sql import rule_where
from core.rules import OPERATORS, evaluate, parse_rule

MISSING = object()

VALUES: list[Any] = [
    MISSING,
    None,
    0,
    1,
    -1,
    36,
    36.0,
    0.1,
    -2.25,
    1e-5,
    1e20,
    10**20,
    True,
    False,
    "",
    " ",
    "36",
    "036",
    " 36",
    "+5",
    ".5",
    "5.",
    "1e3",
    "1e999",
    "-0",
    "abc",
    "gold",
    "Gold",
    "GOLD",
    "gold ",
    "a'b",
    'a"b',
    "50%_off",
    "back\\slash",
    "line\nbreak",
    "ü",
    "Ωmega",
    "😀",
    "2021-03-05",
    "2021-03-05T10:00:00Z",
    "2021-03-05T10:00:00+02:00",
    "2021-03-05 10:00",
    "2021-03-05T10:00:00.123456",
    "2024-02-29",
    "2023-02-29",
    "2021-13-01",
    "0000-01-01",
    "2021-03-05T25:00",
    {"k": 1},
    {"k": "gold"},
    [1, 2],
    ["gold"],
]

LITERALS: list[Any] = [
    0,
    1,
    36,
    -1,
    0.1,
    1e20,
    36.5,
    True,
    False,
    "",
    "36",
    "gold",
    "Gold",
    "a'b",
    "50%_off",
    "\\",
    "ü",
    "😀",
    "2021-03-05",
    "2021-03-05T08:00:00Z",
    "2021-03-05T10:00:00",
    "2024-02-29T00:00:00+00:00",
    "2023-02-29",
]
REGEXES = [
    "",
    "^g",
    "d$",
    "^$",
    "o+",
    "[0-9]+",
    r"^\d+$",
    r"\s",
    r"\S+\s*",
    "[^a-z]",
    "^(gold|Gold)$",
    "a{1,2}",
    r"\.",
    r"\\",
    r"'",
    "%",
    ".",
    "^.$",
    "ü|😀",
    "[Ωü]",
    r"^20[0-9]{2}-",
    r"(?:ab)?c",
    r"\n",
    r"[\d\-]+",
]

FIELDS = ["email", "country", "attributes.v", "attributes.v.k", "attributes.missing"]


@pytest.fixture
def population(personas: Any) -> tuple[Any, list[dict]]:
    tenant = personas.tenant_a
    rows = []
    for i, value in enumerate(VALUES):
        attributes = {} if value is MISSING else {"v": value}
        text = value if isinstance(value, str) else None
        rows.append(
            Customer(
                tenant=tenant,
                external_id=f"E{i}",
                email=text,
                country=text if isinstance(text, str) and len(text) <= 2 else None,
                attributes=attributes,
            )
        )
    Customer.objects.bulk_create(rows)
    # another tenant's customers must never show up
    Customer.objects.create(tenant=personas.tenant_b, external_id="B", email="gold")
    records = list(
        Customer.objects.filter(tenant=tenant).values(
            "id",
            "external_id",
            "email",
            "phone",
            "first_name",
            "last_name",
            "country",
            "timezone",
            "attributes",
        )
    )
    return tenant, records


def sql_ids(tenant: Any, raw: dict) -> set[int]:
    where, params = rule_where(parse_rule(raw))
    qs = Customer.objects.filter(tenant=tenant).filter(
        RawSQL(where, params, output_field=BooleanField())
    )
    return set(qs.values_list("id", flat=True))


def python_ids(records: list[dict], raw: dict) -> set[int]:
    parsed = parse_rule(raw)
    return {r["id"] for r in records if evaluate(parsed, r)}


def assert_same(population: tuple[Any, list[dict]], raw: dict) -> set[int]:
    tenant, records = population
    in_sql = sql_ids(tenant, raw)
    in_python = python_ids(records, raw)
    by_id = {r["id"]: r for r in records}
    assert in_sql == in_python, (
        raw,
        [by_id[i]["attributes"] or by_id[i]["email"] for i in in_sql - in_python],
        [by_id[i]["attributes"] or by_id[i]["email"] for i in in_python - in_sql],
    )
    return in_sql


def one(field: str, operator: str, value: Any = None) -> dict:
    item: dict[str, Any] = {"field": field, "operator": operator}
    if operator not in ("is_null", "is_not_null"):
        item["value"] = value
    return {"combinator": "AND", "filters": [item]}


def literal_cases() -> list[tuple[str, Any]]:
    cases: list[tuple[str, Any]] = []
    for operator in OPERATORS:
        if operator in ("is_null", "is_not_null"):
            cases.append((operator, None))
        elif operator in ("in", "not_in"):
            cases += [
                (operator, [1, 36, 0.1]),
                (operator, ["gold", "36", "ü"]),
                (operator, ["2021-03-05", "2021-03-05T08:00:00Z"]),
                (operator, ["2021-03-05", "gold"]),
                (operator, [True]),
            ]
        elif operator == "regex":
            cases += [(operator, r) for r in REGEXES]
        elif operator in ("contains", "starts_with"):
            cases += [(operator, v) for v in LITERALS if isinstance(v, str)]
        else:
            cases += [
                (operator, v)
                for v in LITERALS
                if not (isinstance(v, bool) and operator in ("gt", "gte", "lt", "lte"))
            ]
    return cases


@pytest.mark.parametrize("field", FIELDS)
def test_every_operator_and_literal_selects_the_same_customers(
    population: tuple[Any, list[dict]], field: str
) -> None:
    selected_something = False
    for operator, value in literal_cases():
        if assert_same(population, one(field, operator, value)):
            selected_something = True
    assert selected_something


def test_missing_null_and_mistyped_values_follow_the_documented_rules(
    population: tuple[Any, list[dict]],
) -> None:
    _tenant, records = population
    by_external = {r["external_id"]: r["id"] for r in records}
    missing = by_external[f"E{VALUES.index(MISSING)}"]
    null = by_external[f"E{VALUES.index(None)}"]
    text = by_external[f"E{VALUES.index('abc')}"]
    number = by_external[f"E{VALUES.index(36)}"]
    numeric_text = by_external[f"E{VALUES.index('36')}"]
    for operator in ("eq", "gt", "gte", "lt", "lte"):
        chosen = assert_same(population, one("attributes.v", operator, 1))
        assert not {missing, null, text} & chosen
    neq = assert_same(population, one("attributes.v", "neq", 36))
    assert {missing, null, text} <= neq and number not in neq and numeric_text not in neq
    not_in = assert_same(population, one("attributes.v", "not_in", [36]))
    assert {missing, null, text} <= not_in
    assert assert_same(population, one("attributes.v", "is_null")) == {missing, null}
    assert missing in assert_same(population, one("attributes.v", "neq", "abc"))


SCALARS = st.one_of(
    st.sampled_from(LITERALS),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.text(
        alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=["Cs"]), max_size=6
    ),
    st.booleans(),
)


@st.composite
def filters(draw: Any) -> dict:
    field = draw(st.sampled_from(FIELDS))
    operator = draw(st.sampled_from(OPERATORS))
    if operator in ("is_null", "is_not_null"):
        return {"field": field, "operator": operator}
    if operator == "regex":
        return {"field": field, "operator": operator, "value": draw(st.sampled_from(REGEXES))}
    if operator in ("contains", "starts_with"):
        text = st.text(
            alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=["Cs"]),
            max_size=3,
        )
        value = draw(st.one_of(text, st.sampled_from([v for v in LITERALS if isinstance(v, str)])))
        return {"field": field, "operator": operator, "value": value}
    if operator in ("in", "not_in"):
        kind = draw(st.sampled_from(["number", "text", "bool"]))
        strategy = {
            "number": st.one_of(st.integers(-100, 100), st.sampled_from([0.1, 36, 1e20])),
            "text": st.sampled_from([v for v in LITERALS if isinstance(v, str)]),
            "bool": st.booleans(),
        }[kind]
        return {
            "field": field,
            "operator": operator,
            "value": draw(st.lists(strategy, min_size=1, max_size=4)),
        }
    value = draw(SCALARS)
    if isinstance(value, bool) and operator in ("gt", "gte", "lt", "lte"):
        operator = "eq"
    return {"field": field, "operator": operator, "value": value}


@st.composite
def rules(draw: Any, depth: int = 0) -> dict:
    children = draw(
        st.lists(
            filters() if depth >= 2 else st.one_of(filters(), rules(depth + 1)),
            max_size=3,
        )
    )
    return {"combinator": draw(st.sampled_from(["AND", "OR"])), "filters": children}


def test_random_rules_select_the_same_customers(population: tuple[Any, list[dict]]) -> None:
    @settings(
        max_examples=250,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(rules())
    def check(raw: dict) -> None:
        assert_same(population, raw)

    check()

"""The /recommend body's fast path (plain JSON values taken as they are) must mean exactly
what RecommendRequestSerializer means: for every body it accepts, the serializer accepts it
too and returns the same data; bodies it declines still get the serializer's errors."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError

from decisioning.serializers import (
    RecommendRequestSerializer,
    _plain_recommend_body,
    recommend_body,
)

FIELDS = [
    "customerId",
    "decisionFlowKey",
    "decisionFlowId",
    "channel",
    "placement",
    "limit",
    "context",
    "attributes",
    "debug",
    "unknownField",
]
tricky_text = st.sampled_from(
    ["", " ", "a", " a", "a ", "c-1", "x" * 40, "x" * 41, "y" * 256, "\x00", "é", "\ud800", "\x1c"]
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=60),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    tricky_text,
)
values = st.one_of(
    json_scalars,
    st.lists(json_scalars, max_size=3),
    st.dictionaries(st.text(max_size=5), json_scalars, max_size=3),
)
bodies = st.dictionaries(st.sampled_from(FIELDS), values, max_size=6)


def serializer_result(body: Any) -> dict[str, Any] | None:
    serializer = RecommendRequestSerializer(data=body)
    return dict(serializer.validated_data) if serializer.is_valid() else None


@settings(max_examples=1500, deadline=None)
@given(body=bodies, customer=st.one_of(st.just("cust-1"), tricky_text, json_scalars))
def test_fast_path_means_what_the_serializer_means(body: dict[str, Any], customer: Any) -> None:
    body = {"customerId": customer, **body}
    fast = _plain_recommend_body(body)
    if fast is not None:
        assert serializer_result(body) == fast


def test_plain_body_takes_the_fast_path() -> None:
    body = {
        "customerId": "c-1",
        "decisionFlowKey": "default",
        "channel": "email",
        "limit": 3,
        "context": {"page": "home"},
        "attributes": {"tier": "gold"},
        "debug": True,
    }
    assert _plain_recommend_body(body) == body
    assert recommend_body({"customerId": "c-1"}) == {"customerId": "c-1", "debug": False}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "customerId"),
        ({"customerId": ""}, "customerId"),
        ({"customerId": "c", "limit": 0}, "limit"),
        ({"customerId": "c", "limit": 51}, "limit"),
        ({"customerId": "c", "context": []}, "context"),
        ({"customerId": "c", "debug": "maybe"}, "debug"),
        ({"customerId": "c", "decisionFlowKey": "k" * 101}, "decisionFlowKey"),
        ({"customerId": "c", "extra": 1}, "extra"),
    ],
)
def test_invalid_bodies_get_the_serializer_error(body: dict[str, Any], field: str) -> None:
    assert _plain_recommend_body(body) is None
    with pytest.raises(ValidationError) as caught:
        recommend_body(body)
    assert field in caught.value.detail


def test_drf_coercions_still_apply_off_the_fast_path() -> None:
    # A number as customerId and " padded " text are what DRF converts; the slow path does.
    assert recommend_body({"customerId": 42, "channel": " email "}) == {
        "customerId": "42",
        "channel": "email",
        "debug": False,
    }

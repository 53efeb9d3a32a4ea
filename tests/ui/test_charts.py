from __future__ import annotations

from ui.charts import MAX_BARS, VALUE_ROOM, bar_chart


def test_bars_are_sorted_and_scaled_to_the_largest() -> None:
    chart = bar_chart(
        chart_id="c",
        title="By offer",
        noun="offers",
        items=[
            {"id": "a", "name": "Small", "count": 5},
            {"id": "b", "name": "Big", "count": 20},
            {"id": "c", "name": "Zero", "count": 0},
        ],
    )
    assert [bar.name for bar in chart.bars] == ["Big", "Small", "Zero"]
    big, small, zero = chart.bars
    assert big.width == chart.width - chart.label_width - VALUE_ROOM
    assert small.width == big.width / 4
    assert zero.width == 0
    assert chart.total == 25
    assert big.percent == 80.0
    assert "Big with 20 (80%)" in chart.description
    assert chart.height > 3 * chart.bar_height


def test_many_items_are_folded_into_others() -> None:
    items = [{"id": str(i), "name": f"Offer {i:02d}", "count": 100 - i} for i in range(20)]
    chart = bar_chart(chart_id="c", title="t", noun="offers", items=items)
    assert len(chart.bars) == MAX_BARS
    assert chart.bars[-1].name == "9 others"
    assert chart.total == sum(100 - i for i in range(20))


def test_long_names_are_shortened_for_the_label_only() -> None:
    name = "An offer with a really very long marketing name"
    chart = bar_chart(chart_id="c", title="t", noun="offers", items=[{"name": name, "count": 1}])
    assert chart.bars[0].name == name
    assert chart.bars[0].short_name.endswith("…")
    assert len(chart.bars[0].short_name) <= 19


def test_empty_and_malformed_items() -> None:
    assert bar_chart(chart_id="c", title="t", noun="offers", items=[]).empty
    chart = bar_chart(
        chart_id="c", title="t", noun="offers", items=[{"id": "x", "count": "oops"}, {"count": -3}]
    )
    assert [bar.count for bar in chart.bars] == [0, 0]
    assert chart.bars[0].name in ("x", "(unnamed)")

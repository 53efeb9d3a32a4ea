"""Horizontal bar charts as plain geometry; ``ui/partials/bar_chart.html`` draws them as inline
SVG (escaped by the template engine), with a title, a description and a data table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MAX_BARS = 12
MAX_LABEL_CHARS = 19
VALUE_ROOM = 70


@dataclass(frozen=True)
class Bar:
    name: str
    short_name: str
    count: int
    percent: float
    y: float
    width: float
    text_y: float
    value_x: float


@dataclass(frozen=True)
class BarChart:
    chart_id: str
    title: str
    description: str
    noun: str
    bars: tuple[Bar, ...]
    total: int
    width: int
    height: int
    label_width: int
    bar_height: int

    @property
    def empty(self) -> bool:
        return not self.bars


def _short(name: str) -> str:
    return name if len(name) <= MAX_LABEL_CHARS else name[: MAX_LABEL_CHARS - 1] + "…"


def _rows(items: Iterable[Mapping[str, Any]]) -> list[tuple[str, int]]:
    rows: list[tuple[str, int]] = []
    for item in items:
        try:
            count = int(item.get("count") or 0)
        except (TypeError, ValueError):
            count = 0
        name = str(item.get("name") or item.get("id") or "(unnamed)")
        rows.append((name, max(count, 0)))
    rows.sort(key=lambda row: (-row[1], row[0]))
    if len(rows) > MAX_BARS:
        rest = sum(count for _, count in rows[MAX_BARS - 1 :])
        rows = [*rows[: MAX_BARS - 1], (f"{len(rows) - MAX_BARS + 1} others", rest)]
    return rows


def bar_chart(
    *,
    chart_id: str,
    title: str,
    noun: str,
    items: Iterable[Mapping[str, Any]],
    width: int = 480,
    label_width: int = 170,
    bar_height: int = 26,
    gap: int = 10,
) -> BarChart:
    """``items`` are ``{"id", "name", "count"}`` dicts (a run summary's ``byOffer`` list)."""
    rows = _rows(items)
    total = sum(count for _, count in rows)
    biggest = max((count for _, count in rows), default=0)
    value_room = VALUE_ROOM
    track = width - label_width - value_room
    bars = []
    for index, (name, count) in enumerate(rows):
        y = gap + index * (bar_height + gap)
        bar_width = round(track * count / biggest, 1) if biggest else 0.0
        bars.append(
            Bar(
                name=name,
                short_name=_short(name),
                count=count,
                percent=round(100 * count / total, 1) if total else 0.0,
                y=y,
                width=max(bar_width, 2.0 if count else 0.0),
                text_y=y + bar_height / 2,
                value_x=label_width + bar_width + 8,
            )
        )
    height = gap + len(rows) * (bar_height + gap)
    if rows:
        top_name, top_count = rows[0]
        share = round(100 * top_count / total) if total else 0
        description = (
            f"{len(rows)} {noun} share {total:,} recommendations; the largest is "
            f"{top_name} with {top_count:,} ({share}%)."
        )
    else:
        description = "No recommendations were made."
    return BarChart(
        chart_id=chart_id,
        title=title,
        description=description,
        noun=noun,
        bars=tuple(bars),
        total=total,
        width=width,
        height=max(height, 40),
        label_width=label_width,
        bar_height=bar_height,
    )

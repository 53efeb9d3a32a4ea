"""Keyset cursor pagination of GET /api/v1/creatives (default 25, newest first)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from core.services import entity_soft_delete
from creatives.models import Creative
from tests.creatives.factories import make_channel, make_creative, make_offer

pytestmark = pytest.mark.django_db

URL = "/api/v1/creatives"


def walk(client: Any, **params: Any) -> tuple[list[str], list[dict]]:
    ids: list[str] = []
    pages: list[dict] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        page = client.get(URL, query).json()
        pages.append(page["pagination"])
        ids += [row["id"] for row in page["data"]]
        cursor = page["pagination"]["nextCursor"]
        if not page["pagination"]["hasMore"]:
            assert cursor is None
            return ids, pages


@pytest.fixture
def thirty(personas: Any) -> list[Creative]:
    """30 creatives; several share a created_at so the id breaks the tie."""
    offer, channel = make_offer(personas.tenant_a), make_channel(personas.tenant_a)
    base = timezone.now() - timedelta(days=1)
    rows = []
    for i in range(30):
        rows.append(
            make_creative(
                personas.tenant_a,
                offer=offer,
                channel=channel,
                created_at=base + timedelta(minutes=i // 3),
            )
        )
    return rows


def newest_first(rows: list[Creative]) -> list[str]:
    return [c.pk for c in sorted(rows, key=lambda c: (c.created_at, c.pk), reverse=True)]


def test_default_page_is_25_newest_first(api: Any, thirty: list[Creative]) -> None:
    page = api("viewer_a").get(URL).json()
    assert page["pagination"]["limit"] == 25
    assert page["pagination"]["total"] == 30 and page["pagination"]["hasMore"] is True
    assert [row["id"] for row in page["data"]] == newest_first(thirty)[:25]


def test_walking_the_cursor_visits_every_row_once_in_order(
    api: Any, thirty: list[Creative]
) -> None:
    ids, pages = walk(api("viewer_a"), limit=7)
    assert ids == newest_first(thirty)
    assert [p["total"] for p in pages] == [30] * 5
    assert [p["limit"] for p in pages] == [7] * 5


def test_cursor_pages_with_include_deleted(api: Any, thirty: list[Creative]) -> None:
    deleted = thirty[::4]
    for creative in deleted:
        entity_soft_delete(instance=creative)
    live = [c for c in thirty if c not in deleted]

    ids, pages = walk(api("viewer_a"), limit=4)
    assert ids == newest_first(live) and pages[0]["total"] == len(live)

    ids, pages = walk(api("viewer_a"), limit=4, includeDeleted="true")
    assert ids == newest_first(thirty) and pages[0]["total"] == 30

    client = api("viewer_a")
    first = client.get(URL, {"limit": 10, "includeDeleted": "true"}).json()
    rows = first["data"]
    assert {r["deletedAt"] is not None for r in rows} == {True, False}


def test_rows_created_while_paging_do_not_shift_later_pages(
    api: Any, personas: Any, thirty: list[Creative]
) -> None:
    client = api("viewer_a")
    first = client.get(URL, {"limit": 10}).json()
    make_creative(personas.tenant_a)  # newest, lands before page one
    second = client.get(URL, {"limit": 10, "cursor": first["pagination"]["nextCursor"]}).json()
    assert [r["id"] for r in first["data"] + second["data"]] == newest_first(thirty)[:20]


def test_another_tenants_rows_never_appear(api: Any, personas: Any, thirty: list[Creative]) -> None:
    for _ in range(3):
        make_creative(personas.tenant_b)
    ids, _ = walk(api("viewer_a"), limit=8, includeDeleted="true")
    assert set(ids) == {c.pk for c in thirty}

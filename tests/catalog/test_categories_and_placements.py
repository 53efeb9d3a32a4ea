"""Category delete rule (409 while used) and placement uniqueness per channel."""

from __future__ import annotations

from typing import Any

from catalog.models import Category
from tests.api_suite import assert_error
from tests.catalog.factories import make_category, make_channel, make_offer, make_placement

CATEGORIES = "/api/v1/categories"
PLACEMENTS = "/api/v1/placements"


def test_deleting_a_category_used_by_live_offers_is_409(personas: Any) -> None:
    category = make_category(personas.tenant_a, name="Loans")
    offers = [make_offer(personas.tenant_a, category=category, name=f"Loan {i}") for i in range(2)]
    admin = personas.client("admin_a")
    error = assert_error(admin.delete(f"{CATEGORIES}/{category.pk}"), 409)
    assert error["code"] == "CONFLICT"
    assert error["details"] == {"offerCount": 2, "offers": ["Loan 0", "Loan 1"]}
    category.refresh_from_db()
    assert category.deleted_at is None and category.version == 1
    for offer in offers:
        assert admin.delete(f"/api/v1/offers/{offer.pk}").status_code == 200
    assert admin.delete(f"{CATEGORIES}/{category.pk}").json() == {
        "success": True,
        "id": category.pk,
    }
    assert Category.all_objects.get(pk=category.pk).deleted_at is not None


def test_offers_of_another_tenant_do_not_count(personas: Any) -> None:
    category = make_category(personas.tenant_a)
    make_offer(personas.tenant_b)
    assert personas.client("admin_a").delete(f"{CATEGORIES}/{category.pk}").status_code == 200


def test_categories_list_by_ordinal_then_name(personas: Any) -> None:
    make_category(personas.tenant_a, name="B", ordinal=2)
    make_category(personas.tenant_a, name="Z", ordinal=1)
    make_category(personas.tenant_a, name="A", ordinal=2)
    names = [c["name"] for c in personas.client("viewer_a").get(CATEGORIES).json()["data"]]
    assert names == ["Z", "A", "B"]


def test_category_duplicate_name_is_409_on_create_and_rename(personas: Any) -> None:
    make_category(personas.tenant_a, name="Cards")
    other = make_category(personas.tenant_a, name="Loans")
    client = personas.client("editor_a")
    assert_error(client.post(CATEGORIES, {"name": "Cards"}, format="json"), 409)
    assert_error(client.put(f"{CATEGORIES}/{other.pk}", {"name": "Cards"}, format="json"), 409)


def test_placement_names_are_unique_per_channel_only(personas: Any) -> None:
    web, app = (make_channel(personas.tenant_a, channel_type=t) for t in ("web", "in_app"))
    client = personas.client("editor_a")
    body = {"channelId": web.pk, "name": "Hero"}
    created = client.post(PLACEMENTS, body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["maxSlots"] == 1 and created.json()["slotType"] == "banner"
    assert created.json()["channel"] == {"id": web.pk, "name": web.name, "channelType": "web"}
    assert_error(client.post(PLACEMENTS, body, format="json"), 409)
    assert client.post(PLACEMENTS, {**body, "channelId": app.pk}, format="json").status_code == 201
    sidebar = make_placement(personas.tenant_a, channel=web, name="Sidebar")
    response = client.put(f"{PLACEMENTS}/{sidebar.pk}", {"name": "Hero"}, format="json")
    assert_error(response, 409)


def test_a_placement_stays_in_its_channel(personas: Any) -> None:
    placement = make_placement(personas.tenant_a)
    other = make_channel(personas.tenant_a)
    theirs = make_channel(personas.tenant_b)
    gone = make_channel(personas.tenant_a)
    personas.client("admin_a").delete(f"/api/v1/channels/{gone.pk}")
    client = personas.client("editor_a")
    for channel in (other, theirs, gone):
        response = client.put(
            f"{PLACEMENTS}/{placement.pk}", {"channelId": channel.pk}, format="json"
        )
        assert_error(response, 400, "channelId")
    placement.refresh_from_db()
    assert placement.version == 1
    same = {"channelId": placement.channel_id, "maxSlots": 4}
    assert client.put(f"{PLACEMENTS}/{placement.pk}", same, format="json").json()["version"] == 2

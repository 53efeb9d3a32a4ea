"""Customer API details beyond the generic suite: filters, updates, odd ids."""

from __future__ import annotations

from typing import Any

from tests.api_suite import assert_error
from tests.audience.factories import make_customer, make_segment

URL = "/api/v1/customers"


def test_filters(personas: Any) -> None:
    a = personas.tenant_a
    ada = make_customer(a, external_id="ADA", email="Ada@Example.com", country="NO")
    bob = make_customer(a, external_id="BOB", first_name="Bobby", country="SE", attributes={})
    make_customer(personas.tenant_b, external_id="ADA")
    viewer = personas.client("viewer_a")

    def ids(**params: Any) -> list[int]:
        return [row["id"] for row in viewer.get(URL, params).json()["data"]]

    assert ids(externalId="ADA,BOB") == [ada.pk, bob.pk]
    assert ids(email="ada@example.com") == [ada.pk]
    assert ids(country="SE") == [bob.pk]
    assert ids(search="bobb") == [bob.pk]
    assert ids(ordering="-id") == [bob.pk, ada.pk]
    gold = make_segment(a)  # attributes.tier == gold: only ada
    assert ids(segmentId=gold.pk) == [ada.pk]
    assert ids(segmentId="seg_unknown") == []
    assert_error(viewer.get(URL, {"country": "XX"}), 400, "country")
    assert_error(viewer.get(URL, {"ordering": "password"}), 400, "ordering")


def test_update_replaces_attributes_and_guards_external_id(personas: Any) -> None:
    one = make_customer(personas.tenant_a, external_id="ONE", attributes={"a": 1})
    make_customer(personas.tenant_a, external_id="TWO")
    editor = personas.client("editor_a")
    body = editor.put(
        f"{URL}/{one.pk}", {"attributes": {"b": 2}, "phone": "+1 (415) 555-0100"}, format="json"
    ).json()
    assert body["attributes"] == {"b": 2} and body["phone"] == "+14155550100"
    assert_error(
        editor.put(f"{URL}/{one.pk}", {"externalId": "TWO"}, format="json"), 409, "externalId"
    )
    assert_error(
        editor.put(f"{URL}/{one.pk}", {"externalId": ""}, format="json"), 400, "externalId"
    )
    assert_error(editor.put(f"{URL}/{one.pk}", {"email": "nope"}, format="json"), 400, "email")
    echoed = editor.put(f"{URL}/{one.pk}", {**body, "firstName": "Echo"}, format="json")
    assert echoed.status_code == 200 and echoed.json()["firstName"] == "Echo"


def test_odd_ids_are_404_not_500(personas: Any) -> None:
    admin = personas.client("admin_a")
    assert_error(admin.get(f"{URL}/abc"), 404)
    assert_error(admin.get(f"{URL}/99999999999999999"), 404)
    assert_error(admin.post("/api/v1/restore?entityType=customer&id=abc"), 404)
    assert_error(admin.post("/api/v1/restore?entityType=customer&id=12"), 404)


def test_a_deleted_customer_leaves_every_segment(personas: Any) -> None:
    customer = make_customer(personas.tenant_a)
    segment = make_segment(personas.tenant_a)
    preview = f"/api/v1/segments/{segment.pk}/preview"
    viewer = personas.client("viewer_a")
    assert viewer.get(preview).json()["count"] == 1
    personas.client("admin_a").delete(f"{URL}/{customer.pk}")
    assert viewer.get(preview).json()["count"] == 0

"""Every error code of spec 003, and the validation rules behind the 400s."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from creatives.models import Creative
from tests.api_suite import assert_error
from tests.creatives.factories import make_channel, make_creative, make_offer, make_placement

pytestmark = pytest.mark.django_db

URL = "/api/v1/creatives"
NUL_CURSOR = base64.urlsafe_b64encode(b"2026-01-01T00:00:00+00:00|cre_\x00").decode()
DEEP: Any = "x"
for _ in range(40):
    DEEP = [DEEP]


@pytest.fixture
def refs(personas: Any) -> dict[str, Any]:
    channel = make_channel(personas.tenant_a)
    return {
        "offer": make_offer(personas.tenant_a),
        "channel": channel,
        "placement": make_placement(channel),
        "other_channel": make_channel(personas.tenant_a),
    }


def body(refs: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": "Hero", "offerId": refs["offer"].pk, "channelId": refs["channel"].pk, **extra}


# --- POST ---------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["name", "offerId", "channelId"])
def test_create_without_a_required_field_is_400_naming_it(
    api: Any, refs: dict[str, Any], missing: str
) -> None:
    payload = {k: v for k, v in body(refs).items() if k != missing}
    assert_error(api("editor_a").post(URL, payload, format="json"), 400, missing)
    assert not Creative.all_objects.exists()


def test_create_with_only_the_required_fields_uses_the_documented_defaults(
    api: Any, refs: dict[str, Any]
) -> None:
    row = api("editor_a").post(URL, body(refs), format="json").json()
    assert {k: row[k] for k in ("placementId", "placement", "contentItemId", "status")} == {
        "placementId": None,
        "placement": None,
        "contentItemId": None,
        "status": "draft",
    }
    assert row["templateType"] == "email_html" and row["weight"] == 100
    assert row["content"] == {} and row["personalization"] == [] and row["constraints"] == {}
    assert row["metrics"] == {} and row["abTestVariant"] is None


def test_create_with_every_field(api: Any, refs: dict[str, Any]) -> None:
    payload = body(
        refs,
        placementId=refs["placement"].pk,
        contentItemId="cms-42",
        status="paused",
        templateType="banner",
        content={"html": "<b>{{first_name}}</b>", "images": ["https://x/y.png"]},
        personalization=[{"key": "first_name", "source": "customer.first_name|there"}],
        constraints={"timeOfDay": {"start": "09:00", "end": "18:00"}, "maxPerWeek": 2},
        abTestVariant="B",
        weight=0,
        metrics={"ctr": 0.12},
    )
    response = api("editor_a").post(URL, payload, format="json")
    assert response.status_code == 201, response.content
    row = response.json()
    for key, value in payload.items():
        assert row[key] == value, key
    assert row["placement"] == {"id": refs["placement"].pk, "name": refs["placement"].name}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", None),
        ("name", "   "),
        ("name", ["a"]),
        ("name", "bad\x00name"),
        ("offerId", None),
        ("offerId", 5),
        ("offerId", {"id": "x"}),
        ("offerId", "off_missing"),
        ("channelId", True),
        ("placementId", "plc_missing"),
        ("placementId", 3),
        ("status", None),
        ("status", 1),
        ("templateType", None),
        ("templateType", "EMAIL_HTML"),
        ("content", None),
        ("content", {"body": "nul \x00"}),
        ("content", {"deep": DEEP}),
        ("content", {"big": "x" * (600 * 1024)}),
        ("constraints", None),
        ("constraints", "09:00-18:00"),
        ("metrics", []),
        ("personalization", None),
        ("personalization", "first_name"),
        ("personalization", [["first_name", "customer.first_name"]]),
        ("personalization", [{"key": "a", "source": "customer.a", "extra": 1}]),
        ("personalization", [{"key": "1bad", "source": "customer.a"}]),
        ("personalization", [{"key": "a", "source": ""}]),
        ("personalization", [{"key": "a", "source": 3}]),
        ("personalization", [{"key": "a", "source": "account.balance"}]),
        (
            "personalization",
            [{"key": "a", "source": "customer.a"}, {"key": "a", "source": "customer.b"}],
        ),
        ("personalization", [{"key": f"k{i}", "source": "customer.a"} for i in range(501)]),
        ("abTestVariant", 1),
        ("abTestVariant", "x" * 256),
        ("weight", None),
        ("weight", 100.0),
        ("weight", True),
        ("weight", "80"),
        ("weight", 1000),
        ("contentItemId", 42),
        ("contentItemId", "x" * 256),
    ],
)
def test_create_rejects_a_bad_field_with_400_naming_it(
    api: Any, refs: dict[str, Any], field: str, value: Any
) -> None:
    assert_error(api("editor_a").post(URL, body(refs, **{field: value}), format="json"), 400, field)
    assert not Creative.all_objects.exists()


def test_personalization_accepts_exactly_500_mappings(api: Any, refs: dict[str, Any]) -> None:
    mappings = [{"key": f"k{i}", "source": f"customer.attributes.a{i}|x"} for i in range(500)]
    response = api("editor_a").post(URL, body(refs, personalization=mappings), format="json")
    assert response.status_code == 201, response.content
    assert len(response.json()["personalization"]) == 500


def test_references_of_another_tenant_do_not_exist(
    api: Any, personas: Any, refs: dict[str, Any]
) -> None:
    theirs = make_channel(personas.tenant_b)
    cases = {
        "offerId": make_offer(personas.tenant_b).pk,
        "channelId": theirs.pk,
        "placementId": make_placement(theirs).pk,
    }
    for field, value in cases.items():
        error = assert_error(
            api("editor_a").post(URL, body(refs, **{field: value}), format="json"), 400, field
        )
        assert "does not exist" in str(error["details"][field])


def test_soft_deleted_references_do_not_exist(api: Any, refs: dict[str, Any]) -> None:
    from core.services import entity_soft_delete

    entity_soft_delete(instance=refs["offer"])
    error = assert_error(api("editor_a").post(URL, body(refs), format="json"), 400, "offerId")
    assert "does not exist" in str(error["details"])


def test_placement_must_belong_to_the_channel(api: Any, refs: dict[str, Any]) -> None:
    wrong = make_placement(refs["other_channel"])
    assert_error(
        api("editor_a").post(URL, body(refs, placementId=wrong.pk), format="json"),
        400,
        "placementId",
    )
    creative = make_creative(
        refs["offer"].tenant,
        offer=refs["offer"],
        channel=refs["channel"],
        placement=refs["placement"],
    )
    # Moving the creative to another channel while it keeps the old channel's placement.
    response = api("editor_a").put(
        URL, {"id": creative.pk, "channelId": refs["other_channel"].pk}, format="json"
    )
    assert_error(response, 400, "placementId")
    moved = api("editor_a").put(
        URL,
        {"id": creative.pk, "channelId": refs["other_channel"].pk, "placementId": wrong.pk},
        format="json",
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["placement"]["id"] == wrong.pk


def test_duplicate_name_is_409_but_a_deleted_one_frees_it(api: Any, refs: dict[str, Any]) -> None:
    client = api("editor_a")
    first = client.post(URL, body(refs), format="json").json()
    error = assert_error(client.post(URL, body(refs), format="json"), 409)
    assert error["code"] == "CONFLICT"
    client.delete(f"{URL}?id={first['id']}")
    assert client.post(URL, body(refs), format="json").status_code == 201


def test_same_name_in_another_tenant_is_fine(api: Any, personas: Any, refs: dict[str, Any]) -> None:
    make_creative(personas.tenant_b, name="Hero")
    assert api("editor_a").post(URL, body(refs), format="json").status_code == 201


def test_non_json_body_is_415(api: Any, refs: dict[str, Any]) -> None:
    client = api("editor_a")
    assert_error(
        client.post(URL, "name=Hero", content_type="application/x-www-form-urlencoded"), 415
    )
    creative = make_creative(refs["offer"].tenant)
    assert_error(client.put(URL, f"id={creative.pk}&weight=1", content_type="text/plain"), 415)
    assert not Creative.objects.filter(name="Hero").exists()


def test_body_that_is_not_an_object_is_400(api: Any) -> None:
    client = api("editor_a")
    for payload in ([1], "x", 3, None):
        assert_error(client.post(URL, payload, format="json"), 400)
        assert_error(client.put(URL, payload, format="json"), 400)


# --- PUT ----------------------------------------------------------------------------------


def test_update_changes_only_the_fields_sent(api: Any, refs: dict[str, Any]) -> None:
    creative = make_creative(refs["offer"].tenant, content={"a": "1"}, ab_test_variant="A")
    before = api("viewer_a").get(f"{URL}/{creative.pk}").json()
    response = api("editor_a").put(URL, {"id": creative.pk, "name": "Renamed"}, format="json")
    assert response.status_code == 200, response.content
    after = response.json()
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {"name", "version", "updatedAt"}
    assert after["version"] == 2


def test_update_that_changes_nothing_keeps_the_version(api: Any, refs: dict[str, Any]) -> None:
    creative = make_creative(refs["offer"].tenant, weight=50)
    response = api("editor_a").put(URL, {"id": creative.pk, "weight": 50}, format="json")
    assert response.status_code == 200 and response.json()["version"] == 1


def test_update_accepts_a_fetched_object_sent_back(api: Any, refs: dict[str, Any]) -> None:
    creative = make_creative(refs["offer"].tenant)
    fetched = api("viewer_a").get(f"{URL}/{creative.pk}").json()
    response = api("editor_a").put(URL, {**fetched, "weight": 10}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["weight"] == 10 and response.json()["version"] == 2


def test_update_clears_nullable_fields(api: Any, refs: dict[str, Any]) -> None:
    creative = make_creative(
        refs["offer"].tenant,
        offer=refs["offer"],
        channel=refs["channel"],
        placement=refs["placement"],
        ab_test_variant="A",
        content_item_id="cms-1",
    )
    response = api("editor_a").put(
        URL,
        {"id": creative.pk, "placementId": None, "abTestVariant": None, "contentItemId": None},
        format="json",
    )
    row = response.json()
    assert (row["placementId"], row["placement"], row["abTestVariant"], row["contentItemId"]) == (
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "id"),
        ({"weight": 5}, "id"),
        ({"id": ""}, "id"),
        ({"id": 12}, "id"),
        ({"id": "cre_unknown"}, "id"),
        ({"id": "bad id\x00"}, "id"),
    ],
)
def test_update_without_a_known_id_is_400(api: Any, payload: dict, field: str) -> None:
    error = assert_error(api("editor_a").put(URL, payload, format="json"), 400, field)
    if payload.get("id") == "cre_unknown":
        assert "does not exist" in error["message"]


def test_update_of_another_tenant_is_400_does_not_exist(api: Any, personas: Any) -> None:
    theirs = make_creative(personas.tenant_b)
    error = assert_error(
        api("admin_a").put(URL, {"id": theirs.pk, "weight": 1}, format="json"), 400, "id"
    )
    assert "does not exist" in error["message"]
    theirs.refresh_from_db()
    assert theirs.weight == 100 and theirs.version == 1


def test_update_of_a_deleted_creative_is_400(api: Any, personas: Any) -> None:
    creative = make_creative(personas.tenant_a)
    api("editor_a").delete(f"{URL}?id={creative.pk}")
    assert_error(
        api("editor_a").put(URL, {"id": creative.pk, "weight": 1}, format="json"), 400, "id"
    )


def test_update_rejects_bad_fields(api: Any, personas: Any) -> None:
    creative = make_creative(personas.tenant_a)
    for field, value in [("weight", 101), ("content", []), ("name", ""), ("status", "live")]:
        assert_error(
            api("editor_a").put(URL, {"id": creative.pk, field: value}, format="json"), 400, field
        )
    creative.refresh_from_db()
    assert creative.version == 1


def test_update_to_a_duplicate_name_is_409(api: Any, personas: Any) -> None:
    make_creative(personas.tenant_a, name="Taken")
    creative = make_creative(personas.tenant_a)
    assert_error(api("editor_a").put(URL, {"id": creative.pk, "name": "Taken"}, format="json"), 409)


# --- DELETE -------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "?id=", "?id=cre_unknown", "?id=%00"])
def test_delete_without_a_known_id_is_400(api: Any, query: str) -> None:
    assert_error(api("editor_a").delete(f"{URL}{query}"), 400, "id")


def test_delete_twice_is_400(api: Any, personas: Any) -> None:
    creative = make_creative(personas.tenant_a)
    assert api("editor_a").delete(f"{URL}?id={creative.pk}").status_code == 200
    error = assert_error(api("editor_a").delete(f"{URL}?id={creative.pk}"), 400, "id")
    assert "already deleted" in error["message"]


def test_delete_of_another_tenant_is_400_and_changes_nothing(api: Any, personas: Any) -> None:
    theirs = make_creative(personas.tenant_b)
    assert_error(api("admin_a").delete(f"{URL}?id={theirs.pk}"), 400, "id")
    assert Creative.objects.filter(pk=theirs.pk).exists()


# --- GET ----------------------------------------------------------------------------------


def test_detail_of_unknown_or_deleted_is_404_unless_include_deleted(
    api: Any, personas: Any
) -> None:
    creative = make_creative(personas.tenant_a)
    assert_error(api("viewer_a").get(f"{URL}/cre_unknown"), 404)
    api("editor_a").delete(f"{URL}?id={creative.pk}")
    assert_error(api("viewer_a").get(f"{URL}/{creative.pk}"), 404)
    shown = api("viewer_a").get(f"{URL}/{creative.pk}", {"includeDeleted": "true"})
    assert shown.status_code == 200 and shown.json()["deletedAt"] is not None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "x"}, "limit"),
        ({"limit": "-3"}, "limit"),
        ({"cursor": "@@@"}, "cursor"),
        ({"cursor": NUL_CURSOR}, "cursor"),
        ({"status": "live"}, "status"),
        ({"templateType": "fax"}, "templateType"),
        ({"search": "a\x00b"}, "search"),
    ],
)
def test_bad_query_parameters_are_400(api: Any, params: dict, field: str) -> None:
    assert_error(api("viewer_a").get(URL, params), 400, field)


def test_list_filters(api: Any, personas: Any, refs: dict[str, Any]) -> None:
    a = make_creative(personas.tenant_a, name="Summer email", status="active", offer=refs["offer"])
    b = make_creative(
        personas.tenant_a, name="Winter sms", template_type="sms_text", ab_test_variant="B"
    )
    client = api("viewer_a")

    def ids(**params: Any) -> set[str]:
        return {row["id"] for row in client.get(URL, params).json()["data"]}

    assert ids(status="active") == {a.pk}
    assert ids(templateType="sms_text") == {b.pk}
    assert ids(offerId=refs["offer"].pk) == {a.pk}
    assert ids(channelId=b.channel_id) == {b.pk}
    assert ids(abTestVariant="B") == {b.pk}
    assert ids(search="SUMMER") == {a.pk}

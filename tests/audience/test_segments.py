"""Segments: the PostgreSQL view's lifecycle, preview, refresh, static members, and SQL
injection attempts through field names and values."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from audience import selectors
from audience.models import Customer, Segment, SegmentMember
from core.models import AuditLog
from tests.api_suite import assert_error
from tests.audience.factories import make_customer, make_segment

URL = "/api/v1/segments"


def view_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{name}"'])
        return bool(cursor.fetchone()[0])


def view_ids(name: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT id FROM "{name}" ORDER BY id')
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def people(personas: Any) -> dict[str, Customer]:
    a = personas.tenant_a
    return {
        "young_gold": make_customer(a, attributes={"age": 25, "tier": "gold"}, country="NO"),
        "old_gold": make_customer(a, attributes={"age": 70, "tier": "gold"}, country="SE"),
        "old_silver": make_customer(a, attributes={"age": 65, "tier": "silver"}, country="NO"),
        "no_attrs": make_customer(a, attributes={}, country=None),
        "deleted_gold": make_customer(a, attributes={"age": 30, "tier": "gold"}),
        "other_tenant_gold": make_customer(personas.tenant_b, attributes={"tier": "gold"}),
    }


def create(personas: Any, body: dict, persona: str = "editor_a") -> Any:
    return personas.client(persona).post(URL, body, format="json")


def test_view_follows_the_segment_through_its_life(personas: Any, people: dict) -> None:
    personas.client("admin_a").delete(f"/api/v1/customers/{people['deleted_gold'].pk}")
    body = create(
        personas,
        {
            "name": "Gold",
            "filters": [{"field": "attributes.tier", "operator": "eq", "value": "gold"}],
        },
    ).json()
    name = body["viewName"]
    assert name == body["id"] and name.startswith("seg_")
    assert view_ids(name) == [people["young_gold"].pk, people["old_gold"].pk]

    change = {"filters": [{"field": "attributes.age", "operator": "gte", "value": 65}]}
    updated = personas.client("editor_a").put(f"{URL}/{body['id']}", change, format="json").json()
    assert updated["version"] == 2
    assert view_ids(name) == [people["old_gold"].pk, people["old_silver"].pk]

    admin = personas.client("admin_a")
    assert admin.delete(f"{URL}/{body['id']}").status_code == 200
    assert not view_exists(name)
    restored = admin.post(f"/api/v1/restore?entityType=segment&id={body['id']}")
    assert restored.status_code == 200, restored.content
    assert view_ids(name) == [people["old_gold"].pk, people["old_silver"].pk]


def test_a_failed_save_leaves_the_previous_view(personas: Any, people: dict) -> None:
    segment = make_segment(personas.tenant_a, name="Keep")
    before = view_ids(segment.view_name)
    bad = {"filters": [{"field": "attributes.age", "operator": "gt", "value": "x", "y": 1}]}
    assert_error(personas.client("editor_a").put(f"{URL}/{segment.pk}", bad, format="json"), 400)
    assert view_ids(segment.view_name) == before


def test_combinators_groups_and_country(personas: Any, people: dict) -> None:
    body = create(
        personas,
        {
            "name": "Nordic young or silver",
            "combinator": "AND",
            "filters": [
                {"field": "country", "operator": "in", "value": ["NO", "SE"]},
                {
                    "combinator": "OR",
                    "filters": [
                        {"field": "attributes.age", "operator": "lt", "value": 30},
                        {"field": "attributes.tier", "operator": "eq", "value": "silver"},
                    ],
                },
            ],
        },
    ).json()
    assert view_ids(body["viewName"]) == [people["young_gold"].pk, people["old_silver"].pk]


def test_refresh_counts_without_a_version_bump(personas: Any, people: dict) -> None:
    segment = make_segment(personas.tenant_a)
    client = personas.client("editor_a")
    assert client.get(f"{URL}/{segment.pk}").json()["customerCount"] is None
    assert_error(personas.client("viewer_a").post(f"{URL}/{segment.pk}/refresh"), 403)
    body = client.post(f"{URL}/{segment.pk}/refresh").json()
    assert body["customerCount"] == 3 and body["lastRefreshedAt"] and body["version"] == 1
    assert not AuditLog.objects.filter(entity_id=segment.pk, action="update").exists()


def test_create_counts_after_commit(
    personas: Any, people: dict, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        body = create(personas, {"name": "All", "filters": []}).json()
    assert personas.client("viewer_a").get(f"{URL}/{body['id']}").json()["customerCount"] == 5


def test_preview_of_a_saved_segment_and_of_an_unsaved_rule(personas: Any, people: dict) -> None:
    for i in range(25):
        make_customer(personas.tenant_a, attributes={"tier": "gold", "age": i})
    segment = make_segment(personas.tenant_a)
    viewer = personas.client("viewer_a")
    for response in (
        viewer.get(f"{URL}/{segment.pk}/preview"),
        viewer.post(f"{URL}/{segment.pk}/preview"),
    ):
        body = response.json()
        assert body["count"] == 28
        ids = [c["id"] for c in body["customers"]]
        assert len(ids) == 20 and ids == sorted(ids) and ids[0] == people["young_gold"].pk
        assert set(body["customers"][0]) >= {"id", "externalId", "email", "attributes"}
    rule = {
        "combinator": "OR",
        "filters": [{"field": "attributes.age", "operator": "gte", "value": 65}],
    }
    body = viewer.post(f"{URL}/preview", rule, format="json").json()
    assert body["count"] == 2
    assert [c["id"] for c in body["customers"]] == [people["old_gold"].pk, people["old_silver"].pk]
    assert not Segment.objects.filter(tenant=personas.tenant_a).exclude(pk=segment.pk).exists()
    bad = {"filters": [{"field": "attributes.age", "operator": "near", "value": 1}]}
    assert_error(viewer.post(f"{URL}/preview", bad, format="json"), 400, "filters[0].operator")
    assert_error(personas.client("admin_b").get(f"{URL}/{segment.pk}/preview"), 404)


def test_static_segment_members(personas: Any, people: dict) -> None:
    editor = personas.client("editor_a")
    body = create(personas, {"name": "VIP list", "segmentType": "static"}).json()
    assert view_ids(body["viewName"]) == []
    members_url = f"{URL}/{body['id']}/members"
    ids = [people["old_gold"].external_id, people["old_silver"].external_id, "nobody"]
    result = editor.post(members_url, {"externalIds": ids}, format="json").json()
    assert (result["added"], result["unknownExternalIds"], result["memberCount"]) == (
        2,
        ["nobody"],
        2,
    )
    assert view_ids(body["viewName"]) == [people["old_gold"].pk, people["old_silver"].pk]
    # another tenant's external id is unknown here
    result = editor.post(
        members_url, {"externalIds": [people["other_tenant_gold"].external_id]}, format="json"
    ).json()
    assert result["added"] == 0 and result["unknownCount"] == 1
    # a static segment can be narrowed by a rule
    narrowed = {"filters": [{"field": "country", "operator": "eq", "value": "NO"}]}
    editor.put(f"{URL}/{body['id']}", narrowed, format="json")
    assert view_ids(body["viewName"]) == [people["old_silver"].pk]
    editor.put(f"{URL}/{body['id']}", {"filters": []}, format="json")
    removed = editor.post(
        members_url,
        {"externalIds": [people["old_gold"].external_id], "mode": "remove"},
        format="json",
    ).json()
    assert removed["removed"] == 1 and removed["memberCount"] == 1
    csv_body = f"externalId\n{people['young_gold'].external_id}\n{people['no_attrs'].external_id}\n"
    replaced = editor.post(
        f"{members_url}/csv?mode=replace", csv_body, content_type="text/csv"
    ).json()
    assert (replaced["added"], replaced["removed"], replaced["memberCount"]) == (2, 1, 2)
    assert view_ids(body["viewName"]) == [people["young_gold"].pk, people["no_attrs"].pk]
    assert replaced["memberCount"] == SegmentMember.objects.filter(segment_id=body["id"]).count()
    assert_error(editor.post(members_url, {"externalIds": "x"}, format="json"), 400, "externalIds")
    assert_error(
        editor.post(members_url, {"externalIds": [], "mode": "swap"}, format="json"), 400, "mode"
    )
    assert_error(
        personas.client("viewer_a").post(members_url, {"externalIds": []}, format="json"), 403
    )
    rule_segment = make_segment(personas.tenant_a)
    assert_error(
        editor.post(f"{URL}/{rule_segment.pk}/members", {"externalIds": []}, format="json"), 409
    )


def test_keyset_streaming_through_the_view(personas: Any) -> None:
    made = [make_customer(personas.tenant_a, attributes={"tier": "gold"}) for _ in range(7)]
    segment = make_segment(personas.tenant_a)
    first = selectors.segment_customer_ids(segment=segment, after_id=0, limit=3)
    second = selectors.segment_customer_ids(segment=segment, after_id=first[-1], limit=3)
    assert first + second == [c.pk for c in made[:6]]
    assert list(selectors.segment_customer_ids_iter(segment=segment, page=2)) == [
        c.pk for c in made
    ]


def test_delete_is_a_conflict_while_a_live_campaign_uses_the_segment(personas: Any) -> None:
    from tests.campaigns.factories import make_campaign

    segment = make_segment(personas.tenant_a)
    make_campaign(personas.tenant_a, segment=segment)
    response = personas.client("admin_a").delete(f"{URL}/{segment.pk}")
    assert_error(response, 409)
    assert view_exists(segment.view_name)


def test_a_segment_made_without_the_service_gets_its_view_on_first_use(personas: Any) -> None:
    segment = Segment.objects.create(tenant=personas.tenant_a, name="Raw")
    make_customer(personas.tenant_a)
    assert not view_exists(segment.view_name)
    assert selectors.segment_view_name(segment=segment) == segment.view_name
    assert len(view_ids(segment.view_name)) == 1


HOSTILE_VALUES = [
    "x'); DROP TABLE audience_customer; --",
    "' OR '1'='1",
    "\\'; SELECT pg_sleep(5); --",
    "$$; DROP TABLE core_tenant; $$",
    "%s %(x)s %%",
    '"; DROP VIEW x; --',
    "E'\\\\x41'",
]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_hostile_values_are_data_not_sql(personas: Any, value: str) -> None:
    target = make_customer(
        personas.tenant_a, email=None, first_name=value, attributes={"note": value}
    )
    make_customer(personas.tenant_a, first_name="Innocent", attributes={"note": "fine"})
    filters = [
        {"field": "firstName", "operator": "eq", "value": value},
        {"field": "attributes.note", "operator": "in", "value": [value, "other"]},
        {"field": "attributes.note", "operator": "contains", "value": value[:5]},
        {"field": "attributes.note", "operator": "starts_with", "value": value[:3]},
    ]
    response = create(personas, {"name": f"Hostile {value}", "filters": filters})
    assert response.status_code == 201, response.content
    body = response.json()
    assert view_ids(body["viewName"]) == [target.pk]
    preview = personas.client("viewer_a").post(
        f"{URL}/preview", {"filters": filters}, format="json"
    )
    assert [c["id"] for c in preview.json()["customers"]] == [target.pk]
    assert Customer.objects.filter(tenant=personas.tenant_a).count() == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM core_tenant")
        assert cursor.fetchone()[0] >= 2


HOSTILE_FIELDS = [
    "attributes.x'); DROP TABLE audience_customer; --",
    "email; DROP TABLE audience_customer",
    'attributes."x"',
    "attributes.a b",
    "attributes.x->>'y'",
    "attributes.(select 1)",
    "tenant_id",
    "deleted_at",
    "id",
    "attributes.%s",
    "attributes.x::text",
    "email)--",
]


@pytest.mark.parametrize("field", HOSTILE_FIELDS)
def test_hostile_field_names_are_rejected(personas: Any, field: str) -> None:
    make_customer(personas.tenant_a)
    filters = [{"field": field, "operator": "eq", "value": "x"}]
    assert_error(create(personas, {"name": "Bad", "filters": filters}), 400, "filters[0].field")
    preview = personas.client("viewer_a").post(
        f"{URL}/preview", {"filters": filters}, format="json"
    )
    assert_error(preview, 400, "filters[0].field")
    assert Customer.objects.filter(tenant=personas.tenant_a).count() == 1


def test_hostile_attribute_keys_and_regexes_stay_parameters(personas: Any) -> None:
    key = "x-y_z--1"
    target = make_customer(personas.tenant_a, attributes={key: "a'b"})
    filters = [
        {"field": f"attributes.{key}", "operator": "regex", "value": "^a'b$"},
        {"field": f"attributes.{key}", "operator": "is_not_null"},
    ]
    body = create(personas, {"name": "Keys", "filters": filters}).json()
    assert view_ids(body["viewName"]) == [target.pk]
    with connection.cursor() as cursor:
        cursor.execute("SELECT definition FROM pg_views WHERE viewname = %s", [body["viewName"]])
        definition = cursor.fetchone()[0]
    assert "'x-y_z--1'::text" in definition  # the key is a quoted literal
    assert "''b$'::text" in definition  # so is the pattern (its quote doubled)

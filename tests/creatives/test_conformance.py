"""Replays every example of spec 003 against the API and checks the answers field by field.

Example ids (``off_001``, ``ch_email``, ``cre_abc123``) stand for rows created here; ids and
timestamps are compared by shape, every other field by value.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from core.models import AuditLog
from tests.api_suite import assert_error
from tests.creatives import spec_examples as spec
from tests.creatives.factories import make_channel, make_offer

pytestmark = pytest.mark.django_db

URL = "/api/v1/creatives"
EXAMPLE_ITEM = spec.LIST_RESPONSE["data"][0]
PERSONA_OF_ROLE = {"viewer": "viewer_a", "editor": "editor_a", "admin": "admin_a"}


def json_type(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


def is_timestamp(value: Any) -> bool:
    return isinstance(value, str) and bool(datetime.fromisoformat(value.replace("Z", "+00:00")))


@pytest.fixture
def world(personas: Any) -> dict[str, str]:
    """The rows the examples name: offer ``off_001`` and channel ``ch_email``."""
    offer = make_offer(personas.tenant_a, name=EXAMPLE_ITEM["offer"]["name"])
    channel = make_channel(personas.tenant_a, name=EXAMPLE_ITEM["channel"]["name"])
    return {"off_001": offer.pk, "ch_email": channel.pk}


def substitute(example: dict, ids: dict[str, str]) -> dict:
    return json.loads(
        re.sub(
            '"({})"'.format("|".join(map(re.escape, ids))),
            lambda m: json.dumps(ids[m.group(1)]),
            json.dumps(example),
        )
    )


def assert_matches_example(row: dict, example: dict, ids: dict[str, str], **expected: Any) -> None:
    """Same keys as the documented example; generated values have the example's shape, the
    others its value unless ``expected`` says what this replay should return instead."""
    assert list(row) == list(example), "fields and their order follow the spec example"
    for key, documented in example.items():
        actual = row[key]
        if key in expected:
            assert actual == expected[key], key
        elif key in ("createdAt", "updatedAt"):
            assert is_timestamp(actual), key
        elif key == "id":
            assert isinstance(actual, str) and actual.startswith("cre_"), key
        elif key == "tenantId":
            assert isinstance(actual, str) and actual, key
        elif key in ("offerId", "channelId"):
            assert actual == ids[documented], key
        elif key in ("offer", "channel"):
            assert actual == {"id": ids[documented["id"]], "name": documented["name"]}, key
        else:
            assert json_type(actual) == json_type(documented), key
            assert actual == documented, key


def test_list_example(personas: Any, world: dict[str, str]) -> None:
    body = {**substitute(spec.CREATE_REQUEST, world), "status": "active"}
    created = personas.client("editor_a").post(URL, body, format="json")
    assert created.status_code == 201, created.content

    response = personas.client("viewer_a").get(URL)

    assert response.status_code == 200
    page = response.json()
    assert list(page) == list(spec.LIST_RESPONSE)
    assert len(page["data"]) == 1
    assert_matches_example(page["data"][0], EXAMPLE_ITEM, world)
    assert list(page["pagination"]) == list(spec.LIST_RESPONSE["pagination"])
    assert page["pagination"] == {**spec.LIST_RESPONSE["pagination"], "total": 1}


def test_create_example(personas: Any, world: dict[str, str]) -> None:
    response = personas.client("editor_a").post(
        URL, substitute(spec.CREATE_REQUEST, world), format="json"
    )

    assert response.status_code == 201, response.content
    row = response.json()
    # "Returns the created creative with offer, channel, and placement relations, version: 1,
    # and deletedAt: null" -- with the defaults the request table documents.
    assert_matches_example(row, EXAMPLE_ITEM, world, status="draft", version=1, deletedAt=None)
    for field, default in spec.CREATE_DEFAULTS.items():
        assert row[field] == default, field
    log = AuditLog.objects.filter(entity_type="creative", entity_id=row["id"])
    assert [entry.action for entry in log] == ["create"]


def test_update_example(personas: Any, world: dict[str, str]) -> None:
    editor = personas.client("editor_a")
    created = editor.post(URL, substitute(spec.CREATE_REQUEST, world), format="json").json()
    ids = {**world, "cre_abc123": created["id"]}

    response = editor.put(URL, substitute(spec.UPDATE_REQUEST, ids), format="json")

    assert response.status_code == 200, response.content
    row = response.json()
    assert_matches_example(row, EXAMPLE_ITEM, world, status="active", weight=80, version=2)
    assert {
        k: v for k, v in row.items() if k not in ("status", "weight", "version", "updatedAt")
    } == {k: v for k, v in created.items() if k not in ("status", "weight", "version", "updatedAt")}
    update = AuditLog.objects.get(entity_type="creative", entity_id=created["id"], action="update")
    assert (update.before["status"], update.after["status"]) == ("draft", "active")
    assert (update.before["weight"], update.after["weight"]) == (100, 80)


def test_delete_example_and_restore(personas: Any, world: dict[str, str]) -> None:
    editor = personas.client("editor_a")
    created = editor.post(URL, substitute(spec.CREATE_REQUEST, world), format="json").json()
    ids = {**world, "cre_abc123": created["id"]}

    response = editor.delete(f"{URL}?id={created['id']}")

    assert response.status_code == 200
    assert response.json() == substitute(spec.DELETE_RESPONSE, ids)
    assert editor.get(URL).json()["data"] == []
    deleted = editor.get(URL, {"includeDeleted": "true"}).json()["data"][0]
    assert deleted["id"] == created["id"] and is_timestamp(deleted["deletedAt"])
    assert deleted["version"] == 2  # "The version is incremented."
    restore = f"/api/v1/restore?entityType=creative&id={created['id']}"
    assert_error(editor.post(restore), 403)  # admin only
    assert personas.client("admin_a").post(restore).status_code == 200
    assert editor.get(URL).json()["data"][0]["deletedAt"] is None


@pytest.mark.parametrize(("method", "minimum"), list(spec.ROLES.items()))
def test_role_table(personas: Any, world: dict[str, str], method: str, minimum: str) -> None:
    order = ["viewer", "editor", "admin"]
    for role in order:
        client = personas.client(PERSONA_OF_ROLE[role])
        existing = (
            personas.client("admin_a")
            .post(
                URL,
                {**substitute(spec.CREATE_REQUEST, world), "name": f"{method} {role}"},
                format="json",
            )
            .json()
        )
        if method == "GET":
            response = client.get(URL)
        elif method == "POST":
            body = {**substitute(spec.CREATE_REQUEST, world), "name": f"new {role}"}
            response = client.post(URL, body, format="json")
        elif method == "PUT":
            response = client.put(URL, {"id": existing["id"], "weight": 5}, format="json")
        else:
            response = client.delete(f"{URL}?id={existing['id']}")
        if order.index(role) >= order.index(minimum):
            assert response.status_code in (200, 201), (method, role, response.content)
        else:
            assert_error(response, 403)


def test_unauthenticated_is_401_on_every_method(personas: Any) -> None:
    from rest_framework.test import APIClient

    anonymous = APIClient()
    for response in (
        anonymous.get(URL),
        anonymous.post(URL, {}, format="json"),
        anonymous.put(URL, {"id": "cre_x"}, format="json"),
        anonymous.delete(f"{URL}?id=cre_x"),
    ):
        assert_error(response, 401)
    bad_key = APIClient()
    bad_key.credentials(HTTP_X_API_KEY="nud_not-a-key")
    assert_error(bad_key.get(URL), 401)


def _spec_blocks(text: str) -> dict[str, Any]:
    decoder = json.JSONDecoder()

    def block_after(marker: str, start: int = 0) -> tuple[Any, int]:
        position = text.index(marker, start)
        brace = text.index("{", position)
        return decoder.raw_decode(text, brace)

    create_at = text.index("Create a creative")
    update_at = text.index("Update a creative")
    delete_at = text.index("Delete a creative")
    roles = dict(re.findall(r"^(GET|POST|PUT|DELETE)(viewer|editor|admin)$", text, re.M))
    return {
        "list": block_after("Response 200")[0],
        "create": block_after("Example request", create_at)[0],
        "update": block_after("Example request", update_at)[0],
        "delete": block_after("Response 200", delete_at)[0],
        "roles": roles,
    }


def test_examples_match_the_spec_file() -> None:
    path = Path(__file__).resolve().parents[3] / "shared" / "spec" / spec.SPEC_FILE
    if not path.exists():
        pytest.skip(f"{path} is not part of this checkout")
    blocks = _spec_blocks(path.read_text())
    assert blocks["list"] == spec.LIST_RESPONSE
    assert blocks["create"] == spec.CREATE_REQUEST
    assert blocks["update"] == spec.UPDATE_REQUEST
    assert blocks["delete"] == spec.DELETE_RESPONSE
    assert blocks["roles"] == spec.ROLES
    assert list(blocks["list"]["data"][0]) == list(EXAMPLE_ITEM)

from __future__ import annotations

from typing import Any

import pytest

from tests.api_suite import assert_error

pytestmark = pytest.mark.django_db


def test_restore_needs_entity_type_and_id(api: Any) -> None:
    error = assert_error(api("admin_a").post("/api/v1/restore"), 400)
    assert {"entityType", "id"} <= set(error["details"])


def test_restore_of_an_unknown_type_is_400(api: Any) -> None:
    assert_error(
        api("admin_a").post("/api/v1/restore?entityType=spaceship&id=x"), 400, "entityType"
    )


def test_restore_is_admin_only(api: Any) -> None:
    assert_error(api("editor_a").post("/api/v1/restore?entityType=offer&id=x"), 403)

"""Each API convention has a test that fails when it breaks."""

from __future__ import annotations

from typing import Any

import pytest

from core.models import ApiKey
from tests.api_suite import assert_error

pytestmark = pytest.mark.django_db


def test_json_fields_are_camel_case(api: Any) -> None:
    body = api("admin_a").get("/api/v1/api-keys").json()
    row = body["data"][0]
    assert {"createdAt", "lastUsedAt", "revokedAt"} <= set(row)
    assert not any("_" in key for key in row)


def test_body_that_is_not_json_is_415_and_changes_nothing(personas: Any, api: Any) -> None:
    before = ApiKey.objects.count()
    response = api("admin_a").post(
        "/api/v1/api-keys", "name=x&role=viewer", content_type="application/x-www-form-urlencoded"
    )
    assert_error(response, 415)
    assert response.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert_error(
        api("admin_a").put(
            f"/api/v1/members/{personas.admin_a.memberships.get().pk}",
            "role=viewer",
            content_type="text/plain",
        ),
        415,
    )
    assert ApiKey.objects.count() == before


def test_post_without_a_body_does_not_need_a_content_type(personas: Any, api: Any) -> None:
    key = ApiKey.objects.filter(tenant=personas.tenant_a, name="viewer_a key").get()
    assert api("admin_a").post(f"/api/v1/api-keys/{key.pk}/revoke").status_code == 200


def test_malformed_json_is_400_in_the_envelope(api: Any) -> None:
    error = assert_error(
        api("admin_a").post("/api/v1/api-keys", "{oops", content_type="application/json"), 400
    )
    assert error["code"] == "BAD_REQUEST"


def test_validation_error_names_the_field(api: Any) -> None:
    error = assert_error(
        api("admin_a").post("/api/v1/api-keys", {"name": "k", "role": "owner"}, format="json"),
        400,
        "role",
    )
    assert "role" in error["message"]


def test_unauthenticated_is_401_in_the_envelope(db: Any, client: Any) -> None:
    response = client.get("/api/v1/api-keys")
    error = assert_error(response, 401)
    assert error["code"] == "UNAUTHORIZED"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_role_too_low_is_403_in_the_envelope(api: Any) -> None:
    assert assert_error(api("editor_a").get("/api/v1/api-keys"), 403)["code"] == "FORBIDDEN"


def test_unknown_api_url_is_404_in_the_envelope(api: Any) -> None:
    assert assert_error(api("admin_a").get("/api/v1/no-such-thing"), 404)["code"] == "NOT_FOUND"
    assert_error(api("admin_a").get("/api/v1/api-keys/key_doesnotexist"), 404)


def test_method_not_allowed_is_405_in_the_envelope(api: Any) -> None:
    error = assert_error(api("admin_a").post("/api/v1/audit-logs", {}, format="json"), 405)
    assert error["code"] == "METHOD_NOT_ALLOWED"


def test_conflict_is_409_in_the_envelope(personas: Any, api: Any) -> None:
    body = {"username": "editor_a", "role": "viewer"}
    error = assert_error(api("admin_a").post("/api/v1/members", body, format="json"), 409)
    assert error["code"] == "CONFLICT"


def test_rate_limit_is_429_with_retry_after(settings: Any, api: Any) -> None:
    settings.NUDGE_API_RATE = "3/minute"
    client = api("viewer_a")
    for _ in range(3):
        assert client.get("/api/v1/tenant").status_code == 200
    response = client.get("/api/v1/tenant")
    error = assert_error(response, 429)
    assert error["code"] == "RATE_LIMITED"
    assert int(response.headers["Retry-After"]) > 0
    assert error["details"]["retryAfterSeconds"] > 0


def test_rate_limit_is_per_principal(settings: Any, api: Any) -> None:
    settings.NUDGE_API_RATE = "2/minute"
    for _ in range(2):
        api("viewer_a").get("/api/v1/tenant")
    assert api("viewer_a").get("/api/v1/tenant").status_code == 429
    assert api("editor_a").get("/api/v1/tenant").status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "201x"}, "limit"),
        ({"limit": -5}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": "a"}, "offset"),
    ],
)
def test_bad_pagination_parameters_are_400(api: Any, params: dict, field: str) -> None:
    assert_error(api("admin_a").get("/api/v1/audit-logs", params), 400, field)


def test_limit_above_200_is_clamped_and_pages_do_not_overlap(personas: Any, api: Any) -> None:
    client = api("admin_a")
    body = client.get("/api/v1/audit-logs", {"limit": 1000}).json()
    assert body["pagination"]["limit"] == 200
    total = body["pagination"]["total"]
    assert total >= 4
    first = client.get("/api/v1/audit-logs", {"limit": 2, "offset": 0}).json()
    second = client.get("/api/v1/audit-logs", {"limit": 2, "offset": 2}).json()
    assert first["pagination"] == {"total": total, "limit": 2, "offset": 0, "hasMore": True}
    assert not {r["id"] for r in first["data"]} & {r["id"] for r in second["data"]}
    last = client.get("/api/v1/audit-logs", {"limit": 2, "offset": total - 1}).json()
    assert last["pagination"]["hasMore"] is False and len(last["data"]) == 1


def test_responses_carry_a_request_id(api: Any) -> None:
    response = api("viewer_a").get("/api/v1/tenant", HTTP_X_REQUEST_ID="abc-123")
    assert response.headers["X-Request-Id"] == "abc-123"


def test_responses_say_how_long_the_application_took(api: Any) -> None:
    response = api("viewer_a").get("/api/v1/tenant")
    name, _, duration = response.headers["Server-Timing"].partition(";dur=")
    assert name == "app"
    assert 0 < float(duration) < 10_000


def test_json_is_negotiated_and_other_media_types_are_406(api: Any) -> None:
    client = api("viewer_a")
    for accept in ("application/json", "*/*", "text/html,application/json;q=0.9"):
        assert client.get("/api/v1/tenant", HTTP_ACCEPT=accept).status_code == 200
    assert_error(client.get("/api/v1/tenant", HTTP_ACCEPT="text/html"), 406)


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("application/json; charset=utf-8", 200),
        ("application/json; charset=latin-1", 200),
        ("application/json; charset=bz2_codec", 400),  # would inflate after the size check
        ("application/json; charset=no-such-charset", 200),  # Django ignores it: UTF-8
    ],
)
def test_json_bodies_are_decoded_with_their_text_charset(
    api: Any, content_type: str, status: int
) -> None:
    response = api("editor_a").post(
        "/api/v1/categories", b'{"name": "Caf\\u00e9s"}', content_type=content_type
    )
    assert response.status_code == (201 if status == 200 else status), response.content

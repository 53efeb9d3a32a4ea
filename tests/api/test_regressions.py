"""One test per bug the fuzz tests found and this round fixed, so each stays fixed even if the
generated cases stop reaching it."""

from __future__ import annotations

import base64
import json
import warnings
from typing import Any

import pytest
from django.core.exceptions import RequestDataTooBig

from core.api.exceptions import handler400
from tests.api_suite import assert_error
from tests.catalog.factories import make_offer
from tests.creatives.factories import make_creative

pytestmark = pytest.mark.django_db


def test_include_deleted_must_be_a_boolean(personas: Any) -> None:
    client = personas.client("viewer_a")
    error = assert_error(client.get("/api/v1/offers", {"includeDeleted": "maybe"}), 400)
    assert "includeDeleted" in error["details"]
    for accepted in ("true", "FALSE", ""):
        assert client.get("/api/v1/offers", {"includeDeleted": accepted}).status_code == 200


def test_an_offset_beyond_postgres_bigint_is_an_empty_page(personas: Any) -> None:
    make_offer(personas.tenant_a)
    response = personas.client("viewer_a").get("/api/v1/offers", {"offset": str(10**30)})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["data"] == [] and body["pagination"]["total"] == 1
    assert body["pagination"]["hasMore"] is False


@pytest.mark.parametrize("collection", ["api-keys", "members", "audit-logs"])
def test_a_path_id_that_cannot_be_an_id_is_a_404(personas: Any, collection: str) -> None:
    assert_error(personas.client("admin_a").get(f"/api/v1/{collection}/%00"), 404)


def test_json_nested_too_deeply_to_parse_is_a_400(personas: Any) -> None:
    deep = "[" * 5000 + "]" * 5000
    response = personas.client("editor_a").generic(
        "POST", "/api/v1/categories", deep, content_type="application/json"
    )
    assert "nested too deeply" in assert_error(response, 400)["message"]


def test_a_number_is_not_a_string(personas: Any) -> None:
    response = personas.client("editor_a").post("/api/v1/categories", {"name": 0}, format="json")
    assert "name" in assert_error(response, 400)["details"]


def test_a_nul_byte_in_a_related_id_does_not_exist(personas: Any) -> None:
    editor = personas.client("editor_a")
    campaign = editor.post(
        "/api/v1/campaigns", {"decisionFlowId": "df_\x00", "segmentId": "seg_\x00"}, format="json"
    )
    assert {"decisionFlowId", "segmentId"} <= set(assert_error(campaign, 400)["details"])
    creative = editor.post("/api/v1/creatives", {"offerId": "off_\x00"}, format="json")
    assert "offerId" in assert_error(creative, 400)["details"]


def test_a_cursor_without_a_time_zone_is_read_as_utc(personas: Any) -> None:
    make_creative(personas.tenant_a)
    cursor = base64.urlsafe_b64encode(b"2999-01-01T00:00:00|zzz").decode().rstrip("=")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a naive datetime in a query warns
        response = personas.client("viewer_a").get("/api/v1/creatives", {"cursor": cursor})
    assert response.status_code == 200, response.content
    assert len(response.json()["data"]) == 1


def test_a_415_names_the_media_type_the_operation_accepts(personas: Any) -> None:
    response = personas.client("editor_a").generic(
        "POST", "/api/v1/categories", "name=x", content_type="text/plain"
    )
    assert "must be application/json" in assert_error(response, 415)["message"]


def test_delete_and_put_are_documented_as_they_behave(client: Any) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    offer = schema["paths"]["/api/v1/offers/{id}"]
    assert "204" not in offer["delete"]["responses"] and "200" in offer["delete"]["responses"]
    member_put = schema["paths"]["/api/v1/members/{id}"]["put"]["requestBody"]
    assert member_put["content"]["application/json"]["schema"]["$ref"].endswith(
        "/PatchedMembershipRequest"
    )
    assert "404" in schema["paths"]["/api/v1/restore"]["post"]["responses"]


def test_a_string_longer_than_max_length_as_sent_is_a_400(personas: Any) -> None:
    name = "k" + " " * 300  # DRF would trim it to "k" before measuring
    response = personas.client("admin_a").post("/api/v1/api-keys", {"name": name}, format="json")
    assert "name" in assert_error(response, 400)["details"]


def test_a_nul_byte_in_a_query_parameter_is_a_400(personas: Any) -> None:
    response = personas.client("viewer_a").get("/api/v1/offers", {"search": "a\x00b"})
    assert "search" in assert_error(response, 400)["details"]


def test_a_body_over_the_upload_limit_is_a_413_envelope(personas: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"name": "x" * 2000})
    response = personas.client("editor_a").generic(
        "POST", "/api/v1/categories", body, content_type="application/json"
    )
    assert "larger than 1000 bytes" in assert_error(response, 413)["message"]


def test_django_level_400s_on_api_paths_are_envelopes(rf: Any) -> None:
    response = handler400(rf.post("/api/v1/offers"), RequestDataTooBig("too big"))
    assert response.status_code == 413
    assert json.loads(response.content)["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert handler400(rf.get("/api/v1/offers"), None).status_code == 400

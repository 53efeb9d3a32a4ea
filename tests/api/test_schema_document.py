"""The OpenAPI document itself: valid, generated without drf-spectacular guessing, and saying
what the API really does for the conventions every operation shares."""

from __future__ import annotations

from typing import Any

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from openapi_spec_validator import validate

from tests.api.bodies import resolve
from tests.api.schema import operations, served_schema

# drf-spectacular warnings from apps still being written (see known_bugs.py for the format).
KNOWN_WARNINGS = {
    "runs/apis.py": "RunViewSet and DeadLetterViewSet: get_queryset() needs request.tenant, "
    "so drf-spectacular cannot see the model and types the {id} path parameter by guess: "
    "return Model.objects.none() when getattr(self, 'swagger_fake_view', False).",
}


def test_served_schema_is_valid_openapi() -> None:
    validate(served_schema())


def test_schema_generation_does_not_guess() -> None:
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        SchemaGenerator().get_schema(request=None, public=True)
    messages = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    GENERATOR_STATS.reset()
    unexpected = [m for m in messages if not any(where in m for where in KNOWN_WARNINGS)]
    assert not unexpected, "\n".join(unexpected)


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    operations(served_schema()),
    ids=[f"{m} {p}" for m, p, _ in operations(served_schema())],
)
def test_operation_documents_the_shared_conventions(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    schema = served_schema()
    responses = operation["responses"]
    for code in ("400", "401", "403", "429"):
        assert code in responses, code
    for code, response in responses.items():
        if code.startswith("4"):
            envelope = response["content"]["application/json"]["schema"]
            assert envelope == {"$ref": "#/components/schemas/ErrorEnvelope"}, code
    if "{" in path:
        assert "404" in responses
    if method in ("POST", "PUT", "PATCH"):
        assert {"409", "415"} <= set(responses)
    if method == "DELETE":
        assert "204" not in responses, "our deletes answer 200 {success, id}"
        body = resolve(schema, responses["200"]["content"]["application/json"]["schema"])
        assert set(body["required"]) >= {"success", "id"}
    if method == "PUT" and "patch" in schema["paths"][path]:
        put = operation["requestBody"]["content"]["application/json"]["schema"]
        patch = schema["paths"][path]["patch"]["requestBody"]["content"]["application/json"]
        assert put == patch["schema"], "PUT changes only the fields sent, like PATCH"
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query" and not parameter.get("required"):
            assert parameter.get("allowEmptyValue") is True, parameter["name"]
    assert operation["security"] == [{"ApiKeyHeader": []}, {"BearerKey": []}, {"cookieAuth": []}]

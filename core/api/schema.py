"""OpenAPI: every operation documents the error envelope for the statuses it can return, DELETE
documents the body it really answers, and both authenticators are described. The schema is
fuzzed against the API (tests/api), so it must stay true."""

from __future__ import annotations

from typing import Any

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "status", "details"],
            "properties": {
                "code": {"type": "string", "example": "BAD_REQUEST"},
                "message": {"type": "string"},
                "status": {"type": "integer"},
                "details": {"type": "object", "additionalProperties": True},
            },
        }
    },
}
DESCRIPTIONS = {
    "400": "Validation error: details name the fields.",
    "401": "Missing, invalid or revoked credentials.",
    "403": "Role too low, or no access to the tenant.",
    "404": "Not found (or owned by another tenant).",
    "405": "Method not allowed.",
    "409": "Conflict: duplicate name, invalid state transition, or still in use.",
    "413": "Body larger than the server accepts (DATA_UPLOAD_MAX_MEMORY_SIZE).",
    "415": "Body is not application/json (or the media type the operation documents).",
    "429": "Rate limited; see Retry-After.",
}


def _error_statuses(path: str, method: str) -> list[str]:
    statuses = ["400", "401", "403", "429"]
    if "{" in path:
        statuses.append("404")
    if method in ("post", "put", "patch"):
        statuses += ["409", "413", "415"]
    if method == "delete":
        statuses.append("409")  # still in use, or the tenant's last admin
    if method in ("put", "patch", "delete") and "{" not in path:
        statuses.append("404")
    return statuses


def _document_errors(operation: dict[str, Any], statuses: list[str]) -> None:
    ref = {"$ref": "#/components/schemas/ErrorEnvelope"}
    for code in statuses:
        operation["responses"].setdefault(code, {"description": DESCRIPTIONS[code]})
    for code, response in operation["responses"].items():
        # An error a view declared with a description only is still the envelope.
        if code.startswith("4") and not response.get("content"):
            response["content"] = {"application/json": {"schema": ref}}


def _empty_query_values_are_absent(operation: dict[str, Any]) -> None:
    """``?status=`` is the same as no ``status``, for every optional query parameter."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "query" and not parameter.get("required"):
            parameter["allowEmptyValue"] = True


def _dedupe_security(operation: dict[str, Any]) -> None:
    """``SPECTACULAR_SETTINGS["SECURITY"]`` repeats what the authenticators already say."""
    if "security" in operation:
        unique = {repr(sorted(r.items())): r for r in operation["security"]}
        operation["security"] = list(unique.values())


def add_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """The postprocessing hook: error envelopes, plus the small truths drf-spectacular
    cannot infer (empty query values, one entry per security scheme)."""
    result.setdefault("components", {}).setdefault("schemas", {})["ErrorEnvelope"] = ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            _document_errors(operation, _error_statuses(path, method))
            _empty_query_values_are_absent(operation)
            _dedupe_security(operation)
    return result


class NudgeAutoSchema(AutoSchema):
    """drf-spectacular documents any DELETE as "204, no body", even one annotated with a
    response serializer; our deletes answer 200 with a body (``{"success": true, "id"}``)."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        bodies = super()._get_response_bodies(direction)
        declared = self.get_response_serializers()
        if self.method == "DELETE" and set(bodies) == {"204"} and declared is not None:
            return {"200": self._get_response_for_code(declared, "200", direction=direction)}
        return bodies


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """An API key in ``X-API-Key`` or as a bearer token: either one (OR)."""

    target_class = "core.api.authentication.ApiKeyAuthentication"
    name = ["ApiKeyHeader", "BearerKey"]

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[Any]]]:
        return [{"ApiKeyHeader": []}, {"BearerKey": []}]

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, Any]]:
        return [
            {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            {"type": "http", "scheme": "bearer"},
        ]


class TenantSessionScheme(SessionScheme):
    target_class = "core.api.authentication.TenantSessionAuthentication"

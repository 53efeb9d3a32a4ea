"""OpenAPI: every operation documents the error envelope for the statuses it can return."""

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
    "415": "Body is not application/json.",
    "429": "Rate limited; see Retry-After.",
}


def add_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorEnvelope"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/ErrorEnvelope"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if "security" in operation:  # settings.SECURITY repeats what the authenticators say
                unique = {repr(sorted(r.items())): r for r in operation["security"]}
                operation["security"] = list(unique.values())
            statuses = ["400", "401", "403", "429"]
            if "{" in path:
                statuses.append("404")
            if method in ("post", "put", "patch"):
                statuses += ["409", "415"]
            if method == "delete":
                statuses.append("409")  # still in use, or the tenant's last admin
            if method in ("put", "patch", "delete") and "{" not in path:
                statuses.append("404")
            for code in statuses:
                operation["responses"].setdefault(code, {"description": DESCRIPTIONS[code]})
            for code, response in operation["responses"].items():
                # Errors declared by a view with a description only still use the envelope.
                if code.startswith("4") and not response.get("content"):
                    response["content"] = {"application/json": {"schema": ref}}
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

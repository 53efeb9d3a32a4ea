"""OpenAPI: every operation documents the error envelope for the statuses it can return."""

from __future__ import annotations

from typing import Any

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
    "409": "Conflict: duplicate name or invalid state transition.",
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
            statuses = ["400", "401", "403", "429"]
            if "{" in path:
                statuses.append("404")
            if method in ("post", "put", "patch"):
                statuses += ["409", "415"]
            if method in ("put", "patch", "delete") and "{" not in path:
                statuses.append("404")
            for code in statuses:
                operation["responses"].setdefault(
                    code,
                    {
                        "description": DESCRIPTIONS[code],
                        "content": {"application/json": {"schema": ref}},
                    },
                )
    return result

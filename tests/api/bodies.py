"""Request bodies built from the OpenAPI document: a plausible body for an operation, and the
top-level fields of each JSON type, so hostile values can be put into every one of them."""

from __future__ import annotations

from itertools import count
from typing import Any

from tests.api.world import FuzzWorld

_unique = count(1)

# Body fields that name another object, by the kind of object (``FuzzWorld`` kinds).
ID_FIELD_KINDS = {
    "offerId": "offer",
    "offerIds": "offer",
    "categoryId": "category",
    "channelId": "channel",
    "channelIds": "channel",
    "placementId": "placement",
    "creativeId": "creative",
    "segmentId": "segment",
    "decisionFlowId": "decisionFlow",
    "campaignId": "campaign",
    "runId": "run",
    "interactionId": "interaction",
}


def resolve(schema: dict[str, Any], node: Any) -> Any:
    """Follow ``$ref`` (and a single-entry ``allOf``) until a concrete schema."""
    while isinstance(node, dict):
        if "$ref" in node:
            node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
        elif "allOf" in node and len(node["allOf"]) == 1:
            node = node["allOf"][0]
        else:
            break
    return node


def json_body_schema(schema: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    """The resolved JSON object schema of the operation's request body, if it has one."""
    content = (operation.get("requestBody") or {}).get("content", {})
    if "application/json" not in content:
        return None
    body = resolve(schema, content["application/json"].get("schema", {}))
    return body if isinstance(body, dict) and "properties" in body else None


def writable_properties(schema: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    return {
        name: resolve(schema, prop)
        for name, prop in body.get("properties", {}).items()
        if not resolve(schema, prop).get("readOnly")
    }


def json_type(prop: dict[str, Any]) -> str:
    if "enum" in prop:
        return "enum"
    if "oneOf" in prop or "anyOf" in prop:
        return "mixed"
    return str(prop.get("type", "any"))


def plausible_value(name: str, prop: dict[str, Any], world: FuzzWorld) -> Any:
    kind = ID_FIELD_KINDS.get(name)
    if kind and world.ids_a.get(kind):
        first = world.ids_a[kind][0]
        return [first] if prop.get("type") == "array" else first
    kind_of = json_type(prop)
    if kind_of == "enum":
        return next((v for v in prop["enum"] if v not in (None, "")), None)
    if prop.get("format") == "date-time":
        return "2030-01-01T09:00:00Z"
    if prop.get("format") == "date":
        return "2030-01-01"
    if prop.get("format") == "email":
        return f"fuzz{next(_unique)}@example.com"
    return {
        "string": f"fuzz {next(_unique)}",
        "integer": 1,
        "number": 1,
        "boolean": True,
        "array": [],
        "object": {},
    }.get(kind_of)


def plausible_body(
    schema: dict[str, Any], operation: dict[str, Any], world: FuzzWorld
) -> dict[str, Any]:
    """Every writable top-level field with an ordinary value (ids of tenant A's objects).
    Not necessarily valid as a whole: the point is that each field gets past the parser."""
    body = json_body_schema(schema, operation) or {}
    values = {
        name: plausible_value(name, prop, world)
        for name, prop in writable_properties(schema, body).items()
    }
    return {name: value for name, value in values.items() if value is not None}


def fields_of_type(schema: dict[str, Any], operation: dict[str, Any], *types: str) -> list[str]:
    body = json_body_schema(schema, operation) or {}
    return [
        name for name, prop in writable_properties(schema, body).items() if json_type(prop) in types
    ]

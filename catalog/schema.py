"""OpenAPI descriptions of the catalog's JSON fields (what ``provider_config`` and the rule
module accept), so the schema tells integrators the real shape."""

from __future__ import annotations

from typing import Any

from catalog.provider_config import DAYS, MASK

JSON_OBJECT: dict[str, Any] = {"type": "object", "additionalProperties": True}

_FILTER = {
    "type": "object",
    "required": ["field", "operator"],
    "properties": {
        "field": {
            "type": "string",
            "description": "Namespaced field: customer.<field>, customer.attributes.<key>, "
            "offer.<field>, channel.<field> or context.<key>.",
            "example": "customer.attributes.creditScore",
        },
        "operator": {
            "type": "string",
            "enum": [
                "eq",
                "neq",
                "gt",
                "gte",
                "lt",
                "lte",
                "in",
                "not_in",
                "contains",
                "starts_with",
                "regex",
                "is_null",
                "is_not_null",
            ],
        },
        "value": {"description": "Compared value; a list for in/not_in, absent for is_null."},
    },
}

_COMBINATOR = {"type": "string", "enum": ["AND", "OR"], "default": "AND"}
_GROUP = {
    "type": "object",
    "title": "Nested group",
    "required": ["filters"],
    "properties": {
        "combinator": _COMBINATOR,
        "filters": {"type": "array", "items": {"type": "object"}, "description": "Up to 5 deep."},
    },
}

ELIGIBILITY: dict[str, Any] = {
    "type": "object",
    "description": "Rule conditions; an empty object means everyone is eligible.",
    "properties": {
        "combinator": _COMBINATOR,
        "filters": {"type": "array", "items": {"anyOf": [_FILTER, _GROUP]}},
    },
    "example": {
        "combinator": "AND",
        "filters": [{"field": "customer.attributes.creditScore", "operator": "gte", "value": 700}],
    },
}

_SECRET = {
    "type": "string",
    "description": f'Write-only: reads return "{MASK}". Send "{MASK}" or leave it out to keep '
    "the stored value.",
}

WEBHOOK: dict[str, Any] = {
    "type": "object",
    "title": "Webhook settings",
    "required": ["url", "signingSecret"],
    "additionalProperties": False,
    "properties": {
        "url": {"type": "string", "format": "uri", "description": "http:// or https:// URL."},
        "signingSecret": {
            **_SECRET,
            "description": _SECRET["description"] + " At least 16 characters.",
        },
        "method": {"type": "string", "enum": ["POST", "PUT"], "default": "POST"},
        "headers": {"type": "object", "additionalProperties": {"type": "string"}},
        "timeoutSeconds": {"type": "integer", "minimum": 1, "maximum": 120, "default": 10},
        "batchSize": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1},
    },
}

EMAIL: dict[str, Any] = {
    "type": "object",
    "title": "SMTP settings",
    "required": ["host", "fromEmail"],
    "additionalProperties": False,
    "properties": {
        "host": {"type": "string"},
        "port": {"type": "integer", "minimum": 1, "maximum": 65535, "default": 587},
        "username": {"type": "string", "default": ""},
        "password": {**_SECRET, "nullable": True},
        "useTls": {"type": "boolean", "default": True, "description": "STARTTLS."},
        "useSsl": {"type": "boolean", "default": False, "description": "Implicit TLS."},
        "fromEmail": {"type": "string", "format": "email"},
        "fromName": {"type": "string", "default": ""},
        "replyTo": {"type": "string", "format": "email"},
        "timeoutSeconds": {"type": "integer", "minimum": 1, "maximum": 120, "default": 30},
    },
}

_DAY = {
    "type": "object",
    "required": ["start", "end"],
    "properties": {
        "start": {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "09:00"},
        "end": {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "18:00"},
        "enabled": {"type": "boolean", "default": True},
    },
}

VOICE: dict[str, Any] = {
    "type": "object",
    "title": "AI voice agent settings",
    "required": ["agentId", "phoneNumbers"],
    "additionalProperties": False,
    "properties": {
        "agentId": {"type": "string"},
        "phoneNumbers": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "pattern": r"^\+[1-9]\d{6,14}$"},
            "description": "Outbound caller ids in E.164.",
        },
        "phoneNumberStrategy": {
            "type": "string",
            "enum": ["round_robin", "random", "least_loaded"],
            "default": "round_robin",
        },
        "timezone": {"type": "string", "default": "UTC", "description": "IANA time zone."},
        "workingHoursEnforced": {"type": "boolean", "default": True},
        "workingHours": {
            "type": "object",
            "properties": dict.fromkeys(DAYS, _DAY),
            "additionalProperties": False,
            "description": "Per-day call windows; a day left out is closed. Default Mon-Fri "
            "09:00-18:00.",
        },
        "retryPolicy": {
            "type": "object",
            "properties": {
                "maxRetries": {"type": "integer", "minimum": 0, "maximum": 10, "default": 3},
                "strategy": {"type": "string", "enum": ["fixed", "exponential"]},
                "cooldownMinutes": {"type": "integer", "minimum": 1, "default": 30},
            },
        },
        "concurrencyLimit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 10},
        "defaultCallVariables": {"type": "object", "additionalProperties": True},
        "providerUrl": {"type": "string", "format": "uri"},
        "apiKey": {**_SECRET, "nullable": True},
    },
}

PROVIDER_CONFIG: dict[str, Any] = {
    "anyOf": [WEBHOOK, EMAIL, VOICE, {**JSON_OBJECT, "title": "Other channel types"}],
    "description": "Provider settings, validated by channelType: webhook, email (SMTP) and "
    "voice have the shapes below (unknown keys rejected, defaults filled in); other types "
    "take any object. May be {} unless deliveryMode is integration. Secrets are never "
    f'returned: reads show "{MASK}".',
}

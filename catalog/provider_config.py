"""``providerConfig`` of a channel, validated and normalized per channel type.

Typed configs (``webhook``, ``email``, ``voice``) reject unknown keys (a typo must not silently
disable a setting) and are stored with their defaults filled in, so delivery code reads one
complete shape. Other channel types take any JSON object.

Secrets (webhook ``signingSecret``, SMTP ``password``, voice ``apiKey``) are split off into
``Channel.provider_secrets`` and are never returned: reads show :data:`MASK` in their place.
On write, a secret key that is absent or equal to :data:`MASK` keeps the stored secret, a
string replaces it and ``null`` removes it (when the type allows that).

A config may be empty (the channel is not wired to a provider yet) unless the channel's
delivery mode is ``integration`` and its type needs provider settings to deliver.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from catalog.validation import (
    bool_problems,
    choice_problems,
    e164_problems,
    email_problems,
    header_problems,
    hhmm_problems,
    hostname_problems,
    http_url_problems,
    int_problems,
    json_value_problems,
    object_problems,
    text_problems,
    timezone_problems,
    type_name,
)
from core.errors import InvalidInput

MASK = "********"
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TYPED = ("webhook", "email", "voice")

Errors = dict[str, Any]


@dataclass
class CleanConfig:
    public: dict[str, Any]
    secrets: dict[str, str]


@dataclass
class _Checker:
    """Reads ``raw`` key by key, collecting errors and the normalized output."""

    raw: dict[str, Any]
    out: dict[str, Any] = field(default_factory=dict)
    errors: Errors = field(default_factory=dict)

    def take(
        self,
        key: str,
        check: Callable[[Any], Any],
        *,
        default: Any = None,
        required: bool = False,
    ) -> Any:
        if key not in self.raw or (self.raw[key] is None and not required):
            if required:
                self.errors[key] = ["This setting is required."]
            elif default is not None:
                self.out[key] = default
            return self.out.get(key)
        value = self.raw[key]
        problems = check(value)
        if problems:
            self.errors[key] = problems
            return None
        self.out[key] = value
        return value

    def reject_unknown(self, known: tuple[str, ...]) -> None:
        for key in self.raw:
            if key not in known:
                self.errors[key] = [f"Unknown setting. Known: {', '.join(known)}."]


def _secret_problems(value: Any) -> list[str]:
    return text_problems(value, max_length=512)


def _signing_secret_problems(value: Any) -> list[str]:
    problems = _secret_problems(value)
    if not problems and len(value) < 16:
        problems = ["A signing secret must be at least 16 characters long."]
    return problems


SECRETS: dict[str, dict[str, Callable[[Any], list[str]]]] = {
    "webhook": {"signingSecret": _signing_secret_problems},
    "email": {"password": _secret_problems},
    "voice": {"apiKey": _secret_problems},
}
REQUIRED_SECRETS = {"webhook": ("signingSecret",)}


def _webhook(c: _Checker) -> None:
    c.take("url", http_url_problems, required=True)
    c.take("method", lambda v: choice_problems(v, ("POST", "PUT")), default="POST")
    c.take("headers", header_problems, default={})
    c.take("timeoutSeconds", lambda v: int_problems(v, minimum=1, maximum=120), default=10)
    c.take("batchSize", lambda v: int_problems(v, minimum=1, maximum=1000), default=1)
    c.reject_unknown(("url", "signingSecret", "method", "headers", "timeoutSeconds", "batchSize"))


def _email(c: _Checker) -> None:
    c.take("host", hostname_problems, required=True)
    c.take("port", lambda v: int_problems(v, minimum=1, maximum=65535), default=587)
    c.take("username", lambda v: text_problems(v, allow_blank=True), default="")
    use_tls = c.take("useTls", bool_problems, default=True)
    use_ssl = c.take("useSsl", bool_problems, default=False)
    if use_tls and use_ssl:
        c.errors["useSsl"] = ["useTls (STARTTLS) and useSsl (implicit TLS) exclude each other."]
    c.take("fromEmail", email_problems, required=True)
    c.take("fromName", lambda v: text_problems(v, allow_blank=True), default="")
    c.take("replyTo", email_problems)
    c.take("timeoutSeconds", lambda v: int_problems(v, minimum=1, maximum=120), default=30)
    c.reject_unknown(
        (
            "host",
            "port",
            "username",
            "password",
            "useTls",
            "useSsl",
            "fromEmail",
            "fromName",
            "replyTo",
            "timeoutSeconds",
        )
    )


def _phone_numbers_problems(value: Any) -> Any:
    if not isinstance(value, list) or not value:
        return [f"Must be a non-empty list of E.164 numbers, got {type_name(value)}."]
    if len(value) > 100:
        return ["At most 100 phone numbers."]
    errors = {str(i): p for i, n in enumerate(value) if (p := e164_problems(n))}
    if errors:
        return errors
    if len(set(value)) != len(value):
        return ["Phone numbers must be distinct."]
    return []


def _day_problems(value: Any) -> Any:
    if not isinstance(value, dict):
        return [f"Must be an object {{start, end, enabled}}, got {type_name(value)}."]
    day = _Checker(value)
    start = day.take("start", hhmm_problems, required=True)
    end = day.take("end", hhmm_problems, required=True)
    day.take("enabled", bool_problems, default=True)
    day.reject_unknown(("start", "end", "enabled"))
    if start and end and start >= end:
        day.errors["end"] = ["Must be after start (windows do not cross midnight)."]
    return day.errors


def _working_hours_problems(value: Any) -> Any:
    if not isinstance(value, dict):
        return [f"Must be an object keyed by weekday, got {type_name(value)}."]
    errors: Errors = {}
    for key, day in value.items():
        if key not in DAYS:
            errors[key] = [f"Unknown day. Known: {', '.join(DAYS)}."]
        elif problems := _day_problems(day):
            errors[key] = problems
    return errors


def _default_working_hours() -> dict[str, Any]:
    weekday = {"start": "09:00", "end": "18:00", "enabled": True}
    weekend = {"start": "10:00", "end": "14:00", "enabled": False}
    return {day: dict(weekday if i < 5 else weekend) for i, day in enumerate(DAYS)}


def _normalized_working_hours(value: dict[str, Any]) -> dict[str, Any]:
    """Every weekday present; a day left out is closed."""
    hours = {}
    for day in DAYS:
        given = value.get(day)
        if given is None:
            hours[day] = {"start": "09:00", "end": "18:00", "enabled": False}
        else:
            hours[day] = {
                "start": given["start"],
                "end": given["end"],
                "enabled": given.get("enabled", True),
            }
    return hours


def _retry_policy_problems(value: Any) -> Any:
    if not isinstance(value, dict):
        return [f"Must be an object, got {type_name(value)}."]
    policy = _Checker(value)
    policy.take("maxRetries", lambda v: int_problems(v, minimum=0, maximum=10))
    policy.take("strategy", lambda v: choice_problems(v, ("fixed", "exponential")))
    policy.take("cooldownMinutes", lambda v: int_problems(v, minimum=1, maximum=10080))
    policy.reject_unknown(("maxRetries", "strategy", "cooldownMinutes"))
    return policy.errors


def _call_variables_problems(value: Any) -> Any:
    problems = object_problems(value)
    if problems:
        return problems
    return {
        key: ["Must be a string, number or boolean."]
        for key, item in value.items()
        if not isinstance(item, str | int | float | bool)
    }


def _voice(c: _Checker) -> None:
    c.take("agentId", lambda v: text_problems(v, max_length=255), required=True)
    c.take("phoneNumbers", _phone_numbers_problems, required=True)
    c.take(
        "phoneNumberStrategy",
        lambda v: choice_problems(v, ("round_robin", "random", "least_loaded")),
        default="round_robin",
    )
    c.take("timezone", timezone_problems, default="UTC")
    enforced = c.take("workingHoursEnforced", bool_problems, default=True)
    hours = c.take("workingHours", _working_hours_problems)
    if "workingHours" not in c.errors:
        c.out["workingHours"] = (
            _normalized_working_hours(hours) if hours is not None else _default_working_hours()
        )
        if enforced and not any(day["enabled"] for day in c.out["workingHours"].values()):
            c.errors["workingHours"] = [
                "At least one day must be enabled while workingHoursEnforced is true."
            ]
    policy = c.take("retryPolicy", _retry_policy_problems)
    if "retryPolicy" not in c.errors:
        c.out["retryPolicy"] = {
            "maxRetries": 3,
            "strategy": "fixed",
            "cooldownMinutes": 30,
            **(policy or {}),
        }
    c.take("concurrencyLimit", lambda v: int_problems(v, minimum=1, maximum=1000), default=10)
    c.take("defaultCallVariables", _call_variables_problems, default={})
    c.take("providerUrl", http_url_problems)
    c.reject_unknown(
        (
            "agentId",
            "phoneNumbers",
            "phoneNumberStrategy",
            "timezone",
            "workingHoursEnforced",
            "workingHours",
            "retryPolicy",
            "concurrencyLimit",
            "defaultCallVariables",
            "providerUrl",
            "apiKey",
        )
    )


CHECKERS: dict[str, Callable[[_Checker], None]] = {
    "webhook": _webhook,
    "email": _email,
    "voice": _voice,
}


def _fail(errors: Errors) -> InvalidInput:
    first = next(iter(errors))
    return InvalidInput(f"Invalid providerConfig: {first}", details={"providerConfig": errors})


def provider_config_clean(
    *,
    channel_type: str,
    delivery_mode: str,
    raw: Any,
    current_secrets: dict[str, str] | None = None,
) -> CleanConfig:
    """Validate ``raw`` for ``channel_type``; raise ``InvalidInput`` naming each bad key."""
    problems = object_problems(raw)
    if problems:
        raise InvalidInput(
            f"Invalid providerConfig: {problems[0]}", details={"providerConfig": problems}
        )
    secret_checks = SECRETS.get(channel_type, {})
    current = {k: v for k, v in (current_secrets or {}).items() if k in secret_checks}
    public = {k: v for k, v in raw.items() if k not in secret_checks}
    errors: Errors = {}
    secrets: dict[str, str] = {}
    for key, check in secret_checks.items():
        value = raw.get(key, MASK)
        if value == MASK:
            if key in current:
                secrets[key] = current[key]
        elif value is not None:
            if problems := check(value):
                errors[key] = problems
            else:
                secrets[key] = value

    checker = CHECKERS.get(channel_type)
    if not public and not secrets and not errors:
        if checker is not None and delivery_mode == "integration":
            raise _fail(
                {
                    "nonFieldErrors": [
                        f"A {channel_type} channel with integration delivery needs provider "
                        "settings."
                    ]
                }
            )
        return CleanConfig(public={}, secrets={})
    if checker is None:
        return CleanConfig(public=public, secrets={})
    c = _Checker(public)
    checker(c)
    errors = {**c.errors, **errors}
    for key in REQUIRED_SECRETS.get(channel_type, ()):
        if key not in secrets and key not in errors:
            errors[key] = ["This setting is required."]
    if errors:
        raise _fail(errors)
    size = json_value_problems(c.out)
    if size:
        raise _fail({"nonFieldErrors": size})
    return CleanConfig(public=c.out, secrets=secrets)


def provider_config_masked(*, public: dict[str, Any], secrets: dict[str, str]) -> dict[str, Any]:
    """What the API and admin show: the public settings, each stored secret as :data:`MASK`."""
    return {**(public or {}), **dict.fromkeys(secrets or {}, MASK)}

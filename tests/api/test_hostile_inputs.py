"""Classic hostile inputs against every operation of the schema, written by hand rather than
generated: bodies that are not JSON or not an object, NUL bytes, huge strings and numbers,
deep nesting, ids of another tenant or malformed ids, and junk paging parameters.

Whatever the input: never a 5xx, and every 4xx is the error envelope with its status. One test
per operation runs every probe that applies and reports all problems at once."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import transaction

from tests.api.bodies import ID_FIELD_KINDS, fields_of_type, json_body_schema, plausible_body
from tests.api.known_bugs import HOSTILE
from tests.api.schema import operations, served_schema
from tests.api.world import FuzzWorld

pytestmark = pytest.mark.django_db

SCHEMA = served_schema()
OPERATIONS = operations(SCHEMA)

NUL = "nul\x00byte"
HUGE_STRING = "x" * 100_000
HUGE_NUMBERS = [10**30, -(10**30), 2**63, 1e308, -1e308]
DEEP = 2_000  # far beyond any sane document; a parser must still answer 400
STRINGS = ("string", "enum", "mixed", "any")

JUNK_QUERIES = [
    {"limit": "abc"},
    {"limit": "-1"},
    {"limit": "0"},
    {"limit": "1e3"},
    {"limit": str(10**30)},
    {"limit": "9" * 5000},
    {"limit": "5\x00"},
    {"offset": "-5"},
    {"offset": str(10**30)},
    {"offset": "1.5"},
    {"cursor": "garbage"},
    {"cursor": "%%%"},
    {"cursor": "\x00"},
    {"cursor": "MjAyNS0wMS0wMVQwMDowMDowMHx4"},  # well-formed, pointing nowhere
    {"cursor": "OTk5OTktMTMtNDB8eA"},  # a date that does not exist
    {"includeDeleted": "maybe"},
    {"ordering": "-nonexistent"},
    {"search": "\x00" + "x" * 10_000},
]
MALFORMED_IDS = ("zz_missing", "%00", "a" * 300, "..%2f..", "%F0%9F%92%A9", "1e400", "-1")


class _RollBack(Exception):
    pass


class Probe:
    """Sends requests for one operation and collects every way a response is wrong."""

    def __init__(self, client: Any, label: str) -> None:
        client.raise_request_exception = False  # a crash is a 500 to report, not an exception
        self.client = client
        self.label = label
        self.problems: dict[str, list[str]] = {}

    def send(
        self,
        what: str,
        method: str,
        url: str,
        body: Any = None,
        *allowed: int,
        content_type: str = "application/json",
        query: dict | None = None,
    ) -> Any:
        if body is not None and not isinstance(body, str):
            body = json.dumps(body)
        try:
            with transaction.atomic():  # a database error must not poison the next request
                if query is not None:
                    response = self.client.get(url, query)
                else:
                    response = self.client.generic(
                        method, url, body or "", content_type=content_type
                    )
                if response.status_code >= 500:
                    raise _RollBack
        except _RollBack:
            pass
        problem = self.check(response, allowed)
        if problem:
            self.problems.setdefault(what, []).append(problem)
        return response

    @staticmethod
    def check(response: Any, allowed: tuple[int, ...]) -> str | None:
        status = response.status_code
        seen = f"{status} {response.content[:300]!r}"
        if status >= 500 or (allowed and status not in allowed):
            return f"expected {allowed or '< 500'}, got {seen}"
        if status >= 400:
            if not response["Content-Type"].startswith("application/json"):
                return f"4xx not JSON: {seen}"
            body = response.json()
            error = body.get("error") if isinstance(body, dict) else None
            if (
                set(body) != {"error"}
                or not isinstance(error, dict)
                or set(error) != {"code", "message", "status", "details"}
                or error["status"] != status
            ):
                return f"4xx not the error envelope: {seen}"
        return None

    def verdict(self) -> None:
        unexpected = {w: p for w, p in self.problems.items() if (self.label, w) not in HOSTILE}
        assert not unexpected, json.dumps(unexpected, indent=1)[:6000]
        if self.problems:
            pytest.xfail("; ".join(HOSTILE[(self.label, w)] for w in self.problems))


def accepts_only_json(operation: dict[str, Any]) -> bool:
    content = (operation.get("requestBody") or {}).get("content", {"application/json": {}})
    return set(content) == {"application/json"}


def probe_media_types(p: Probe, method: str, url: str, operation: dict) -> None:
    documented = (operation.get("requestBody") or {}).get("content", {})
    for content_type in ("text/plain", "application/xml", "text/csv"):
        if content_type not in documented:
            p.send("body not JSON", method, url, "a,b\n1,2", 415, content_type=content_type)


def probe_body_shape(p: Probe, method: str, url: str, operation: dict) -> None:
    takes_object = json_body_schema(SCHEMA, operation) is not None
    for raw in ("[]", "[1, 2]", '"text"', "42", "true", "null", "{", '{"a": 1', "\x00"):
        p.send("body not an object", method, url, raw, *((400,) if takes_object else ()))


def probe_field_values(p: Probe, method: str, url: str, operation: dict, world: FuzzWorld) -> None:
    def body_with(field: str, value: Any) -> dict[str, Any]:
        return {**plausible_body(SCHEMA, operation, world), field: value}

    strings = fields_of_type(SCHEMA, operation, *STRINGS)
    for field in strings:
        p.send(f"NUL in {field}", method, url, body_with(field, NUL))
    for field in fields_of_type(SCHEMA, operation, "object", "any"):
        p.send(f"NUL in {field}", method, url, body_with(field, {"t": NUL, NUL: 1, "l": [NUL]}))
        big = {str(i): HUGE_STRING for i in range(5)}
        p.send(f"huge {field}", method, url, body_with(field, big))
    for field in fields_of_type(SCHEMA, operation, "array"):
        p.send(f"NUL in {field}", method, url, body_with(field, [NUL]))
    if strings:
        huge = {**plausible_body(SCHEMA, operation, world), **dict.fromkeys(strings, HUGE_STRING)}
        p.send("huge strings", method, url, huge)
    for field in fields_of_type(SCHEMA, operation, "integer", "number", "mixed", "any"):
        for number in HUGE_NUMBERS:
            p.send(f"huge number in {field}", method, url, body_with(field, number))


def probe_nesting(p: Probe, method: str, url: str, operation: dict, world: FuzzWorld) -> None:
    p.send("deep nesting", method, url, "[" * DEEP + "]" * DEEP)
    p.send("deep nesting", method, url, '{"a":' * DEEP + "1" + "}" * DEEP)
    nested = '{"a":' * 200 + "1" + "}" * 200
    for field in fields_of_type(SCHEMA, operation, "object", "array", "any", "mixed"):
        others = {k: v for k, v in plausible_body(SCHEMA, operation, world).items() if k != field}
        raw = json.dumps(others)[:-1] + (", " if others else "") + f'"{field}": {nested}}}'
        p.send(f"deep nesting in {field}", method, url, raw)


def probe_foreign_ids(p: Probe, method: str, url: str, operation: dict, world: FuzzWorld) -> None:
    fields = set(fields_of_type(SCHEMA, operation, "string", "array", "mixed", "any"))
    for field, kind in ID_FIELD_KINDS.items():
        if field not in fields or not world.others(kind):
            continue
        other = world.others(kind)[0]
        values: list[Any] = [other, f"{other}\x00", "x" * 5000, 12.5, {"id": other}, [[other]]]
        for value in values:
            sent = [value] if field.endswith("Ids") and isinstance(value, str) else value
            body = {**plausible_body(SCHEMA, operation, world), field: sent}
            p.send(f"foreign or bad {field}", method, url, body, 400, 404)


def probe_path_ids(p: Probe, method: str, path: str, operation: dict, world: FuzzWorld) -> None:
    takes_json = method != "GET" and accepts_only_json(operation)
    body = plausible_body(SCHEMA, operation, world) if takes_json else None
    p.send("another tenant's path id", method, world.fill_path(path, tenant="b"), body, 404)
    parameter = re.findall(r"{(\w+)}", path)[0]
    for junk in MALFORMED_IDS:
        url = world.fill_path(path.replace(f"{{{parameter}}}", junk))
        p.send("malformed path id", method, url, body, 404)


def probe_queries(p: Probe, url: str) -> None:
    for query in JUNK_QUERIES:
        p.send("junk query parameters", "GET", url, None, 200, 400, query=query)
    response = p.send("limit clamped", "GET", url, None, 200, query={"limit": "100000"})
    if response.status_code == 200 and response.json()["pagination"]["limit"] != 200:
        p.problems.setdefault("limit clamped", []).append(str(response.json()["pagination"]))


def is_list(operation: dict[str, Any]) -> bool:
    return bool({p["name"] for p in operation.get("parameters", [])} & {"limit", "cursor"})


@pytest.mark.parametrize(
    ("method", "path", "operation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS]
)
def test_hostile_inputs_are_handled(
    method: str, path: str, operation: dict, personas: Any, fuzz_world: FuzzWorld
) -> None:
    p = Probe(personas.client("admin_a"), f"{method} {path}")
    url = fuzz_world.fill_path(path)
    if method in ("POST", "PUT", "PATCH"):
        probe_media_types(p, method, url, operation)
        if accepts_only_json(operation):
            probe_body_shape(p, method, url, operation)
            probe_field_values(p, method, url, operation, fuzz_world)
            probe_nesting(p, method, url, operation, fuzz_world)
            probe_foreign_ids(p, method, url, operation, fuzz_world)
    if "{" in path:
        probe_path_ids(p, method, path, operation, fuzz_world)
    if method == "GET" and is_list(operation):
        probe_queries(p, url)
    p.verdict()

"""Schema-driven fuzzing of every operation of ``/api/schema/`` with schemathesis.

For each operation: schema-valid and schema-violating requests (headers, path, query and
body) sent by tenant A's admin API key. Checks: never a 5xx; every status code, content type
and body as documented (4xx bodies are the error envelope); requests the schema calls invalid
are rejected. Path ids are steered half of the time to objects that exist (tenant A's) or that
belong to the other tenant, so operations are exercised beyond their 404.

Bounded and deterministic: a fixed seed, ``EXAMPLES`` generated cases per operation plus
schemathesis' boundary-value (coverage) cases. To dig deeper on purpose:
``NUDGE_FUZZ_EXAMPLES=300 NUDGE_FUZZ_SEED=7 NUDGE_FUZZ_SHRINK=1 pytest tests/api``.
"""

from __future__ import annotations

import os
import zlib
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings
from jsonschema import Draft7Validator

from tests.api.known_bugs import FUZZ_EXCLUDED_CHECKS
from tests.api.schema import served_schema
from tests.api.world import FuzzWorld, path_kind

schemathesis = pytest.importorskip("schemathesis", reason="needs the dev dependency schemathesis")
from schemathesis import checks  # noqa: E402
from schemathesis.config import SchemathesisConfig  # noqa: E402
from schemathesis.core.failures import AcceptedNegativeData  # noqa: E402
from schemathesis.core.parameters import ParameterLocation  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402

EXAMPLES = int(os.environ.get("NUDGE_FUZZ_EXAMPLES", "12"))
SEED = int(os.environ.get("NUDGE_FUZZ_SEED", "20250101"))

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
        "generation": {
            "mode": "all",
            "max-examples": EXAMPLES,
            "deterministic": True,
            "database": "none",
            "no-shrink": os.environ.get("NUDGE_FUZZ_SHRINK", "") != "1",
            "with-security-parameters": False,
            # Unknown query parameters are ignored, as by most APIs; not worth a 400.
            "allow-extra-parameters": False,
        },
        "phases": {"stateful": {"enabled": False}},
        "checks": {
            # 400 for a well-formed id that does not exist is right; not a schema lie.
            "positive_data_acceptance": {"enabled": False},
        },
    }
)

schema = schemathesis.openapi.from_dict(served_schema(), config=CONFIG)
schema.app = WSGIHandler()


def _text(value: Any) -> str:
    """A generated query value as the query string carries it."""
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value)


def _read(text: str, prop: dict[str, Any]) -> Any:
    """The text read back the way the API reads it, for the parameter's documented type."""
    branch = prop.get("anyOf", [prop])[0]
    kind = branch.get("type")
    if kind == "array":
        return [_read(item, branch.get("items", {})) for item in text.split(",") if item]
    if kind == "boolean":
        return {"true": True, "false": False}.get(text.lower(), text)
    if kind in ("integer", "number"):
        try:
            return int(text) if kind == "integer" else float(text)
        except ValueError:
            return text
    return text


@schema.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure but the false positives of query strings, where everything is text:
    a number generated for a string parameter arrives as a valid string, ``true`` for a list
    of strings as a one-item list, and ``?ordering=,`` (empty items) means "no ordering" like
    ``?ordering=`` (documented: allowEmptyValue). Such a "schema-violating request accepted"
    is dropped only when the query, read back as the API reads it, is valid."""
    if not isinstance(failure, AcceptedNegativeData) or case.meta is None:
        return True
    negative = {loc for loc, c in case.meta.components.items() if c.mode.is_negative}
    if negative != {ParameterLocation.QUERY}:
        return True
    schema = case.operation.query.validation_schema
    query = {}
    for name, value in (case.query or {}).items():
        text = _text(value)
        if text.replace(",", "").strip():  # empty means absent
            query[name] = _read(text, schema["properties"].get(name, {}))
    return not Draft7Validator(schema).is_valid(query)


def _pick(value: Any, choices: list[str]) -> str:
    return choices[zlib.crc32(repr(value).encode()) % len(choices)]


def path_is_negative(case: Any) -> bool:
    """A schema-violating path must stay as generated: it is what the case tests."""
    component = case.meta.components.get(ParameterLocation.PATH) if case.meta else None
    return component is not None and component.mode == GenerationMode.NEGATIVE


def aim_path_ids(case: Any, world: FuzzWorld) -> None:
    """Deterministically replace a generated path id by one that exists (2 in 4), one of the
    other tenant (1 in 4), or keep the generated one (1 in 4)."""
    if not case.path_parameters or path_is_negative(case):
        return
    for name, value in list(case.path_parameters.items()):
        kind = path_kind(case.operation.path, name)
        bucket = zlib.crc32(f"{name}={value!r}".encode()) % 4
        own, others = world.own(kind), world.others(kind)
        if bucket >= 2 and own:
            case.path_parameters[name] = _pick(value, own)
        elif bucket == 1 and others:
            case.path_parameters[name] = _pick(value, others)


pytestmark = pytest.mark.django_db


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_operation_behaves_as_documented(
    case: Any, fuzz_world: FuzzWorld, personas: Any, in_process_wsgi: None
) -> None:
    aim_path_ids(case, fuzz_world)
    known = FUZZ_EXCLUDED_CHECKS.get(f"{case.method} {case.path}", {})
    case.call_and_validate(
        headers={"X-API-Key": personas.keys["admin_a"]},
        excluded_checks=[getattr(checks, name) for name in known],
    )

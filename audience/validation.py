"""Checks for one customer row, shared by the CRUD API, the bulk upsert API and CSV import.

Input is the API's camelCase shape (``externalId``, ``firstName``...); the output uses model
field names. Every check is plain Python (no queries) so a million CSV rows stream through it.
PostgreSQL ``text``/``jsonb`` cannot hold NUL characters, so those are rejected here rather
than failing in the database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache, lru_cache
from typing import Any
from zoneinfo import available_timezones

from core.errors import InvalidInput

COUNTRIES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
    ZW
    """.split()  # noqa: SIM905 - 249 codes read better as a block
)
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
PHONE_PUNCTUATION = re.compile(r"[\s().-]")
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_ATTRIBUTES_BYTES = 16 * 1024
MAX_ATTRIBUTE_KEYS = 200

# wire name -> (model field, max length)
TEXT_FIELDS: dict[str, tuple[str, int]] = {
    "externalId": ("external_id", 128),
    "email": ("email", 254),
    "phone": ("phone", 16),
    "firstName": ("first_name", 100),
    "lastName": ("last_name", 100),
    "country": ("country", 2),
    "timezone": ("timezone", 64),
}
WIRE_FIELDS = (*TEXT_FIELDS, "attributes")
MODEL_TO_WIRE = {model: wire for wire, (model, _) in TEXT_FIELDS.items()} | {
    "attributes": "attributes"
}
# Bits of the "which fields were sent" mask used by the upsert (absent fields keep their value).
FIELD_BITS = {
    "email": 1,
    "phone": 2,
    "first_name": 4,
    "last_name": 8,
    "country": 16,
    "timezone": 32,
    "attributes": 64,
}


@cache
def timezones() -> frozenset[str]:
    return frozenset(available_timezones())


ATTRIBUTES_JSON = "attributes_json"
_ENCODER = json.JSONEncoder(allow_nan=False, separators=(",", ":"))
READ_ONLY = frozenset(("id", "tenantId", "version", "deletedAt", "createdAt", "updatedAt"))
ACCEPTED = frozenset(WIRE_FIELDS) | READ_ONLY


def clean_customer(
    raw: Any, *, partial: bool = False
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validate one wire-shaped customer. Returns (model-field values, errors by wire name).

    Only the keys present in ``raw`` appear in the result (``partial`` only relaxes the
    required ``externalId``); ``null`` or ``""`` clears an optional field. Read-only fields a
    client echoes back (``id``, ``version``...) are ignored. When ``attributes`` is valid its
    JSON text is also returned under ``ATTRIBUTES_JSON`` (the importer writes it as is).
    """
    if not isinstance(raw, Mapping):
        return {}, {"nonFieldErrors": ["Must be a JSON object."]}
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    if raw.keys() - ACCEPTED:
        for key in raw.keys() - ACCEPTED:
            errors[str(key)[:64]] = ["Unknown field; custom data goes in 'attributes'."]
    for wire, (field, max_length) in TEXT_FIELDS.items():
        if wire not in raw:
            continue
        value, problem = _text(wire, raw[wire], max_length)
        if problem:
            errors[wire] = [problem]
        else:
            out[field] = value
    if "attributes" in raw:
        value = raw["attributes"]
        problem, text = _attributes_json(value)
        if problem:
            errors["attributes"] = [problem]
        else:
            out["attributes"] = value
            out[ATTRIBUTES_JSON] = text
    if not partial and not out.get("external_id") and "externalId" not in errors:
        errors["externalId"] = ["This field is required."]
    return out, errors


def _text(wire: str, value: Any, max_length: int) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    if not isinstance(value, str):
        return None, "Must be a string."
    value = value.strip()
    if value == "":
        return None, None
    if not value.isprintable() and CONTROL.search(value):
        return None, "Must not contain control characters."
    if wire == "country" or wire == "timezone":
        if len(value) > max_length:
            return None, f"At most {max_length} characters."
        return _coded(wire, value)
    if wire == "phone":
        if E164.fullmatch(value):
            return value, None
        value = PHONE_PUNCTUATION.sub("", value)
        if value.startswith("00"):
            value = "+" + value[2:]
        if not E164.fullmatch(value):
            return None, "Must be an E.164 number such as +4791234567."
        return value, None
    if len(value) > max_length:
        return None, f"At most {max_length} characters."
    if wire == "email":
        if not EMAIL.fullmatch(value):
            return None, "Enter a valid email address."
        return value, None
    return value, None


@lru_cache(maxsize=4096)
def _coded(wire: str, value: str) -> tuple[str | None, str | None]:
    """Countries and time zones repeat on every row of an import: checked once each."""
    if wire == "country":
        upper = value.upper()
        if upper not in COUNTRIES:
            return None, "Must be an ISO 3166-1 alpha-2 country code such as NO."
        return upper, None
    if value not in timezones():
        return None, "Must be an IANA time zone such as Europe/Oslo."
    return value, None


def attributes_problem(value: Any) -> str | None:
    return _attributes_json(value)[0]


def _attributes_json(value: Any) -> tuple[str | None, str]:
    if value is None:
        return None, "null"
    if not isinstance(value, dict):
        return "Must be a JSON object.", ""
    if len(value) > MAX_ATTRIBUTE_KEYS:
        return f"At most {MAX_ATTRIBUTE_KEYS} keys.", ""
    try:
        text = _ENCODER.encode(value)
    except (TypeError, ValueError, RecursionError):
        return "Must be plain JSON (no NaN or Infinity).", ""
    if len(text) > MAX_ATTRIBUTES_BYTES:
        return f"At most {MAX_ATTRIBUTES_BYTES} bytes of JSON.", ""
    if "\\u0000" in text:
        return "Must not contain NUL characters.", ""
    return None, text


def raise_if_errors(errors: dict[str, list[str]]) -> None:
    if errors:
        first = next(iter(errors))
        raise InvalidInput(f"Validation failed: {first}: {errors[first][0]}", details=errors)


_INT = re.compile(r"-?(0|[1-9][0-9]{0,14})")
_FLOAT = re.compile(r"-?(0|[1-9][0-9]{0,14})\.[0-9]{1,15}")


def infer_csv_value(text: str) -> Any:
    """A CSV ``attributes.<key>`` cell as JSON: integers and decimals without leading zeros
    become numbers, ``true``/``false`` booleans, anything else stays a string (``"01234"``)."""
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    if text in ("true", "false"):
        return text == "true"
    return text

"""Validation of the campaign's JSON sub-objects (``frequencyCaps``, ``fileConfig``).

Each function takes the raw wire value and returns it normalised, or raises
:class:`FieldErrors` whose ``errors`` dict is keyed by the wire names of the offending keys.
"""

from __future__ import annotations

import re
import string
from typing import Any

from campaigns.models import (
    DEFAULT_FILE_COLUMNS,
    FILE_COLUMNS,
    FILE_DESTINATIONS,
    FILE_FORMATS,
    FREQUENCY_CAP_KEYS,
)

S3_PLACEHOLDERS = ("campaign_id", "run_date", "run_id")
MAX_CAP = 2_147_483_647
MAX_S3_PATH = 1024
_S3_BUCKET = re.compile(r"^s3://([a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])(/.*)?$")
FILE_CONFIG_KEYS = ("format", "columns", "includePersonalization", "destination", "s3Path")


class FieldErrors(ValueError):
    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(errors)
        self.errors = errors


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def frequency_caps(value: Any) -> dict[str, int]:
    """``{maxTotalPerRun?, maxPerOffer?, maxPerChannel?}``: positive integers; ``null`` or an
    absent key means no cap. Only the caps that are set are kept."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FieldErrors({"nonFieldErrors": ["Must be an object."]})
    errors: dict[str, Any] = {}
    for key in value:
        if key not in FREQUENCY_CAP_KEYS:
            errors[key] = [f"Unknown cap; allowed: {', '.join(FREQUENCY_CAP_KEYS)}."]
    caps: dict[str, int] = {}
    for key in FREQUENCY_CAP_KEYS:
        cap = value.get(key)
        if cap is None:
            continue
        if not _is_int(cap) or not 1 <= cap <= MAX_CAP:
            errors[key] = ["Must be a positive integer."]
            continue
        caps[key] = cap
    if errors:
        raise FieldErrors(errors)
    return caps


def s3_path_template(value: Any) -> str:
    """``s3://bucket/prefix/...`` with only the ``{campaign_id}``, ``{run_date}`` and
    ``{run_id}`` placeholders."""
    if not isinstance(value, str) or not value.strip():
        raise FieldErrors({"s3Path": ["Must be a non-empty s3:// path."]})
    if len(value) > MAX_S3_PATH:
        raise FieldErrors({"s3Path": [f"At most {MAX_S3_PATH} characters."]})
    if not _S3_BUCKET.match(value) or any(ch.isspace() for ch in value):
        raise FieldErrors(
            {"s3Path": ["Must look like s3://bucket/path/ (a valid bucket name, no spaces)."]}
        )
    try:
        parsed = [
            (name, spec, conv)
            for _, name, spec, conv in string.Formatter().parse(value)
            if name is not None
        ]
    except ValueError:
        raise FieldErrors({"s3Path": ["Unbalanced braces in the path template."]}) from None
    allowed = ", ".join("{" + p + "}" for p in S3_PLACEHOLDERS)
    unknown = sorted({name for name, _, _ in parsed if name not in S3_PLACEHOLDERS})
    if unknown:
        listed = ", ".join("{" + name + "}" for name in unknown)
        raise FieldErrors({"s3Path": [f"Unknown placeholder(s) {listed}; allowed: {allowed}."]})
    if any(spec or conv for _, spec, conv in parsed):
        raise FieldErrors({"s3Path": [f"Placeholders are plain names: {allowed}."]})
    return value


def file_config(value: Any) -> dict[str, Any]:
    """The whole ``fileConfig`` object with defaults filled in (a PUT replaces it whole)."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise FieldErrors({"nonFieldErrors": ["Must be an object."]})
    errors: dict[str, Any] = {}
    for key in value:
        if key not in FILE_CONFIG_KEYS:
            errors[key] = [f"Unknown key; allowed: {', '.join(FILE_CONFIG_KEYS)}."]

    fmt = value.get("format", "csv")
    if fmt not in FILE_FORMATS:
        errors["format"] = [f"Must be one of: {', '.join(FILE_FORMATS)}."]

    include = value.get("includePersonalization", False)
    if not isinstance(include, bool):
        errors["includePersonalization"] = ["Must be a boolean."]

    columns = value.get("columns")
    if columns is None:
        columns = list(DEFAULT_FILE_COLUMNS)
    if not isinstance(columns, list) or not columns:
        errors["columns"] = ["Must be a non-empty list of column names."]
    else:
        column_errors = []
        for column in columns:
            if not isinstance(column, str) or column not in FILE_COLUMNS:
                column_errors.append(
                    f"Unknown column '{column}'; allowed: {', '.join(FILE_COLUMNS)}."
                )
        if not column_errors and len(set(columns)) != len(columns):
            column_errors.append("Columns must not repeat.")
        if not column_errors and "personalization" in columns and include is not True:
            column_errors.append(
                "The personalization column requires includePersonalization: true."
            )
        if column_errors:
            errors["columns"] = column_errors

    destination = value.get("destination", "download")
    if destination not in FILE_DESTINATIONS:
        errors["destination"] = [f"Must be one of: {', '.join(FILE_DESTINATIONS)}."]

    s3_path = value.get("s3Path")
    if s3_path is None or s3_path == "":
        s3_path = None
        if destination == "s3":
            errors["s3Path"] = ["Required when destination is s3."]
    else:
        try:
            s3_path = s3_path_template(s3_path)
        except FieldErrors as exc:
            errors.update(exc.errors)

    if errors:
        raise FieldErrors(errors)
    return {
        "format": fmt,
        "columns": list(columns),
        "includePersonalization": include,
        "destination": destination,
        "s3Path": s3_path,
    }

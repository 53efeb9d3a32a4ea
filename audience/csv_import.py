"""Stream a customers CSV into PostgreSQL (validated in Python, written with COPY).

Header names are the API's (``externalId``, ``email``, ``phone``, ``firstName``, ``lastName``,
``country``, ``timezone``) or their snake_case forms; ``attributes`` holds a JSON object and
``attributes.<key>`` columns add one attribute each (see ``infer_csv_value`` for typing; an
empty cell leaves the attribute out). An empty contact cell clears that field. Only
``externalId`` is required. Bad rows are skipped and reported with their line number; good
rows are kept.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from audience.importer import BATCH_ROWS, MergeResult, StagedRow, merge_all, staged_row
from audience.validation import TEXT_FIELDS, clean_customer, infer_csv_value
from core.errors import InvalidInput
from core.models import Tenant

MAX_REPORTED_ERRORS = 100
PROGRESS_EVERY_ROWS = 10_000
ATTRIBUTE_PREFIX = "attributes."
_ATTRIBUTE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")
_SNAKE = {model: wire for wire, (model, _) in TEXT_FIELDS.items()}

csv.field_size_limit(min(sys.maxsize, 1 << 24))


@dataclass
class ImportProgress:
    rows: int
    bytes_done: int
    bytes_total: int
    created: int = 0
    updated: int = 0
    errors: int = 0

    @property
    def percent(self) -> float:
        if not self.bytes_total:
            return 0.0
        return min(100.0, 100.0 * self.bytes_done / self.bytes_total)


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    error_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicates": self.duplicates,
            "errorCount": self.error_count,
            "errors": self.errors,
        }

    def add_error(self, line: int, external_id: Any, details: dict[str, list[str]]) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(
                {"line": line, "externalId": external_id, "details": details},
            )


@dataclass(frozen=True)
class Header:
    """Where each column of the file goes: a wire field, ``attributes`` or one attribute."""

    fields: tuple[tuple[int, str], ...]
    attributes_json: int | None
    attribute_columns: tuple[tuple[int, str], ...]


def parse_header(names: list[str]) -> Header:
    fields: list[tuple[int, str]] = []
    attribute_columns: list[tuple[int, str]] = []
    attributes_json: int | None = None
    problems: dict[str, list[str]] = {}
    seen: set[str] = set()
    for index, raw in enumerate(names):
        name = raw.strip()
        if name.startswith(ATTRIBUTE_PREFIX):
            key = name[len(ATTRIBUTE_PREFIX) :]
            if not _ATTRIBUTE_KEY.fullmatch(key):
                problems[name[:80]] = [
                    "Attribute columns are 'attributes.<key>' (letters, digits, _ or -)."
                ]
            target = name
            attribute_columns.append((index, key))
        elif name == "attributes":
            target = name
            attributes_json = index
        else:
            target = _SNAKE.get(name, name)
            if target not in TEXT_FIELDS:
                problems[name[:80] or f"column {index + 1}"] = [
                    "Unknown column; use externalId, email, phone, firstName, lastName, country, "
                    "timezone, attributes or attributes.<key>."
                ]
                continue
            fields.append((index, target))
        if target in seen:
            problems[name[:80]] = ["Duplicate column."]
        seen.add(target)
    if "externalId" not in seen:
        problems["externalId"] = ["The header needs an externalId column."]
    if problems:
        raise InvalidInput("Invalid CSV header", details=problems)
    return Header(tuple(fields), attributes_json, tuple(attribute_columns))


def row_to_wire(header: Header, values: list[str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    raw: dict[str, Any] = {}
    for index, wire in header.fields:
        raw[wire] = values[index] if index < len(values) else ""
    attributes: dict[str, Any] | None = None
    if header.attributes_json is not None and header.attributes_json < len(values):
        text = values[header.attributes_json].strip()
        if text:
            try:
                attributes = json.loads(text)
            except ValueError:
                return raw, {"attributes": ["Must be a JSON object."]}
            if not isinstance(attributes, dict):
                return raw, {"attributes": ["Must be a JSON object."]}
    for index, key in header.attribute_columns:
        if index < len(values) and values[index] != "":
            if attributes is None:
                attributes = {}
            attributes[key] = infer_csv_value(values[index])
    if attributes is not None:
        raw["attributes"] = attributes
    return raw, {}


def import_customers_csv(
    *,
    tenant: Tenant | str,
    stream: IO[bytes],
    total_bytes: int = 0,
    on_progress: Callable[[ImportProgress], Any] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> ImportReport:
    """Import a UTF-8 CSV (``stream`` is binary); ``on_progress`` is called as rows go in."""
    report = ImportReport()
    bad_lines: set[int] = set()

    def lines() -> Iterator[str]:
        """Decode line by line, so one non-UTF-8 line rejects its row, not the file."""
        for number, raw in enumerate(stream, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                bad_lines.add(number)
                yield raw.decode("utf-8", errors="replace")

    reader = csv.reader(lines())
    try:
        header = parse_header(next(reader))
    except StopIteration:
        raise InvalidInput("The CSV file is empty", details={"file": ["Empty file."]}) from None
    except csv.Error as exc:
        raise InvalidInput("Unreadable CSV", details={"file": [str(exc)]}) from None
    if bad_lines:
        raise InvalidInput("The CSV must be UTF-8", details={"file": ["The header is not UTF-8."]})

    def position() -> int:
        try:
            return stream.tell()
        except (OSError, ValueError):
            return 0

    def progress() -> None:
        if on_progress is not None:
            on_progress(
                ImportProgress(
                    rows=report.rows,
                    bytes_done=position(),
                    bytes_total=total_bytes,
                    created=report.created,
                    updated=report.updated,
                    errors=report.error_count,
                )
            )

    def staged() -> Iterator[StagedRow]:
        try:
            previous_line = reader.line_num
            for values in reader:
                first_line, previous_line = previous_line + 1, reader.line_num
                if not values or values == [""]:
                    continue
                report.rows += 1
                line = reader.line_num
                raw: dict[str, Any] = {}
                if bad_lines and any(n in bad_lines for n in range(first_line, line + 1)):
                    errors = {"file": ["This line is not UTF-8."]}
                else:
                    raw, errors = row_to_wire(header, values)
                if not errors:
                    clean, errors = clean_customer(raw)
                if errors:
                    external_id = raw.get("externalId")
                    report.add_error(
                        line, external_id if isinstance(external_id, str) else None, errors
                    )
                else:
                    yield staged_row(line, clean)
                if report.rows % PROGRESS_EVERY_ROWS == 0:
                    progress()
        except csv.Error as exc:
            report.add_error(reader.line_num, None, {"file": [f"Unreadable CSV: {exc}"]})

    def merged(result: MergeResult) -> None:
        report.created += result.created
        report.updated += result.updated
        report.unchanged += result.unchanged
        report.duplicates += result.duplicates
        progress()

    merge_all(tenant=tenant, rows=staged(), batch_rows=batch_rows, on_batch=merged)
    progress()
    return report

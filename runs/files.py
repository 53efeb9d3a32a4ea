"""Output files: CSV or JSON with exactly the configured columns, in order, streamed row by row.

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
tab or carriage return) are prefixed with a single quote (OWASP's advice for CSV injection).
Numbers are written as numbers, so a negative score is not mangled.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

AVAILABLE_COLUMNS = (
    "customer_id",
    "offer_name",
    "offer_id",
    "channel",
    "creative",
    "score",
    "rank",
    "category",
    "priority",
    "personalization",
)
DEFAULT_COLUMNS = ("customer_id", "offer_name", "channel", "score", "creative")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_CSV_SPECIAL = frozenset(',"\r\n')


def escape_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_quote(text: str) -> str:
    """One cell of a row of several, as ``csv.writer`` (QUOTE_MINIMAL, ``\\r\\n``) writes it."""
    if _CSV_SPECIAL.isdisjoint(text):
        return text
    return '"' + text.replace('"', '""') + '"'


def csv_cell(value: Any) -> Any:
    """A value as it goes into a CSV cell: objects as compact JSON, floats rounded to 6."""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    if isinstance(value, float):
        return repr(round(value, 6))
    return "" if value is None else value


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    rows: int
    size: int
    sha256: str


class _HashingWriter(io.RawIOBase):
    def __init__(self, target: BinaryIO) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.target.write(data)
        self.digest.update(data)
        self.size += len(data)
        return len(data)


def write_rows(
    path: Path, rows: Iterable[Mapping[str, Any]], *, columns: tuple[str, ...] | list[str], fmt: str
) -> WrittenFile:
    """Write ``rows`` (mappings with at least ``columns``) atomically to ``path``."""
    if fmt == "csv":
        cells: Iterable[list[Any]] = (
            [csv_cell(escape_cell(row.get(c))) for c in columns] for row in rows
        )
    else:
        cells = ([row.get(c) for c in columns] for row in rows)
    return write_table(path, cells, columns=columns, fmt=fmt)


def write_table(
    path: Path, rows: Iterable[list[Any]], *, columns: tuple[str, ...] | list[str], fmt: str
) -> WrittenFile:
    """Write rows of cells already in column order (for CSV: already escaped and formatted)
    atomically to ``path``. The fast path used by runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    count = 0
    with open(tmp, "wb") as raw:
        hashing = _HashingWriter(raw)
        buffered = io.BufferedWriter(hashing, buffer_size=1 << 20)
        text = io.TextIOWrapper(buffered, encoding="utf-8", newline="")
        if fmt == "csv":
            writer = csv.writer(text, lineterminator="\r\n")  # RFC 4180
            writer.writerow(columns)
            for row in rows:
                writer.writerow(row)
                count += 1
        elif fmt == "json":
            text.write("[")
            for row in rows:
                text.write(",\n" if count else "\n")
                text.write(json.dumps(dict(zip(columns, row, strict=True)), separators=(",", ":")))
                count += 1
            text.write("\n]\n" if count else "]\n")
        else:
            raise ValueError(f"unknown format {fmt!r}")
        text.flush()
        text.detach()
        buffered.flush()
        size, sha = hashing.size, hashing.digest.hexdigest()
    os.replace(tmp, path)
    return WrittenFile(path=path, rows=count, size=size, sha256=sha)


class TableAssembler:
    """Writes a file from parts made elsewhere (``runs.output``): the CSV header or the JSON
    brackets around them, hashing as it goes, atomically renamed into place on :meth:`close`.

    A part is CSV lines, each ending in ``\\r\\n``, or JSON objects joined by ``,\\n``; the
    result is byte for byte what :func:`write_table` writes for the same rows."""

    def __init__(self, path: Path, *, columns: tuple[str, ...] | list[str], fmt: str) -> None:
        if fmt not in ("csv", "json"):
            raise ValueError(f"unknown format {fmt!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.fmt, self.rows = path, fmt, 0
        self._tmp = path.with_suffix(path.suffix + ".part")
        self._raw = open(self._tmp, "wb")  # noqa: SIM115 - closed in close()/abort()
        self._hashing = _HashingWriter(self._raw)
        self._out = io.BufferedWriter(self._hashing, buffer_size=1 << 20)
        if fmt == "csv":
            header = io.StringIO()
            csv.writer(header, lineterminator="\r\n").writerow(columns)
            self._out.write(header.getvalue().encode())
        else:
            self._out.write(b"[")

    def write(self, part: str | bytes, rows: int) -> None:
        if not rows:
            return
        data = part.encode() if isinstance(part, str) else part
        if self.fmt == "json":
            self._out.write(b",\n" if self.rows else b"\n")
        self._out.write(data)
        self.rows += rows

    def copy(self, part: Path, rows: int) -> None:
        if rows:
            self.write(part.read_bytes(), rows)

    def close(self) -> WrittenFile:
        if self.fmt == "json":
            self._out.write(b"\n]\n" if self.rows else b"]\n")
        self._out.flush()
        self._raw.close()
        os.replace(self._tmp, self.path)
        return WrittenFile(
            path=self.path,
            rows=self.rows,
            size=self._hashing.size,
            sha256=self._hashing.digest.hexdigest(),
        )

    def abort(self) -> None:
        self._raw.close()
        self._tmp.unlink(missing_ok=True)

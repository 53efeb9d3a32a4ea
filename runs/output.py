"""What a run outputs for a chunk of customers: result rows (COPY text) and file rows.

A chunk's candidates travel as :class:`ChunkCandidates` (the engine's matrices of offer,
channel and creative indexes plus the customers' ids and external ids); an allocation gives
each taken candidate its new rank; :meth:`Formatter.output` turns that into

- the ``COPY`` text of the chunk's ``runs_runresult`` rows, and
- the chunk's part of the file: CSV lines (``\\r\\n`` ended) or JSON objects joined by
  ``,\\n``, byte for byte what :func:`runs.files.write_table` writes for the same rows.

Everything is built column-wise: a cell is formatted once per distinct value (a name once
per offer, an external id once per customer, a score once per distinct score) and each row
is one C-level ``join`` of ready strings, so rows cost no Python formatting call per cell.
Nothing here depends on where the chunk starts or ends, so the concatenated parts are the
same file whatever the chunk size.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection

from runs.files import FORMULA_PREFIXES, csv_cell, csv_quote, escape_cell

COPY_COLUMNS = (
    "customer_id",
    "external_id",
    "run_id",
    "seq",
    "rank",
    "offer_id",
    "channel_id",
    "creative_id",
    "score",
    "personalization",
)


@dataclass
class ChunkCandidates:
    """A chunk's ranked candidates (see ``decisioning.engine.batch.BatchResult``).

    Row ``r`` is customer ``ids[r]`` (segment order); its ``count[r]`` candidates fill
    columns ``0 .. count[r]-1`` of ``offer`` / ``channel`` / ``creative`` (indexes into the
    run's ``snapshot["index"]`` lists) and ``score``; the customer may get at most
    ``limit[r]`` of them (the flow's limit, lowered by their contact policies)."""

    ids: np.ndarray
    external_ids: list[str]
    limit: np.ndarray
    count: np.ndarray
    offer: np.ndarray
    channel: np.ndarray
    creative: np.ndarray
    score: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def empty(cls, depth: int) -> ChunkCandidates:
        ints = np.zeros((0, depth), dtype=np.int32)
        none = np.zeros(0, dtype=np.int64)
        return cls(none, [], none, none, ints, ints, ints, np.zeros((0, depth)))

    def pack(self) -> bytes:
        """Compact bytes: ``numpy.savez`` of the filled cells only, in the smallest integer
        types that hold them; external ids joined by NUL (PostgreSQL text cannot hold one)."""
        filled = np.arange(self.offer.shape[1])[None, :] < self.count[:, None]

        def small(values: np.ndarray) -> np.ndarray:
            top = int(values.max(initial=0))
            return values.astype(np.min_scalar_type(-top - 1))

        buffer = io.BytesIO()
        np.savez(
            buffer,
            shape=np.asarray(self.offer.shape, dtype=np.int64),
            ids=self.ids.astype(np.int64),
            external_ids=np.frombuffer("\0".join(self.external_ids).encode(), dtype=np.uint8),
            limit=small(self.limit),
            count=small(self.count),
            offer=small(self.offer[filled]),
            channel=small(self.channel[filled]),
            creative=small(self.creative[filled]),
            score=self.score[filled].astype(np.float64),
        )
        return buffer.getvalue()

    @classmethod
    def unpack(cls, data: bytes) -> ChunkCandidates:
        with np.load(io.BytesIO(data), allow_pickle=False) as packed:
            n, depth = (int(v) for v in packed["shape"])
            ids = packed["ids"]
            count = packed["count"].astype(np.int64)
            filled = np.arange(depth)[None, :] < count[:, None]

            def matrix(name: str, pad: Any, dtype: Any) -> np.ndarray:
                out = np.full((n, depth), pad, dtype=dtype)
                out[filled] = packed[name]
                return out

            text = packed["external_ids"].tobytes().decode()
            return cls(
                ids=ids,
                external_ids=text.split("\0") if n else [],
                limit=packed["limit"].astype(np.int64),
                count=count,
                offer=matrix("offer", -1, np.int32),
                channel=matrix("channel", -1, np.int32),
                creative=matrix("creative", -1, np.int32),
                score=matrix("score", 0.0, np.float64),
            )


@dataclass
class Picks:
    """The taken candidates of a chunk, in segment order then rank order."""

    row: np.ndarray
    rank: np.ndarray
    offer: np.ndarray
    channel: np.ndarray
    creative: np.ndarray
    score: np.ndarray
    customers: np.ndarray  # the rows with a pick, ascending
    customer_at: np.ndarray  # per pick: its row's position in ``customers``
    external_ids: list[str]  # of ``customers``

    @classmethod
    def of(cls, candidates: ChunkCandidates, ranks: np.ndarray) -> Picks:
        rows, cols = np.nonzero(ranks)
        first = np.r_[True, rows[1:] != rows[:-1]] if rows.size else np.zeros(0, dtype=bool)
        customers = rows[first]
        external_ids = candidates.external_ids
        return cls(
            customers=customers,
            customer_at=np.cumsum(first) - 1,
            external_ids=[external_ids[r] for r in customers.tolist()],
            row=rows,
            rank=ranks[rows, cols].astype(np.int64),
            offer=candidates.offer[rows, cols],
            channel=candidates.channel[rows, cols],
            creative=candidates.creative[rows, cols],
            score=candidates.score[rows, cols],
        )

    def __len__(self) -> int:
        return len(self.row)


@dataclass
class ChunkOutput:
    copy_text: str
    file_part: str
    rows: int
    tallies: dict[str, Any]


def _objects(values: Sequence[Any]) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = list(values)
    return array


def _per_distinct(values: np.ndarray, fmt: Callable[[Any], str]) -> list[str]:
    """``fmt`` of every value, calling it once per distinct value (floats by bit pattern, so
    ``-0.0`` and ``0.0`` stay apart)."""
    if values.size == 0:
        return []
    keys = values.view(np.int64) if values.dtype == np.float64 else values
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    table = _objects([fmt(v) for v in values[first].tolist()])
    return table[inverse.reshape(-1)].tolist()


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


def _none_need(texts: list[str], chars: str, prefixes: str = "") -> bool:
    """True when no text contains one of ``chars`` or starts with one of ``prefixes``:
    checked over one joined string (NUL cannot occur in database text), not per text."""
    joined = "\0" + "\0".join(texts)
    return not any(c in joined for c in chars) and not any("\0" + p in joined for p in prefixes)


def copy_texts(texts: list[str]) -> list[str]:
    return texts if _none_need(texts, "\\\t\n\r") else [copy_text(t) for t in texts]


def csv_texts(texts: list[str]) -> list[str]:
    """Customer ids as CSV cells: formula-escaped, then quoted where needed."""
    if _none_need(texts, ',"\r\n', "".join(FORMULA_PREFIXES)):
        return texts
    return [csv_quote(escape_cell(t)) for t in texts]


def json_texts(texts: list[str]) -> list[str]:
    """Strings as ``json.dumps`` writes them."""
    plain = "".join(texts)
    if plain.isascii() and plain.isprintable() and '"' not in plain and "\\" not in plain:
        return [f'"{t}"' for t in texts]
    return [json.dumps(t) for t in texts]


class Formatter:
    """Builds a run's result rows and file rows; one per run, reused for every chunk."""

    def __init__(self, run_id: str, snapshot: dict[str, Any]) -> None:
        file_config: dict[str, Any] = snapshot.get("fileConfig") or {}
        index: dict[str, list[str]] = snapshot.get("index") or {}
        self.run_id = run_id
        self.stride = max(int(snapshot.get("perCustomer") or 1), 1)
        self.columns = list(file_config.get("columns") or [])
        self.csv = file_config.get("format", "csv") == "csv"
        self.personalize = bool(file_config.get("includePersonalization"))
        self.offer_ids = list(index.get("offers") or [])
        self.channel_ids = list(index.get("channels") or [])
        self.creative_ids = list(index.get("creatives") or [])
        offers = snapshot.get("offers") or {}
        channels = snapshot.get("channels") or {}
        creatives = snapshot.get("creatives") or {}
        esc: Callable[[Any], Any] = escape_cell if self.csv else (lambda v: v)

        def named(ids: list[str], data: dict[str, Any]) -> list[Any]:
            return [esc(data[k].get("name", k)) if k in data else k for k in ids]

        # Values per catalog index, before cell encoding (as ``finalize.row_builder`` had).
        self._catalog: dict[str, tuple[str, list[Any]]] = {
            "offer_name": ("offer", named(self.offer_ids, offers)),
            "offer_id": ("offer", list(self.offer_ids)),
            "channel": ("channel", named(self.channel_ids, channels)),
            "creative": ("creative", named(self.creative_ids, creatives)),
            "category": (
                "offer",
                [esc((offers.get(k) or {}).get("categoryName") or "") for k in self.offer_ids],
            ),
            "priority": ("offer", [(offers.get(k) or {}).get("priority") for k in self.offer_ids]),
        }
        self._personalizer = _Personalizer(snapshot) if self.personalize else None

    # -- cells ------------------------------------------------------------------------------

    def _cell(self, value: Any) -> str:
        """One file cell, encoded: CSV as ``csv.writer`` writes it, JSON as ``json.dumps``."""
        if self.csv:
            if value is None:
                return ""
            return csv_quote(value if isinstance(value, str) else str(value))
        return json.dumps(value, separators=(",", ":"))

    def _column(
        self,
        name: str,
        candidates: ChunkCandidates,
        picks: Picks,
        contents: list[Any] | None,
        affix: tuple[str, str],
    ) -> list[str]:
        """The column's cell for every pick, with ``affix`` (JSON key, braces, line end)."""
        before, after = affix

        def wrap(cell: str) -> str:
            return before + cell + after

        if name in self._catalog:
            kind, values = self._catalog[name]
            table = _objects([wrap(self._cell(v)) for v in values])
            return table[getattr(picks, kind)].tolist() if len(table) else []
        if name == "customer_id":
            ext = picks.external_ids
            cells = csv_texts(ext) if self.csv else json_texts(ext)
            table = _objects([before + c + after for c in cells] if before or after else cells)
            return table[picks.customer_at].tolist()
        if name == "score":
            if self.csv:
                return _per_distinct(picks.score, lambda v: wrap(repr(round(v, 6))))
            return _per_distinct(picks.score, lambda v: wrap(self._cell(round(v, 6))))
        if name == "rank":
            return _per_distinct(picks.rank, lambda v: wrap(self._cell(v)))
        if name == "personalization":
            assert contents is not None
            if self.csv:
                return [wrap(self._cell(csv_cell(c))) for c in contents]
            return [wrap(self._cell(c)) for c in contents]
        raise ValueError(f"unknown column {name!r}")

    def file_part(
        self, candidates: ChunkCandidates, picks: Picks, contents: list[Any] | None
    ) -> str:
        if not len(picks):
            return ""
        columns = self.columns
        if not columns:  # csv.writer writes an empty line, json.dumps "{}"
            return "\r\n" * len(picks) if self.csv else ",\n".join(["{}"] * len(picks))
        last = len(columns) - 1
        cells: list[list[str]] = []
        for i, name in enumerate(columns):
            if self.csv:
                affix = ("", "\r\n" if i == last else "")
            else:
                key = json.dumps(name) + ":"
                affix = (("{" if i == 0 else "") + key, "}" if i == last else "")
            cells.append(self._column(name, candidates, picks, contents, affix))
        if self.csv and len(columns) == 1:  # csv.writer quotes a lone empty cell
            cells[0] = ['""\r\n' if c == "\r\n" else c for c in cells[0]]
        rows = map(",".join, zip(*cells, strict=True))
        return "".join(rows) if self.csv else ",\n".join(rows)

    def copy_rows(
        self, candidates: ChunkCandidates, picks: Picks, contents: list[Any] | None
    ) -> str:
        """``COPY runs_runresult (COPY_COLUMNS)`` text for the picks."""
        if not len(picks):
            return ""
        run_id = self.run_id
        ids = candidates.ids[picks.customers].tolist()
        ext = copy_texts(picks.external_ids)
        customer = _objects([f"{i}\t{e}\t{run_id}\t" for i, e in zip(ids, ext, strict=True)])[
            picks.customer_at
        ].tolist()
        # seq = customer id x the flow's limit + rank - 1: unique, in segment order, and the
        # same whatever chunk computed it.
        seq = (candidates.ids[picks.row] * self.stride + (picks.rank - 1)).tolist()
        offers, channels, creatives = self.offer_ids, self.channel_ids, self.creative_ids
        n_off, n_chan, n_cre = max(len(offers), 1), max(len(channels), 1), max(len(creatives), 1)
        key = ((picks.rank * n_off + picks.offer) * n_chan + picks.channel) * n_cre + picks.creative

        def middle(k: int) -> str:
            rest, cre = divmod(k, n_cre)
            rest, chan = divmod(rest, n_chan)
            rank, off = divmod(rest, n_off)
            return f"\t{rank}\t{offers[off]}\t{channels[chan]}\t{creatives[cre]}\t"

        middles = _per_distinct(key, middle)
        if contents is None:
            scores = _per_distinct(picks.score, lambda v: f"{v!r}\t\\N\n")
            return "".join(map("".join, zip(customer, map(str, seq), middles, scores, strict=True)))
        scores = _per_distinct(picks.score, lambda v: f"{v!r}\t")
        tails = [
            "\\N\n" if c is None else copy_text(json.dumps(c, separators=(",", ":"))) + "\n"
            for c in contents
        ]
        return "".join(
            map("".join, zip(customer, map(str, seq), middles, scores, tails, strict=True))
        )

    # -- a chunk ----------------------------------------------------------------------------

    def contents(self, candidates: ChunkCandidates, picks: Picks) -> list[Any] | None:
        """The rendered creative of every pick (only with ``includePersonalization``)."""
        if self._personalizer is None:
            return None
        profiles = customer_profiles(candidates.ids[picks.customers].tolist())
        ids = candidates.ids.tolist()
        render = self._personalizer.render
        return [
            render(
                self.creative_ids[cre],
                self.offer_ids[off],
                self.channel_ids[chan],
                profiles.get(ids[row], {}),
            )
            for row, off, chan, cre in zip(
                picks.row.tolist(),
                picks.offer.tolist(),
                picks.channel.tolist(),
                picks.creative.tolist(),
                strict=True,
            )
        ]

    def output(self, candidates: ChunkCandidates, ranks: np.ndarray) -> ChunkOutput:
        picks = Picks.of(candidates, ranks)
        contents = self.contents(candidates, picks)
        return ChunkOutput(
            copy_text=self.copy_rows(candidates, picks, contents),
            file_part=self.file_part(candidates, picks, contents),
            rows=len(picks),
            tallies=self.tallies(picks),
        )

    def tallies(self, picks: Picks) -> dict[str, Any]:
        def counts(ids: list[str], index: np.ndarray) -> dict[str, int]:
            if not len(index):
                return {}
            tally = np.bincount(index, minlength=len(ids)).tolist()
            return {ids[i]: n for i, n in enumerate(tally) if n}

        return {
            "offers": counts(self.offer_ids, picks.offer),
            "channels": counts(self.channel_ids, picks.channel),
            "creatives": counts(self.creative_ids, picks.creative),
            "recommendations": len(picks),
            "recommended": len(picks.customers),
        }


def customer_profiles(ids: list[int]) -> dict[int, dict[str, Any]]:
    """The customers' profile fields, as creatives' personalization reads them."""
    from audience.models import Customer

    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {', '.join(Customer.PROFILE_FIELDS)} FROM {Customer._meta.db_table} "
            "WHERE id = ANY(%s)",
            [ids],
        )
        return {
            row[0]: dict(zip(Customer.PROFILE_FIELDS, row[1:], strict=True))
            for row in cursor.fetchall()
        }


class _Personalizer:
    """Renders a winning creative for a customer; compiled templates are reused."""

    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.creatives = snapshot.get("creatives") or {}
        self.offers = snapshot.get("offers") or {}
        self.channels = snapshot.get("channels") or {}
        self._compiled: dict[str, Any] = {}

    def render(
        self, creative_id: str, offer_id: str, channel_id: str, customer: dict[str, Any]
    ) -> Any:
        from creatives.rendering import compile_creative

        compiled = self._compiled.get(creative_id)
        if compiled is None:
            creative = self.creatives.get(creative_id) or {}
            compiled = compile_creative(
                creative.get("content") or {},
                creative.get("personalization") or [],
                template_type=creative.get("templateType", "email_html"),
            )
            self._compiled[creative_id] = compiled
        sources = {
            "offer": self.offers.get(offer_id, {}),
            "channel": self.channels.get(channel_id, {}),
        }
        return compiled.render(customer, sources=sources)


def _binary_cursor() -> Any:
    """A server-side-binding cursor on Django's connection (same transaction): bytea goes
    both ways as raw bytes, not as hex text the server has to parse."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def candidates_store(run_id: str, chunk_index: int, data: bytes) -> None:
    """Replace the chunk's packed candidates."""
    from runs.models import RunCandidate

    table = RunCandidate._meta.db_table
    with _binary_cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE run_id = %s AND chunk_index = %s", [run_id, chunk_index]
        )
        cursor.execute(
            f"INSERT INTO {table} (run_id, chunk_index, data) VALUES (%s, %s, %b)",
            [run_id, chunk_index, data],
        )


def candidates_load(run_id: str, indexes: list[int]) -> dict[int, tuple[bytes, bytes | None]]:
    """The chunks' packed candidates and, once allocated, their packed ranks."""
    from runs.models import RunCandidate

    with _binary_cursor() as cursor:
        cursor.execute(
            f"SELECT chunk_index, data, ranks FROM {RunCandidate._meta.db_table} "
            "WHERE run_id = %s AND chunk_index = ANY(%s)",
            [run_id, indexes],
            binary=True,
        )
        return {
            int(index): (bytes(data), None if ranks is None else bytes(ranks))
            for index, data, ranks in cursor.fetchall()
        }


def ranks_store(run_id: str, chunk_index: int, data: bytes) -> None:
    from runs.models import RunCandidate

    with _binary_cursor() as cursor:
        cursor.execute(
            f"UPDATE {RunCandidate._meta.db_table} SET ranks = %b "
            "WHERE run_id = %s AND chunk_index = %s",
            [data, run_id, chunk_index],
        )


def pack_ranks(candidates: ChunkCandidates, ranks: np.ndarray) -> bytes:
    """The new rank of each filled candidate cell (the allocation's answer), compactly."""
    filled = np.arange(ranks.shape[1])[None, :] < candidates.count[:, None]
    buffer = io.BytesIO()
    np.save(buffer, ranks[filled].astype(np.int8), allow_pickle=False)
    return buffer.getvalue()


def unpack_ranks(candidates: ChunkCandidates, data: bytes) -> np.ndarray:
    n, depth = candidates.offer.shape
    filled = np.arange(depth)[None, :] < candidates.count[:, None]
    ranks = np.zeros((n, depth), dtype=np.int16)
    ranks[filled] = np.load(io.BytesIO(data), allow_pickle=False)
    return ranks


@contextmanager
def results_copy() -> Iterator[Callable[[str], None]]:
    """One ``COPY runs_runresult`` for many pieces of :meth:`Formatter.copy_rows` text. The
    data is sent by a background thread (psycopg's queued writer), so the server stores one
    chunk's rows while this process formats the next."""
    from psycopg.copy import QueuedLibpqWriter

    from runs.models import RunResult

    sql = f"COPY {RunResult._meta.db_table} ({', '.join(COPY_COLUMNS)}) FROM STDIN"
    step = 1 << 22
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        with cursor.copy(sql, writer=QueuedLibpqWriter(cursor)) as copy:

            def write(text: str) -> None:
                for start in range(0, len(text), step):
                    copy.write(text[start : start + step])

            yield write


def copy_results(text: str) -> None:
    """Stream ``text`` (from :meth:`Formatter.copy_rows`) into ``runs_runresult``."""
    if text:
        with results_copy() as write:
            write(text)

"""The last step of a run: allocate caps in segment order, store results, write the file.

It streams chunk by chunk (memory bounded by the chunk size), in one transaction that first
removes anything an earlier attempt wrote, so a retried finalize gives the same rows and a
byte-identical file.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from audience.models import Customer
from creatives.rendering import compile_creative
from runs.allocation import Allocator, Candidate, Caps
from runs.files import csv_cell, escape_cell, write_table
from runs.models import DeadLetter, Run, RunCandidate, RunChunk, RunResult
from runs.services import relaxed_commit
from runs.storage import UploadError, run_file_path, s3_target, upload_file

log = logging.getLogger(__name__)

CUSTOMER_FIELDS = (
    "external_id",
    "email",
    "phone",
    "first_name",
    "last_name",
    "country",
    "timezone",
    "attributes",
)
RESULT_COLUMNS = (
    "run_id",
    "seq",
    "customer_id",
    "external_id",
    "rank",
    "offer_id",
    "channel_id",
    "creative_id",
    "score",
    "personalization",
)


def _chunk_candidates(run_id: str, chunk_index: int, with_profile: bool) -> list[tuple]:
    customer_cols = ", ".join(
        f"cu.{f}" for f in (CUSTOMER_FIELDS if with_profile else ("external_id",))
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT c.customer_id, c.rank, c.offer_id, c.channel_id, c.creative_id, c.score, {customer_cols}
            FROM {RunCandidate._meta.db_table} c
            JOIN {Customer._meta.db_table} cu ON cu.id = c.customer_id
            WHERE c.run_id = %s AND c.chunk_index = %s
            ORDER BY c.customer_id, c.rank
            """,
            [run_id, chunk_index],
        )
        return cursor.fetchall()


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


def finalize_run(run: Run) -> None:
    if run.finalized_at is None:
        _allocate_and_write(run)
        run.refresh_from_db()
    _deliver(
        run, Path(run.file_path), run.file_format, (run.snapshot or {}).get("fileConfig") or {}
    )


RowBuilder = Callable[[str, Candidate, int, Any], list[Any]]


def row_builder(columns: list[str], fmt: str, snapshot: dict[str, Any]) -> RowBuilder:
    """A function turning one allocated candidate into the file row, cells in column order.

    Names are looked up (and, for CSV, escaped against formula injection) once per offer,
    channel and creative, not once per row."""
    csv_mode = fmt == "csv"
    esc: Callable[[Any], Any] = escape_cell if csv_mode else (lambda v: v)
    offers = snapshot.get("offers") or {}
    channels = snapshot.get("channels") or {}
    creatives = snapshot.get("creatives") or {}
    offer_name = {k: esc(v.get("name", k)) for k, v in offers.items()}
    category = {k: esc(v.get("categoryName") or "") for k, v in offers.items()}
    priority = {k: v.get("priority") for k, v in offers.items()}
    channel_name = {k: esc(v.get("name", k)) for k, v in channels.items()}
    creative_name = {k: esc(v.get("name", k)) for k, v in creatives.items()}

    def score(c: Candidate) -> Any:
        return repr(round(c.score, 6)) if csv_mode else round(c.score, 6)

    def personalization(content: Any) -> Any:
        return csv_cell(content) if csv_mode else content

    getters: dict[str, Callable[[str, Candidate, int, Any], Any]] = {
        "customer_id": lambda ext, c, rank, content: esc(ext),
        "offer_name": lambda ext, c, rank, content: offer_name.get(c.offer_id, c.offer_id),
        "offer_id": lambda ext, c, rank, content: c.offer_id,
        "channel": lambda ext, c, rank, content: channel_name.get(c.channel_id, c.channel_id),
        "creative": lambda ext, c, rank, content: creative_name.get(c.creative_id, c.creative_id),
        "score": lambda ext, c, rank, content: score(c),
        "rank": lambda ext, c, rank, content: rank,
        "category": lambda ext, c, rank, content: category.get(c.offer_id, ""),
        "priority": lambda ext, c, rank, content: priority.get(c.offer_id),
        "personalization": lambda ext, c, rank, content: personalization(content),
    }
    chosen = [getters[column] for column in columns]
    return lambda ext, c, rank, content: [get(ext, c, rank, content) for get in chosen]


def _allocate_and_write(run: Run) -> None:
    snapshot: dict[str, Any] = run.snapshot or {}
    file_config: dict[str, Any] = snapshot.get("fileConfig") or {}
    columns = list(file_config.get("columns") or [])
    fmt = file_config.get("format", "csv")
    personalize = bool(file_config.get("includePersonalization"))
    allocator = Allocator(
        Caps.from_config(snapshot.get("caps")), per_customer=int(snapshot.get("perCustomer") or 1)
    )
    personalizer = _Personalizer(snapshot) if personalize else None
    build_row = row_builder(columns, fmt, snapshot)
    by_offer: Counter = Counter()
    by_channel: Counter = Counter()
    by_creative: Counter = Counter()
    chunk_indexes = list(
        RunChunk.objects.filter(run=run).order_by("index").values_list("index", flat=True)
    )
    seq = 0

    def file_rows() -> Iterator[list[Any]]:
        nonlocal seq
        for index in chunk_indexes:
            rows = _chunk_candidates(run.pk, index, with_profile=personalize)
            profiles: dict[int, tuple] = {row[0]: row[6:] for row in rows}
            candidates = [Candidate(*row[:6]) for row in rows]
            batch: list[tuple] = []
            out: list[list[Any]] = []
            for cand, rank in allocator.allocate(candidates):
                profile = profiles[cand.customer_id]
                external_id = profile[0]
                content = None
                if personalizer is not None:
                    customer = dict(zip(CUSTOMER_FIELDS, profile, strict=True))
                    content = personalizer.render(
                        cand.creative_id, cand.offer_id, cand.channel_id, customer
                    )
                seq += 1
                batch.append((seq, cand, rank, external_id, content))
                out.append(build_row(external_id, cand, rank, content))
            for _, cand, _, _, _ in batch:
                by_offer[cand.offer_id] += 1
                by_channel[cand.channel_id] += 1
                by_creative[cand.creative_id] += 1
            _copy_results(run.pk, batch)
            yield from out

    path = run_file_path(tenant_id=run.tenant_id, run_id=run.pk, fmt=fmt)
    offers = snapshot.get("offers") or {}
    channels = snapshot.get("channels") or {}
    creatives = snapshot.get("creatives") or {}
    with transaction.atomic():
        relaxed_commit()
        RunResult.objects.filter(run=run).delete()
        written = write_table(path, file_rows(), columns=columns, fmt=fmt)
        processed = sum(RunChunk.objects.filter(run=run).values_list("processed", flat=True))
        latency = sum(RunChunk.objects.filter(run=run).values_list("latency_ms_total", flat=True))
        stats = {
            "totalCustomers": run.total_customers,
            "processed": processed,
            "recommended": allocator.customers_with_offer,
            "avgLatencyMs": round(latency / processed, 4) if processed else 0.0,
        }
        summary = {
            "segmentSize": run.total_customers,
            "processed": processed,
            "recommended": allocator.customers_with_offer,
            "recommendations": allocator.total,
            "skippedByCaps": allocator.skipped_by_caps,
            "capReached": allocator.exhausted,
            "byOffer": _breakdown(by_offer, offers),
            "byChannel": _breakdown(by_channel, channels),
            "byCreative": _breakdown(by_creative, creatives),
        }
        Run.objects.filter(pk=run.pk).update(
            stats=stats,
            summary=summary,
            file_format=fmt,
            file_path=str(written.path),
            file_rows=written.rows,
            file_size=written.size,
            file_sha256=written.sha256,
            finalized_at=timezone.now(),
        )
        RunCandidate.objects.filter(run=run).delete()


def _copy_results(run_id: str, batch: list[tuple]) -> None:
    if not batch:
        return
    from psycopg.types.json import Jsonb

    sql = f"COPY {RunResult._meta.db_table} ({', '.join(RESULT_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        if all(content is None for *_, content in batch):
            # Text COPY in one stream: ids are [a-z0-9_]; external ids are escaped.
            copy.write(
                "".join(
                    f"{run_id}\t{seq}\t{c.customer_id}\t{_copy_text(ext)}\t{rank}\t{c.offer_id}\t"
                    f"{c.channel_id}\t{c.creative_id}\t{c.score!r}\t\\N\n"
                    for seq, c, rank, ext, _ in batch
                )
            )
            return
        for seq, c, rank, external_id, content in batch:
            copy.write_row(
                (
                    run_id,
                    seq,
                    c.customer_id,
                    external_id,
                    rank,
                    c.offer_id,
                    c.channel_id,
                    c.creative_id,
                    c.score,
                    Jsonb(content) if content is not None else None,
                )
            )


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


def _breakdown(counts: Counter, names: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"id": key, "name": (names.get(key) or {}).get("name", key), "count": count}
        for key, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _deliver(run: Run, path: Path, fmt: str, file_config: dict[str, Any]) -> None:
    """Upload when configured, then mark the run finished. A failed upload leaves the file
    downloadable and the run ``completed_with_errors`` with the reason."""
    status, upload_url, upload_error = Run.Status.COMPLETED, "", ""
    if file_config.get("destination") == "s3":
        try:
            bucket, key = s3_target(
                file_config.get("s3Path", ""),
                campaign_id=run.campaign_id,
                run_id=run.pk,
                run_date=run.started_at or timezone.now(),
                fmt=fmt,
            )
            upload_url = upload_file(path, bucket=bucket, key=key)
        except UploadError as exc:
            status, upload_error = Run.Status.COMPLETED_WITH_ERRORS, str(exc)
            from runs.services import dead_letter_record

            dead_letter_record(
                run=run, kind=DeadLetter.Kind.UPLOAD, reference="s3", error=upload_error
            )
    Run.objects.filter(pk=run.pk, status=Run.Status.RUNNING).update(
        status=status,
        upload_url=upload_url,
        upload_error=upload_error,
        error=upload_error,
        completed_at=timezone.now(),
    )

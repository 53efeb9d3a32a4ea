"""The last step of a run: allocation (with caps), the file, the summary; then delivery.

- Without volume caps every chunk has already stored its results and written its part of the
  file (``runs.services.run_chunk_process``); finalize only joins the parts in chunk order
  (a streaming copy) and adds up the chunks' tallies.
- With caps, the first finalize allocates them in one pass over the packed candidates of
  every chunk in segment order (``runs.allocation.ArrayAllocator``, numpy) and stores each
  chunk's new ranks; each chunk then writes its results and part of the file in parallel
  (``runs.services.run_output_process``) and the last one calls finalize again, which joins
  the parts as above. A finalize that finds outputs missing hands out again those whose
  lease ran out (the reaper calls finalize periodically).

Each step commits whole or not at all, so a retried finalize gives the same rows and a
byte-identical file.
"""

from __future__ import annotations

import logging
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models.functions import Length
from django.utils import timezone

from runs.allocation import ArrayAllocator, Caps
from runs.files import TableAssembler, WrittenFile
from runs.models import DeadLetter, Run, RunCandidate, RunChunk
from runs.output import ChunkCandidates, candidates_load, pack_ranks, ranks_store
from runs.services import _enqueue, _lease, relaxed_commit, run_has_caps, run_parts_dir
from runs.storage import UploadError, run_file_path, s3_target, upload_file

log = logging.getLogger(__name__)

# With caps, the allocation reads the chunks' packed candidates this many bytes at a time.
CANDIDATE_READ_BYTES = 128 * 2**20


def finalize_run(run: Run) -> str:
    """Do the run's next finalize step: ``"done"`` (finished), or ``"writing"`` when the
    chunks are still writing their outputs (with caps)."""
    if run.finalized_at is None:
        caps = run_has_caps(run.snapshot or {})
        if caps and run.allocated_at is None:
            _allocate(run)
            run.refresh_from_db()
        if caps and run.outputs_done < run.chunk_count:
            _resume_outputs(run)
            return "writing"
        _assemble(run)
        run.refresh_from_db()
    RunCandidate.objects.filter(run=run).delete()
    shutil.rmtree(run_parts_dir(run.pk, run.tenant_id, run.snapshot or {}), ignore_errors=True)
    _deliver(
        run, Path(run.file_path), run.file_format, (run.snapshot or {}).get("fileConfig") or {}
    )
    return "done"


class _Totals:
    """What the summary and stats count, added up chunk by chunk."""

    def __init__(self) -> None:
        self.by_offer: Counter = Counter()
        self.by_channel: Counter = Counter()
        self.by_creative: Counter = Counter()
        self.recommended = 0
        self.recommendations = 0

    def add(self, tallies: dict[str, Any]) -> None:
        self.by_offer.update(tallies.get("offers") or {})
        self.by_channel.update(tallies.get("channels") or {})
        self.by_creative.update(tallies.get("creatives") or {})
        self.recommended += int(tallies.get("recommended") or 0)
        self.recommendations += int(tallies.get("recommendations") or 0)


def _file_setup(run: Run) -> tuple[Path, list[str], str]:
    file_config: dict[str, Any] = (run.snapshot or {}).get("fileConfig") or {}
    fmt = file_config.get("format", "csv")
    path = run_file_path(tenant_id=run.tenant_id, run_id=run.pk, fmt=fmt)
    return path, list(file_config.get("columns") or []), fmt


def _assemble(run: Run) -> None:
    """Join the chunks' parts in order and add up their tallies."""
    path, columns, fmt = _file_setup(run)
    parts_dir = run_parts_dir(run.pk, run.tenant_id, run.snapshot or {})
    chunks = list(
        RunChunk.objects.filter(run=run)
        .order_by("index")
        .values_list("index", "part", "tallies", "processed", "latency_ms_total")
    )
    totals = _Totals()
    assembler = TableAssembler(path, columns=columns, fmt=fmt)
    try:
        for index, part, tallies, _, _ in chunks:
            rows = int((tallies or {}).get("recommendations") or 0)
            if rows and not part:
                raise RuntimeError(f"chunk {index} has results but no part of the file")
            if part:
                assembler.copy(parts_dir / part, rows)
            totals.add(tallies or {})
    except BaseException:
        assembler.abort()
        raise
    written = assembler.close()
    processed = sum(c[3] for c in chunks)
    latency = sum(c[4] for c in chunks)
    allocation: dict[str, Any] = run.allocation or {}
    _store(
        run,
        written,
        fmt,
        totals,
        processed,
        latency,
        skipped=int(allocation.get("skippedByCaps") or 0),
        cap_reached=bool(allocation.get("capReached")),
    )


def _allocate(run: Run) -> None:
    """Caps: one pass over every chunk's candidates in segment order; store each chunk's new
    ranks and hand out the chunks' outputs, in one transaction."""
    snapshot: dict[str, Any] = run.snapshot or {}
    index: dict[str, list[str]] = snapshot.get("index") or {}
    allocator = ArrayAllocator(
        Caps.from_config(snapshot.get("caps")),
        len(index.get("offers") or ()),
        len(index.get("channels") or ()),
    )
    indexes = list(
        RunChunk.objects.filter(run=run).order_by("index").values_list("index", flat=True)
    )
    with transaction.atomic():
        relaxed_commit()
        for group in _candidate_groups(run.pk, indexes):
            for chunk_index, data in group:
                candidates = ChunkCandidates.unpack(data)
                ranks = allocator.allocate(
                    candidates.limit, candidates.count, candidates.offer, candidates.channel
                )
                ranks_store(run.pk, chunk_index, pack_ranks(candidates, ranks))
        now = timezone.now()
        RunChunk.objects.filter(run=run).update(
            part="", tallies={}, attempts=0, lease_expires_at=now + _lease()
        )
        Run.objects.filter(pk=run.pk).update(
            allocated_at=now,
            outputs_done=0,
            allocation={
                "skippedByCaps": allocator.skipped_by_caps,
                "capReached": allocator.exhausted,
            },
        )
        for chunk_index in indexes:
            _enqueue("run_output_task", run.pk, chunk_index)


def _resume_outputs(run: Run) -> None:
    """Hand out again the chunk outputs whose worker seems lost (lease run out)."""
    now = timezone.now()
    with transaction.atomic():
        lost = list(
            RunChunk.objects.select_for_update(skip_locked=True)
            .filter(run=run, part="", lease_expires_at__lt=now)
            .values_list("pk", "index")
        )
        RunChunk.objects.filter(pk__in=[pk for pk, _ in lost]).update(
            lease_expires_at=now + _lease()
        )
        for _, chunk_index in lost:
            _enqueue("run_output_task", run.pk, chunk_index)


def _candidate_groups(run_id: str, indexes: list[int]) -> Iterator[list[tuple[int, bytes]]]:
    """Each chunk's packed candidates in order, read a group of chunks at a time (at most
    ``CANDIDATE_READ_BYTES`` per group unless one chunk alone is bigger): few round trips,
    without holding every chunk in memory."""
    sizes = dict(
        RunCandidate.objects.filter(run_id=run_id)
        .annotate(size=Length("data"))
        .values_list("chunk_index", "size")
    )
    group: list[int] = []
    budget = 0
    for position, chunk_index in enumerate(indexes):
        if chunk_index not in sizes:
            raise RuntimeError(f"chunk {chunk_index} has no stored candidates")
        group.append(chunk_index)
        budget += sizes[chunk_index]
        following = indexes[position + 1] if position + 1 < len(indexes) else None
        if following is None or budget + sizes.get(following, 0) > CANDIDATE_READ_BYTES:
            rows = candidates_load(run_id, group)
            yield [(i, rows.pop(i)[0]) for i in group]
            group, budget = [], 0


def _store(
    run: Run,
    written: WrittenFile,
    fmt: str,
    totals: _Totals,
    processed: int,
    latency: float,
    *,
    skipped: int,
    cap_reached: bool,
) -> None:
    snapshot: dict[str, Any] = run.snapshot or {}
    stats = {
        "totalCustomers": run.total_customers,
        "processed": processed,
        "recommended": totals.recommended,
        "avgLatencyMs": round(latency / processed, 4) if processed else 0.0,
    }
    summary = {
        "segmentSize": run.total_customers,
        "processed": processed,
        "recommended": totals.recommended,
        "recommendations": totals.recommendations,
        "skippedByCaps": skipped,
        "capReached": cap_reached,
        "byOffer": _breakdown(totals.by_offer, snapshot.get("offers") or {}),
        "byChannel": _breakdown(totals.by_channel, snapshot.get("channels") or {}),
        "byCreative": _breakdown(totals.by_creative, snapshot.get("creatives") or {}),
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

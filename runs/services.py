"""The run lifecycle: create -> start (snapshot + chunk plan) -> chunks (parallel) -> finalize.

Every step is idempotent and claimed with a conditional UPDATE or a row lock, so a retried
task, a redelivered message, a killed worker or two workers racing never double a result:

- ``run_start`` only moves a ``pending`` run to ``running``;
- a chunk writes what it produced and marks itself done in one transaction under a row lock,
  replacing whatever an earlier attempt wrote. Without volume caps that is its share of the
  results and (under a name of its own attempt) its part of the file, since allocation is
  then per customer; with caps, its packed candidates for the one allocation pass;
- ``run_finalize`` is claimed with a lease: without caps it joins the parts into the file and
  adds up the chunks' tallies; with caps it allocates, and rewrites the results and the file
  whole.

Work that dies silently (kill -9) is found by ``runs_reap`` through expired leases.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.errors import Conflict, InvalidInput, NotFound
from runs.allocation import ArrayAllocator, Caps
from runs.models import DeadLetter, Run, RunChunk, RunResult
from runs.planning import plan_chunks, view_exists
from runs.storage import run_file_path

if TYPE_CHECKING:
    from runs.output import ChunkCandidates

log = logging.getLogger(__name__)

MAX_CHUNK_ATTEMPTS = 3


def _lease() -> timedelta:
    return timedelta(seconds=settings.NUDGE_RUN_LEASE_SECONDS)


def _enqueue(task_name: str, *args: Any) -> None:
    from runs import tasks

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task.delay(*args))


# --- create ------------------------------------------------------------------------------


def run_create(
    *, campaign: Any, trigger: str = Run.Trigger.MANUAL, requested_by: str = "", slot_at: Any = None
) -> Run:
    """A pending run for ``campaign``; its start task is enqueued after commit."""
    if getattr(campaign, "deleted_at", None) is not None:
        raise Conflict("A deleted campaign cannot run.")
    if getattr(campaign, "status", None) == "archived":
        raise Conflict("An archived campaign cannot run.")
    run = Run.objects.create(
        tenant_id=campaign.tenant_id,
        campaign=campaign,
        trigger=trigger,
        requested_by=requested_by,
        slot_at=slot_at,
    )
    _enqueue("run_start_task", run.pk)
    return run


def run_execute_inline(*, run: Run, decision_flow_id: str, segment_view_name: str) -> Run:
    """The spec's inline executor: run ``run`` against an explicit flow and segment view."""
    if run.status != Run.Status.PENDING:
        raise Conflict(f"Run {run.pk} is {run.status}; only a pending run can be executed.")
    if not view_exists(segment_view_name):
        raise InvalidInput(
            f"Segment view '{segment_view_name}' does not exist",
            details={"segmentViewName": ["No such view."]},
        )
    Run.objects.filter(pk=run.pk).update(
        decision_flow_id=decision_flow_id,
        segment_view_name=segment_view_name,
        trigger=Run.Trigger.INLINE,
    )
    _enqueue("run_start_task", run.pk)
    run.refresh_from_db()
    return run


def run_cancel(*, run: Run) -> Run:
    updated = Run.objects.filter(
        pk=run.pk, status__in=[Run.Status.PENDING, Run.Status.RUNNING]
    ).update(
        status=Run.Status.CANCELLED, completed_at=timezone.now(), error="Cancelled by request."
    )
    run.refresh_from_db()
    if not updated:
        raise Conflict(f"Run {run.pk} is already {run.status}.")
    # A cancelled run never finalizes: drop the file parts its chunks wrote (best effort; a
    # chunk still running may leave its own part behind).
    shutil.rmtree(run_parts_dir(run.pk, run.tenant_id, run.snapshot or {}), ignore_errors=True)
    return run


# --- start -------------------------------------------------------------------------------


def run_start(*, run_id: str) -> None:
    """Claim a pending run, freeze what it executes and fan out its chunks."""
    from runs.evaluation import build_snapshot

    now = timezone.now()
    claimed = Run.objects.filter(pk=run_id, status=Run.Status.PENDING).update(
        status=Run.Status.RUNNING, started_at=now, finalize_claimed_at=None
    )
    if not claimed:
        return
    run = Run.objects.select_related("campaign").get(pk=run_id)
    try:
        snapshot = build_snapshot(run)
        chunk_size = int(snapshot.get("chunkSize") or settings.NUDGE_RUN_CHUNK_SIZE)
        plans = plan_chunks(snapshot["segmentViewName"], chunk_size)
    except Exception as exc:
        log.exception("run %s could not start", run_id)
        run_fail(run_id=run_id, error=f"Could not start: {exc}")
        return
    with transaction.atomic():
        RunChunk.objects.filter(run_id=run_id).delete()
        lease_until = now + _lease()
        RunChunk.objects.bulk_create(
            [
                RunChunk(
                    run_id=run_id,
                    index=p.index,
                    first_id=p.first_id,
                    last_id=p.last_id,
                    size=p.size,
                    lease_expires_at=lease_until,
                )
                for p in plans
            ]
        )
        Run.objects.filter(pk=run_id).update(
            snapshot=snapshot,
            decision_flow_id=snapshot.get("decisionFlowId", ""),
            flow_version=snapshot.get("flowVersion"),
            segment_view_name=snapshot["segmentViewName"],
            chunk_size=chunk_size,
            chunk_count=len(plans),
            chunks_done=0,
            processed=0,
            total_customers=sum(p.size for p in plans),
        )
        if not plans:
            _enqueue("run_finalize_task", run_id)
        for plan in plans:
            _enqueue("run_chunk_task", run_id, plan.index)


# --- chunks ------------------------------------------------------------------------------


def relaxed_commit() -> None:
    """Don't wait for the WAL flush when this transaction commits.

    Safe for run work: a crash can only lose the last fraction of a second of commits, and
    each chunk's results (or candidates) and its "done" mark commit together, so a lost chunk
    is simply pending again and the reaper hands it out once more. Never corrupts; only
    re-does."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


def run_has_caps(snapshot: dict[str, Any]) -> bool:
    """With volume caps the allocation is one pass over the whole run (in finalize); without
    them it is per customer, so each chunk writes its own results and part of the file."""
    return any(v is not None for v in (snapshot.get("caps") or {}).values())


def run_parts_dir(run_id: str, tenant_id: str, snapshot: dict[str, Any]) -> Path:
    """Where chunks put their parts of the file: next to it, in the directory every worker
    and the API already share (``NUDGE_RUN_FILES_DIR``)."""
    fmt = (snapshot.get("fileConfig") or {}).get("format", "csv")
    path = run_file_path(tenant_id=tenant_id, run_id=run_id, fmt=fmt)
    return path.with_name(f"{run_id}.parts")


def allocate_uncapped(candidates: ChunkCandidates, snapshot: dict[str, Any]) -> Any:
    """Without caps, the allocation rule reduces to each customer's own first distinct
    offers up to their limit: the new rank of every taken candidate, for this chunk alone."""
    index = snapshot.get("index") or {}
    allocator = ArrayAllocator(
        Caps(), len(index.get("offers") or ()), len(index.get("channels") or ())
    )
    return allocator.allocate(
        candidates.limit, candidates.count, candidates.offer, candidates.channel
    )


def _write_part(directory: Path, chunk_index: int, text: str) -> str:
    """Write a chunk's part under a name of its own attempt, so a late duplicate attempt can
    never overwrite the part that the database records for the chunk."""
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{chunk_index:06d}-{uuid.uuid4().hex[:12]}.part"
    tmp = directory / f".{name}.tmp"
    tmp.write_bytes(text.encode())
    os.replace(tmp, directory / name)
    return name


def run_chunk_process(*, run_id: str, chunk_index: int) -> str:
    """Evaluate one chunk and store what it produced. Returns what happened (for logs/tests).

    Without caps: the chunk's results (COPY) and its part of the file, with its tallies.
    With caps: its packed candidates, for the allocation in finalize. Either way in one
    transaction with the chunk's "done" mark, under the chunk's row lock, replacing whatever
    an earlier attempt wrote."""
    from runs.evaluation import evaluate_chunk
    from runs.output import Formatter, candidates_store

    run = (
        Run.objects.filter(pk=run_id).only("status", "snapshot", "started_at", "tenant_id").first()
    )
    if run is None or run.status != Run.Status.RUNNING:
        return "skipped: run not running"
    chunk = RunChunk.objects.filter(run_id=run_id, index=chunk_index).first()
    if chunk is None or chunk.status == RunChunk.Status.DONE:
        return "skipped: already done"
    RunChunk.objects.filter(
        pk=chunk.pk, status__in=[RunChunk.Status.PENDING, RunChunk.Status.RUNNING]
    ).update(
        status=RunChunk.Status.RUNNING,
        attempts=F("attempts") + 1,
        lease_expires_at=timezone.now() + _lease(),
    )
    started = time.perf_counter()
    candidates, processed = evaluate_chunk(run, chunk)
    elapsed_ms = (time.perf_counter() - started) * 1000
    snapshot: dict[str, Any] = run.snapshot
    packed, output, part = b"", None, ""
    if run_has_caps(snapshot):
        packed = candidates.pack()
    else:
        output = Formatter(run_id, snapshot).output(
            candidates, allocate_uncapped(candidates, snapshot)
        )
        part = _write_part(
            run_parts_dir(run_id, run.tenant_id, snapshot), chunk_index, output.file_part
        )
    with transaction.atomic():
        relaxed_commit()
        locked = RunChunk.objects.select_for_update().get(pk=chunk.pk)
        if locked.status == RunChunk.Status.DONE:
            return "skipped: finished by another worker"
        if output is not None:
            _replace_results(run_id, chunk, snapshot, output.copy_text)
        else:
            candidates_store(run_id, chunk_index, packed)
        RunChunk.objects.filter(pk=chunk.pk).update(
            status=RunChunk.Status.DONE,
            processed=processed,
            latency_ms_total=elapsed_ms,
            finished_at=timezone.now(),
            error="",
            part=part,
            tallies=output.tallies if output is not None else {},
        )
        Run.objects.filter(pk=run_id).update(
            chunks_done=F("chunks_done") + 1, processed=F("processed") + processed
        )
        done, count = Run.objects.filter(pk=run_id).values_list("chunks_done", "chunk_count").get()
        if done >= count:
            _enqueue("run_finalize_task", run_id)
    return "done"


def _replace_results(run_id: str, chunk: RunChunk, snapshot: dict[str, Any], text: str) -> None:
    """The chunk's results (seq is derived from the customer id, so the chunk's id range is
    its seq range): whatever an earlier attempt left is removed first."""
    from runs.output import copy_results

    stride = max(int(snapshot.get("perCustomer") or 1), 1)
    RunResult.objects.filter(
        run_id=run_id, seq__gte=chunk.first_id * stride, seq__lt=(chunk.last_id + 1) * stride
    ).delete()
    copy_results(text)


def run_output_process(*, run_id: str, chunk_index: int) -> str:
    """With caps, after the allocation: write one chunk's results and part of the file from
    its candidates and their allocated ranks, in parallel with the other chunks."""
    from runs.output import ChunkCandidates, Formatter, candidates_load, unpack_ranks

    run = (
        Run.objects.filter(pk=run_id)
        .only("status", "snapshot", "tenant_id", "allocated_at")
        .first()
    )
    if run is None or run.status != Run.Status.RUNNING or run.allocated_at is None:
        return "skipped: run not allocated"
    chunk = RunChunk.objects.filter(run_id=run_id, index=chunk_index).first()
    if chunk is None or chunk.part:
        return "skipped: already written"
    RunChunk.objects.filter(pk=chunk.pk, part="").update(
        attempts=F("attempts") + 1, lease_expires_at=timezone.now() + _lease()
    )
    data, packed_ranks = candidates_load(run_id, [chunk_index])[chunk_index]
    if packed_ranks is None:
        raise RuntimeError(f"chunk {chunk_index} has no allocated ranks")
    candidates = ChunkCandidates.unpack(data)
    snapshot: dict[str, Any] = run.snapshot
    output = Formatter(run_id, snapshot).output(candidates, unpack_ranks(candidates, packed_ranks))
    part = _write_part(
        run_parts_dir(run_id, run.tenant_id, snapshot), chunk_index, output.file_part
    )
    with transaction.atomic():
        relaxed_commit()
        locked = RunChunk.objects.select_for_update().get(pk=chunk.pk)
        if locked.part:
            return "skipped: written by another worker"
        _replace_results(run_id, chunk, snapshot, output.copy_text)
        RunChunk.objects.filter(pk=chunk.pk).update(part=part, tallies=output.tallies)
        Run.objects.filter(pk=run_id).update(outputs_done=F("outputs_done") + 1)
        done, count = Run.objects.filter(pk=run_id).values_list("outputs_done", "chunk_count").get()
        if done >= count:
            _enqueue("run_finalize_task", run_id)
    return "done"


def run_output_failed(*, run_id: str, chunk_index: int, error: str, final: bool) -> None:
    """After the last retry a chunk's output goes to the dead-letter queue (its retry runs
    finalize, which hands out the missing outputs again) and the run fails."""
    if not final:
        return
    RunChunk.objects.filter(run_id=run_id, index=chunk_index, part="").update(
        lease_expires_at=timezone.now(), error=error[:5000]
    )
    run = Run.objects.filter(pk=run_id).first()
    if run is None:
        return
    dead_letter_record(
        run=run, kind=DeadLetter.Kind.FINALIZE, reference=f"output {chunk_index}", error=error
    )
    run_fail(run_id=run_id, error=f"Output of chunk {chunk_index} failed after retries: {error}")


def run_chunk_failed(*, run_id: str, chunk_index: int, error: str, final: bool) -> None:
    """Record a chunk failure; after the last retry it goes to the dead-letter queue and the
    run fails."""
    RunChunk.objects.filter(run_id=run_id, index=chunk_index).exclude(
        status=RunChunk.Status.DONE
    ).update(
        status=RunChunk.Status.FAILED if final else RunChunk.Status.PENDING, error=error[:5000]
    )
    if not final:
        return
    run = Run.objects.filter(pk=run_id).first()
    if run is None:
        return
    dead_letter_record(run=run, kind=DeadLetter.Kind.CHUNK, reference=str(chunk_index), error=error)
    run_fail(run_id=run_id, error=f"Chunk {chunk_index} failed after retries: {error}")


def run_fail(*, run_id: str, error: str) -> None:
    Run.objects.filter(pk=run_id, status__in=[Run.Status.PENDING, Run.Status.RUNNING]).update(
        status=Run.Status.FAILED, completed_at=timezone.now(), error=error[:10000]
    )


# --- finalize ----------------------------------------------------------------------------


def run_finalize(*, run_id: str) -> str:
    """Allocate caps in segment order, store results, write (and upload) the file, finish."""
    from runs.finalize import finalize_run

    now = timezone.now()
    claimed = (
        Run.objects.filter(pk=run_id, status=Run.Status.RUNNING, chunks_done__gte=F("chunk_count"))
        .filter(Q(finalize_claimed_at__isnull=True) | Q(finalize_claimed_at__lt=now - _lease()))
        .update(finalize_claimed_at=now)
    )
    if not claimed:
        return "skipped: not claimable"
    try:
        state = finalize_run(Run.objects.select_related("campaign").get(pk=run_id))
    except Exception as exc:
        log.exception("run %s could not finalize", run_id)
        run = Run.objects.get(pk=run_id)
        dead_letter_record(
            run=run, kind=DeadLetter.Kind.FINALIZE, reference="finalize", error=str(exc)
        )
        run_fail(run_id=run_id, error=f"Finalize failed: {exc}")
        raise
    if state != "done":
        # Chunks are still writing their outputs: let the last of them claim finalize. If it
        # finished while this one ran, it could not claim, so go again.
        Run.objects.filter(pk=run_id).update(finalize_claimed_at=None)
        if Run.objects.filter(
            pk=run_id, status=Run.Status.RUNNING, outputs_done__gte=F("chunk_count")
        ).exists():
            _enqueue("run_finalize_task", run_id)
    return state


# --- reaper ------------------------------------------------------------------------------


def runs_reap() -> dict[str, int]:
    """Find work whose worker died and hand it out again. Safe to run anywhere, any time."""
    now = timezone.now()
    lease = _lease()
    stale_pending = list(
        Run.objects.filter(status=Run.Status.PENDING, created_at__lt=now - lease).values_list(
            "pk", flat=True
        )[:100]
    )
    for run_id in stale_pending:
        _delay("run_start_task", run_id)
    with transaction.atomic():
        expired = list(
            RunChunk.objects.select_for_update(skip_locked=True)
            .filter(
                run__status=Run.Status.RUNNING,
                status__in=[RunChunk.Status.PENDING, RunChunk.Status.RUNNING],
                lease_expires_at__lt=now,
            )
            .values_list("pk", "run_id", "index", "attempts")[:1000]
        )
        for pk, run_id, index, attempts in expired:
            if attempts >= MAX_CHUNK_ATTEMPTS + 1:
                run_chunk_failed(
                    run_id=run_id, chunk_index=index, error="worker lost too many times", final=True
                )
                continue
            RunChunk.objects.filter(pk=pk).update(
                status=RunChunk.Status.PENDING, lease_expires_at=now + lease
            )
            _enqueue("run_chunk_task", run_id, index)
    with transaction.atomic():  # with caps: chunk outputs after the allocation
        unwritten = list(
            RunChunk.objects.select_for_update(skip_locked=True)
            .filter(
                run__status=Run.Status.RUNNING,
                run__allocated_at__isnull=False,
                status=RunChunk.Status.DONE,
                part="",
                lease_expires_at__lt=now,
            )
            .values_list("pk", "run_id", "index", "attempts")[:1000]
        )
        for pk, run_id, index, attempts in unwritten:
            if attempts >= MAX_CHUNK_ATTEMPTS + 1:
                run_output_failed(
                    run_id=run_id, chunk_index=index, error="worker lost too many times", final=True
                )
                continue
            RunChunk.objects.filter(pk=pk).update(lease_expires_at=now + lease)
            _enqueue("run_output_task", run_id, index)
    finalizable = list(
        Run.objects.filter(
            status=Run.Status.RUNNING, chunks_done__gte=F("chunk_count"), started_at__lt=now - lease
        )
        .filter(Q(finalize_claimed_at__isnull=True) | Q(finalize_claimed_at__lt=now - lease))
        .values_list("pk", flat=True)[:100]
    )
    for run_id in finalizable:
        _delay("run_finalize_task", run_id)
    return {
        "pending": len(stale_pending),
        "chunks": len(expired) + len(unwritten),
        "finalize": len(finalizable),
    }


def _delay(task_name: str, *args: Any) -> None:
    from runs import tasks

    getattr(tasks, task_name).delay(*args)


# --- dead letters ------------------------------------------------------------------------


def dead_letter_record(*, run: Run, kind: str, reference: str, error: str) -> DeadLetter:
    letter, created = DeadLetter.objects.get_or_create(
        run=run,
        kind=kind,
        reference=reference,
        status=DeadLetter.Status.OPEN,
        defaults={"tenant_id": run.tenant_id, "error": error[:10000], "attempts": 1},
    )
    if not created:
        DeadLetter.objects.filter(pk=letter.pk).update(
            error=error[:10000], attempts=F("attempts") + 1
        )
    return letter


def dead_letter_retry(*, letter: DeadLetter) -> DeadLetter:
    """Put the failed work back: the run resumes where it stopped."""
    if letter.status != DeadLetter.Status.OPEN:
        raise Conflict(f"Dead letter {letter.pk} is {letter.status}.")
    run = letter.run
    if run is None:
        raise NotFound("The run of this dead letter no longer exists.")
    with transaction.atomic():
        DeadLetter.objects.filter(pk=letter.pk).update(status=DeadLetter.Status.RETRIED)
        Run.objects.filter(pk=run.pk).update(
            status=Run.Status.RUNNING, error="", completed_at=None, finalize_claimed_at=None
        )
        if letter.kind == DeadLetter.Kind.CHUNK:
            index = int(letter.reference)
            RunChunk.objects.filter(run=run, index=index).update(
                status=RunChunk.Status.PENDING,
                attempts=0,
                lease_expires_at=timezone.now() + _lease(),
            )
            _enqueue("run_chunk_task", run.pk, index)
        else:
            # Finalize hands out again every output (caps) still unwritten.
            RunChunk.objects.filter(run=run, status=RunChunk.Status.DONE, part="").update(
                lease_expires_at=timezone.now()
            )
            _enqueue("run_finalize_task", run.pk)
    letter.refresh_from_db()
    return letter


def dead_letter_purge(*, letter: DeadLetter) -> DeadLetter:
    if letter.status == DeadLetter.Status.PURGED:
        raise Conflict(f"Dead letter {letter.pk} is already purged.")
    DeadLetter.objects.filter(pk=letter.pk).update(status=DeadLetter.Status.PURGED)
    letter.refresh_from_db()
    return letter

"""Thin Celery tasks: each loads by id and calls a service. All are idempotent, so they are
acknowledged late and requeued if their worker dies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import shared_task

from runs import services

IDEMPOTENT = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="runs.start", **IDEMPOTENT)
def run_start_task(run_id: str) -> None:
    services.run_start(run_id=run_id)


@shared_task(
    name="runs.chunk", bind=True, max_retries=services.MAX_CHUNK_ATTEMPTS - 1, **IDEMPOTENT
)
def run_chunk_task(self: Any, run_id: str, chunk_index: int) -> str:
    return _chunk_step(
        self, services.run_chunk_process, services.run_chunk_failed, run_id, chunk_index
    )


@shared_task(
    name="runs.output", bind=True, max_retries=services.MAX_CHUNK_ATTEMPTS - 1, **IDEMPOTENT
)
def run_output_task(self: Any, run_id: str, chunk_index: int) -> str:
    return _chunk_step(
        self, services.run_output_process, services.run_output_failed, run_id, chunk_index
    )


def _chunk_step(
    task: Any, process: Callable[..., str], failed: Callable[..., Any], run_id: str, index: int
) -> str:
    """Run one chunk step; a failure is recorded, then retried with backoff until the last
    attempt, which the ``failed`` service turns into the run's error / dead letter."""
    try:
        return process(run_id=run_id, chunk_index=index)
    except Exception as exc:
        final = task.request.retries >= task.max_retries
        failed(run_id=run_id, chunk_index=index, error=f"{type(exc).__name__}: {exc}", final=final)
        if final:
            raise
        raise task.retry(exc=exc, countdown=min(2**task.request.retries, 30)) from exc


@shared_task(name="runs.finalize", **IDEMPOTENT)
def run_finalize_task(run_id: str) -> str:
    return services.run_finalize(run_id=run_id)


@shared_task(name="runs.reap")
def runs_reap_task() -> dict[str, int]:
    return services.runs_reap()

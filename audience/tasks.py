"""Thin Celery tasks for the audience app (both are idempotent)."""

from __future__ import annotations

from celery import shared_task

IDEMPOTENT = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="audience.segment_refresh", **IDEMPOTENT)
def segment_refresh_task(segment_id: str) -> None:
    from audience.services import segment_refresh_by_id

    segment_refresh_by_id(segment_id)


@shared_task(name="audience.import_job_run", **IDEMPOTENT)
def import_job_run_task(job_id: str) -> None:
    from audience.import_jobs import import_job_run

    import_job_run(job_id=job_id)

"""CSV import jobs: the admin/UI upload stores the file, a Celery task imports it and records
progress on the ``ImportJob`` row (batches commit separately, so other sessions see it)."""

from __future__ import annotations

import time
from typing import IO, Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from audience.csv_import import ImportProgress, import_customers_csv
from audience.models import ImportJob
from core.errors import NudgeError
from core.models import Tenant

PROGRESS_MIN_SECONDS = 0.5


def import_job_create(
    *, tenant: Tenant, upload: IO[bytes], file_name: str, created_by: str = ""
) -> ImportJob:
    """Store the upload and enqueue its import after commit."""
    from audience.tasks import import_job_run_task

    job = ImportJob(tenant=tenant, file_name=file_name[:255], created_by=created_by[:150])
    path = default_storage.save(f"imports/{job.pk}.csv", upload)
    job.file_path = path
    job.total_bytes = default_storage.size(path)
    job.save()
    transaction.on_commit(lambda: import_job_run_task.delay(job.pk), robust=True)
    return job


def import_job_run(*, job_id: str) -> ImportJob | None:
    """Run a pending job (a job already claimed by another worker is left alone)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = ImportJob.objects.get(pk=job_id)
    last = [0.0]

    def on_progress(progress: ImportProgress) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_MIN_SECONDS:
            return
        last[0] = now
        ImportJob.objects.filter(pk=job_id).update(
            processed_bytes=progress.bytes_done,
            processed_rows=progress.rows,
            created_count=progress.created,
            updated_count=progress.updated,
            error_count=progress.errors,
        )

    try:
        with default_storage.open(job.file_path, "rb") as stream:
            report = import_customers_csv(
                tenant=job.tenant_id,
                stream=stream,
                total_bytes=job.total_bytes,
                on_progress=on_progress,
            )
    except NudgeError as exc:
        _finish(job_id, ImportJob.Status.FAILED, message=exc.message, errors=[exc.details])
    except Exception as exc:
        _finish(job_id, ImportJob.Status.FAILED, message=f"{type(exc).__name__}: {exc}")
        raise
    else:
        _finish(
            job_id,
            ImportJob.Status.COMPLETED,
            message=(
                f"{report.rows} rows: {report.created} created, {report.updated} updated, "
                f"{report.unchanged} unchanged, {report.error_count} rejected."
            ),
            errors=report.errors,
            processed_bytes=job.total_bytes,
            processed_rows=report.rows,
            created_count=report.created,
            updated_count=report.updated,
            error_count=report.error_count,
        )
    return ImportJob.objects.get(pk=job_id)


def _finish(job_id: str, status: str, *, message: str, errors: Any = None, **counts: Any) -> None:
    ImportJob.objects.filter(pk=job_id).update(
        status=status,
        message=message,
        errors=errors or [],
        finished_at=timezone.now(),
        **counts,
    )

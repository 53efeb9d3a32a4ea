"""Where run files go: a local directory (``download``) and, optionally, S3-compatible storage.

The S3 endpoint, region and credentials come from the environment (``NUDGE_S3_ENDPOINT_URL``,
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``), so MinIO, moto's
server or AWS itself work without code changes.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings


class UploadError(Exception):
    pass


def run_file_path(*, tenant_id: str, run_id: str, fmt: str) -> Path:
    return Path(settings.NUDGE_RUN_FILES_DIR) / tenant_id / f"{run_id}.{fmt}"


def s3_target(
    template: str, *, campaign_id: str, run_id: str, run_date: datetime, fmt: str
) -> tuple[str, str]:
    """Expand ``s3://bucket/prefix/{campaign_id}/{run_date}/`` into (bucket, key).

    A template ending in ``/`` is a folder: the file is named ``<run_id>.<fmt>`` inside it.
    """
    expanded = template.format(
        campaign_id=campaign_id, run_id=run_id, run_date=run_date.strftime("%Y-%m-%d")
    )
    parsed = urlparse(expanded)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise UploadError(f"not an s3:// path: {expanded}")
    key = parsed.path.lstrip("/")
    if not key or key.endswith("/"):
        key = f"{key}{run_id}.{fmt}"
    return parsed.netloc, key


def upload_file(path: Path, *, bucket: str, key: str) -> str:
    import boto3
    from boto3.exceptions import S3UploadFailedError
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    client = boto3.client(
        "s3",
        endpoint_url=settings.NUDGE_S3_ENDPOINT_URL or None,
        config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3}),
    )
    try:
        client.upload_file(str(path), bucket, key)
    except (BotoCoreError, ClientError, S3UploadFailedError) as exc:
        raise UploadError(f"S3 upload to s3://{bucket}/{key} failed: {exc}") from exc
    return f"s3://{bucket}/{key}"

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.conftest import free_port


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto's S3-compatible HTTP server on a loopback port (a real server, not a patch)."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_server: str, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A boto3 client on the loopback S3 server, with Nudge configured to upload there."""
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    settings.NUDGE_S3_ENDPOINT_URL = s3_server
    return boto3.client("s3", endpoint_url=s3_server)


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    """``with committed(): ...`` runs what the block enqueued after commit (tasks are eager),
    as production does when the request's transaction commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)

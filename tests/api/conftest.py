"""Fixtures for the API fuzz tests: a populated tenant, and Django called as a plain WSGI
application inside the test's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from tests.api.world import FuzzWorld, build_fuzz_world


@pytest.fixture
def in_process_wsgi() -> Iterator[None]:
    """Django's WSGI handler closes "old" connections around each request, which would close
    the test's transaction; Django's own test client switches that off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(personas: Any, django_capture_on_commit_callbacks: Any) -> FuzzWorld:
    return build_fuzz_world(
        personas,
        personas.client("admin_a"),
        lambda: django_capture_on_commit_callbacks(execute=True),
    )

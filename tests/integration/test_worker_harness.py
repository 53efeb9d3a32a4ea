from __future__ import annotations

import time
from typing import Any

import pytest

from config.celery import app

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_answers_on_the_real_broker(start_worker: Any) -> None:
    worker = start_worker()
    deadline = time.monotonic() + 30
    replies: list[Any] = []
    while time.monotonic() < deadline and not replies:
        replies = app.control.ping(timeout=0.5)
    assert replies, worker.log()

"""Nudge's PostgreSQL backend: a health check without a round trip, and no *_like indexes."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import connection, connections

pytestmark = pytest.mark.django_db


def _fresh_wrapper() -> Any:
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    return wrapper


def test_a_live_idle_connection_is_usable_without_asking_the_server() -> None:
    wrapper = _fresh_wrapper()
    try:
        assert wrapper.is_usable()
    finally:
        wrapper.close()


def test_a_connection_the_server_closed_is_replaced() -> None:
    wrapper = _fresh_wrapper()
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 5
        while wrapper.is_usable():  # the termination message arrives asynchronously
            assert time.monotonic() < deadline, "a terminated connection still looked usable"
            time.sleep(0.02)
        wrapper.close_if_unusable_or_obsolete()  # what Django does when a request starts
        with wrapper.cursor() as cursor:  # the health check replaced it: no error
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    finally:
        wrapper.close()


def test_a_closed_connection_is_not_usable() -> None:
    wrapper = _fresh_wrapper()
    wrapper.connection.close()
    assert not wrapper.is_usable()
    wrapper.close()


def test_no_pattern_ops_indexes_are_created() -> None:
    """Django adds a varchar_pattern_ops twin to every indexed varchar; Nudge's schema editor
    does not, and the migration dropped the ones made before it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() "
            "AND indexdef LIKE '%%pattern_ops%%'"
        )
        assert cursor.fetchone() == (0,)

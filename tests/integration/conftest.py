"""Real parts for integration tests: a Redis broker started for the test session on a free
loopback port, and real Celery worker processes pointed at the test database."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port}")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("redis-server")
    assert binary, (
        "redis-server is missing: scripts/test.sh installs it (apt-get install redis-server)"
    )
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


class Worker:
    """A real ``celery worker`` process on the test database and the test broker."""

    def __init__(
        self,
        broker_url: str,
        log_path: Path,
        concurrency: int = 1,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.broker_url = broker_url
        self.log_path = log_path
        self.concurrency = concurrency
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "CELERY_BROKER_URL": self.broker_url,
                "NUDGE_DB_NAME": connection.settings_dict["NAME"],
                "CELERY_TASK_ALWAYS_EAGER": "false",
                "DB_CONN_MAX_AGE": "0",
            }
        )
        env.pop("NUDGE_TEST_DB_NAME", None)
        env.update(self.extra_env)
        return env

    def start(self) -> Worker:
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={self.concurrency}",
                "--pool=prefork",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"test-{os.getpid()}-{time.monotonic_ns()}@%h",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children), like a crashed machine."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def reset_broker_connections(app: Any) -> None:
    """Drop pooled broker connections so the next publish uses the current ``broker_url``."""
    from kombu import pools

    pools.reset()  # kombu keeps pools in global registries keyed by connection
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def start_worker(redis_url: str, tmp_path: Path, settings: Any) -> Iterator[Any]:
    """``start_worker(concurrency=1, **env)`` starts a worker and points this process's Celery
    client at the same broker (tasks are no longer run eagerly)."""
    from config.celery import app

    workers: list[Worker] = []
    previous = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = redis_url
    app.conf.task_always_eager = False
    reset_broker_connections(app)

    def start(concurrency: int = 1, **extra_env: str) -> Worker:
        worker = Worker(
            redis_url, tmp_path / f"worker{len(workers)}.log", concurrency, extra_env
        ).start()
        workers.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.stop()
        app.conf.broker_url, app.conf.task_always_eager = previous
        reset_broker_connections(app)

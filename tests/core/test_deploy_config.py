"""The web server settings the benchmarks measured are the ones every entry point uses."""

from __future__ import annotations

import importlib
import multiprocessing
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_gunicorn_runs_one_sync_worker_per_core(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WEB_CONCURRENCY", "WEB_THREADS", "WEB_TIMEOUT", "WEB_WORKER_CLASS"):
        monkeypatch.delenv(name, raising=False)
    config = importlib.reload(importlib.import_module("config.gunicorn"))
    assert config.worker_class == "sync"
    assert config.workers == multiprocessing.cpu_count()
    assert config.threads == 1
    assert config.timeout >= 60  # a file download streams in one request


def test_gunicorn_accepts_the_configuration() -> None:
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi",
            "--config",
            "python:config.gunicorn",
            "--check-config",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_entry_point_uses_the_configuration() -> None:
    for path in ("Procfile", "scripts/run.sh", "bench/decisioning_recommend.py"):
        assert "python:config.gunicorn" in (ROOT / path).read_text(), path

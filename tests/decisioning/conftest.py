from __future__ import annotations

from typing import Any

import pytest

from decisioning.snapshots import snapshot_cache


@pytest.fixture(autouse=True)
def _fresh_snapshots() -> Any:
    """Real-time snapshots are cached per process; every test starts from the database."""
    snapshot_cache.clear()
    yield
    snapshot_cache.clear()

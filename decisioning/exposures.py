"""Exposure counts: how often each offer was recommended on each channel, the denominator of
the learned propensities (``OutcomeCounter`` rows with outcome ``recommendation``).

Upserting three counter rows on every ``/recommend`` cost more database time than inserting
the interactions themselves, so each process sums exposures in memory and writes them at most
once per ``NUDGE_EXPOSURE_FLUSH_SECONDS`` (default 1; 0 writes on every request):

- piggybacked on a recommendation's own insert statement when the interval has passed (no
  extra round trip), in the same transaction as that request's interactions;
- by a timer thread when the process goes quiet, so counts never wait for the next request;
- at process exit.

Like the recommendation rows themselves (committed without waiting for the WAL flush), a
process killed outright can lose the last interval's counts; outcomes reported to
``/respond`` are counted synchronously, in the statement that records them.
"""

from __future__ import annotations

import atexit
import json
import logging
import random
import threading
import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction

log = logging.getLogger(__name__)

Key = tuple[str, str, str]  # tenant id, offer id, channel id

UPSERT_COUNTERS_FROM_JSON = """
INSERT INTO decisioning_outcomecounter (tenant_id, offer_id, channel_id, outcome, shard, n)
SELECT e.tenant_id, e.offer_id, e.channel_id, 'recommendation', %(shard)s, e.n
FROM json_to_recordset(%(exposures)s::json) AS e(
  tenant_id text, offer_id text, channel_id text, n bigint)
JOIN core_tenant t ON t.id = e.tenant_id  -- a tenant deleted meanwhile: its counts go too
ORDER BY e.tenant_id, e.offer_id, e.channel_id
ON CONFLICT (tenant_id, offer_id, channel_id, outcome, shard)
DO UPDATE SET n = decisioning_outcomecounter.n + EXCLUDED.n
"""


def flush_interval() -> float:
    return float(getattr(settings, "NUDGE_EXPOSURE_FLUSH_SECONDS", 1.0))


def counter_params(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Parameters of ``UPSERT_COUNTERS_FROM_JSON`` (all rows go to one random shard)."""
    from decisioning.models import OutcomeCounter

    return {"exposures": json.dumps(rows), "shard": random.randrange(OutcomeCounter.SHARDS)}


class ExposureBuffer:
    """Per-process exposure sums not yet in the database."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[Key, int] = {}
        self._last_write = time.monotonic()
        self._timer: threading.Timer | None = None

    def add(self, tenant_id: str, pairs: Iterable[tuple[str, str]]) -> None:
        with self._lock:
            for offer_id, channel_id in pairs:
                key = (tenant_id, offer_id, channel_id)
                self._pending[key] = self._pending.get(key, 0) + 1

    def take_due(self) -> list[dict[str, Any]] | None:
        """Everything pending when the interval has passed (the caller writes it, or gives
        it back with ``restore``); otherwise None, and a timer makes sure it is written."""
        interval = flush_interval()
        with self._lock:
            if not self._pending:
                return None
            if interval > 0 and time.monotonic() - self._last_write < interval:
                self._schedule(interval)
                return None
            return self._drain()

    def discard(self, tenant_id: str, pairs: Iterable[tuple[str, str]]) -> None:
        """Take back exposures ``add`` counted for a request whose rows were not written."""
        with self._lock:
            for offer_id, channel_id in pairs:
                key = (tenant_id, offer_id, channel_id)
                left = self._pending.get(key, 0) - 1
                if left > 0:
                    self._pending[key] = left
                else:
                    self._pending.pop(key, None)

    def restore(self, rows: list[dict[str, Any]]) -> None:
        """Rows whose write failed go back into the buffer."""
        with self._lock:
            for row in rows:
                key = (row["tenant_id"], row["offer_id"], row["channel_id"])
                self._pending[key] = self._pending.get(key, 0) + row["n"]

    def pending(self) -> dict[Key, int]:
        with self._lock:
            return dict(self._pending)

    def flush(self) -> int:
        """Write everything pending now, in its own statement; returns the rows written."""
        with self._lock:
            rows = self._drain()
        if not rows:
            return 0
        try:
            with connection.cursor() as cursor:
                cursor.execute(UPSERT_COUNTERS_FROM_JSON, counter_params(rows))
        except Exception:
            self.restore(rows)
            raise
        return len(rows)

    def _drain(self) -> list[dict[str, Any]]:
        rows = [
            {"tenant_id": t, "offer_id": o, "channel_id": c, "n": n}
            for (t, o, c), n in self._pending.items()
        ]
        self._pending = {}
        self._last_write = time.monotonic()
        return rows

    def _schedule(self, interval: float) -> None:
        if self._timer is not None and self._timer.is_alive():
            if self._timer.interval <= interval:
                return
            self._timer.cancel()  # the interval was shortened: don't wait for the old one
        self._timer = threading.Timer(interval, self._flush_from_timer)
        self._timer.daemon = True
        self._timer.start()

    def _flush_from_timer(self) -> None:
        """Write only if the process went quiet: while requests keep coming they carry the
        counts themselves, so under load the timer costs no connection."""
        interval = max(flush_interval(), 0.1)
        with self._lock:
            self._timer = None
            quiet_for = time.monotonic() - self._last_write
            if self._pending and quiet_for < interval:
                self._schedule(interval - quiet_for)
                return
        try:
            self.flush()
        except Exception:  # the counts stay pending; the next request or timer retries
            log.exception("writing exposure counts failed")
        finally:
            connections.close_all()  # this thread's own connection
            with self._lock:
                if self._pending:
                    self._schedule(interval)

    def flush_at_exit(self) -> None:
        try:
            self.flush()
        except Exception:
            log.exception("writing exposure counts at exit failed")


exposure_buffer = ExposureBuffer()
atexit.register(exposure_buffer.flush_at_exit)


RECOUNT_SQL = """
INSERT INTO decisioning_outcomecounter (tenant_id, offer_id, channel_id, outcome, shard, n)
SELECT tenant_id, offer_id, COALESCE(channel_id, ''), outcome, 0, count(*)
FROM decisioning_interaction
WHERE tenant_id = %s AND offer_id IS NOT NULL
GROUP BY tenant_id, offer_id, COALESCE(channel_id, ''), outcome
"""


def outcome_counters_rebuild(*, tenant_id: str) -> int:
    """Recount a tenant's learned-propensity counters from its interaction history (the
    truth they summarise), e.g. after a process was killed with exposure counts still
    buffered. Writers wait on the table lock while it runs, so recommendations and outcomes
    recorded meanwhile are counted once; exposure counts still buffered in running web
    processes (at most ``NUDGE_EXPOSURE_FLUSH_SECONDS`` of them) are added again when they
    are written, so run it with the web processes stopped for an exact count. Returns the
    number of counter rows written."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE decisioning_outcomecounter IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("DELETE FROM decisioning_outcomecounter WHERE tenant_id = %s", [tenant_id])
        cursor.execute(RECOUNT_SQL, [tenant_id])
        return cursor.rowcount

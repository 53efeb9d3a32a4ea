"""A short per-process cache of API-key lookups, so an authenticated request does not pay a
database round trip for its key.

Entries live ``NUDGE_API_KEY_CACHE_SECONDS`` (default 5; 0 turns the cache off). Saving or
deleting a key evicts it in this process at once (see ``core.signals``); other worker
processes see a revocation or role change within the TTL. Only keys that exist are cached, so
guessing keys cannot grow the cache; it is bounded and emptied when full.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from core.models import ApiKey

MAX_ENTRIES = 10_000

_entries: dict[str, tuple[float, ApiKey]] = {}
_lock = threading.Lock()


def ttl_seconds() -> float:
    return float(getattr(settings, "NUDGE_API_KEY_CACHE_SECONDS", 5))


def cached_key(key_hash: str) -> ApiKey | None:
    entry = _entries.get(key_hash)
    if entry is None:
        return None
    expires_at, key = entry
    if time.monotonic() >= expires_at:
        _entries.pop(key_hash, None)
        return None
    return key


def remember_key(key: ApiKey) -> None:
    ttl = ttl_seconds()
    if ttl <= 0:
        return
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[key.key_hash] = (time.monotonic() + ttl, key)


def forget_key(key_hash: str) -> None:
    with _lock:
        _entries.pop(key_hash, None)


def forget_tenant(tenant_id: str) -> None:
    with _lock:
        for key_hash in [h for h, (_, k) in _entries.items() if k.tenant_id == tenant_id]:
            _entries.pop(key_hash, None)


def clear() -> None:
    with _lock:
        _entries.clear()

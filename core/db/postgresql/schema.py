"""Schema editor without Django's ``*_like`` indexes.

For every indexed ``varchar`` column (ids, foreign keys, keys) Django adds a second index with
``varchar_pattern_ops`` so ``LIKE 'abc%'`` can use an index. Nudge never filters ids or keys
by prefix (searches are case-insensitive and scan), so those indexes only cost writes: on
``/recommend`` every interaction row paid for one on its id.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql.schema import DatabaseSchemaEditor as BaseSchemaEditor


class DatabaseSchemaEditor(BaseSchemaEditor):
    def _create_like_index_sql(self, model: Any, field: Any) -> None:
        return None

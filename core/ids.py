"""Prefixed, time-ordered identifiers such as ``cre_01jd3k...`` (a lowercase ULID).

The ULID part sorts by creation time, so primary-key order follows insertion order and
keyset pagination on ``(created_at, id)`` stays stable.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from django.db import models

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def new_ulid() -> str:
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    return f"{prefix}_{new_ulid()}"


class PrefixedIdField(models.CharField):
    """A CharField primary key whose default is ``<prefix>_<ulid>``."""

    def __init__(self, *args: Any, prefix: str = "", **kwargs: Any) -> None:
        self.prefix = prefix
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("primary_key", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def has_default(self) -> bool:
        return True

    def get_default(self) -> str:
        return new_id(self.prefix)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["prefix"] = self.prefix
        for key, value in (("max_length", 40), ("primary_key", True), ("editable", False)):
            if kwargs.get(key) == value:
                kwargs.pop(key)
        return name, path, args, kwargs

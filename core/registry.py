"""Which entity types exist (``entityType`` in the API) and what cascades on soft-delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.db.models import QuerySet

ChildrenOf = Callable[[Any], QuerySet]
_cascades: dict[str, list[ChildrenOf]] = {}


def soft_deletable_models() -> dict[str, Any]:
    from core.mixins import SoftDeleteModel

    return {
        m.entity_type: m  # type: ignore[attr-defined]
        for m in apps.get_models()
        if issubclass(m, SoftDeleteModel) and getattr(m, "entity_type", None)
    }


def audited_entity_types() -> list[str]:
    from core.audit import audited_models

    return sorted(m.entity_type for m in audited_models())


def register_cascade(entity_type: str, children: ChildrenOf) -> None:
    """Soft-deleting an ``entity_type`` soft-deletes ``children(instance)``; restoring it restores
    the children that the same delete removed."""
    _cascades.setdefault(entity_type, []).append(children)


def cascades_for(entity_type: str) -> list[ChildrenOf]:
    return list(_cascades.get(entity_type, []))

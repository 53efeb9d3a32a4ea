from typing import Any

from django.apps import AppConfig


def _segment_view_follows_deleted_at(segment: Any) -> Any:
    """Soft-delete and restore call their cascades right after changing ``deleted_at``, in the
    same transaction: the segment's view is dropped or recreated to match. Nothing cascades
    (an empty queryset is returned)."""
    from audience.models import Segment
    from audience.segment_sql import view_sync

    view_sync(segment)
    return Segment.all_objects.none()


class AudienceConfig(AppConfig):
    name = "audience"

    def ready(self) -> None:
        from core.registry import register_cascade

        register_cascade("segment", _segment_view_follows_deleted_at)

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"

    def ready(self) -> None:
        from catalog.models import Placement
        from core.registry import register_cascade

        register_cascade("channel", lambda channel: Placement.all_objects.filter(channel=channel))

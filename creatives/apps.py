from django.apps import AppConfig


class CreativesConfig(AppConfig):
    name = "creatives"

    def ready(self) -> None:
        from core.registry import register_cascade
        from creatives.models import Creative

        # Deleting an offer soft-deletes its creatives; restoring it restores those same ones.
        register_cascade("offer", lambda offer: Creative.all_objects.filter(offer=offer))

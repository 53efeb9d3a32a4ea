from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core: tenants, access and audit"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from core import audit, signals  # noqa: F401  (celery/task hooks)

        post_migrate.connect(audit.install_triggers_after_migrate, sender=self)

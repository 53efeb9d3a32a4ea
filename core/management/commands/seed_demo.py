from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand

from core.demo import demo_tenant


class Command(BaseCommand):
    help = "Create or refresh the demo tenant, its users and each app's demo data (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = demo_tenant()
        self.stdout.write(f"demo tenant: {tenant.name} ({tenant.slug}, {tenant.pk})")
        for config in apps.get_app_configs():
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            module.seed(tenant, lambda msg, app=config.label: self.stdout.write(f"[{app}] {msg}"))
        self.stdout.write(self.style.SUCCESS("demo data ready"))

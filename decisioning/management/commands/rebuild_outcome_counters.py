from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.models import Tenant
from decisioning.exposures import outcome_counters_rebuild


class Command(BaseCommand):
    help = (
        "Recount the learned-propensity counters of one tenant (or all) from the interaction "
        "history. Stop the web processes first for an exact count (see decisioning/exposures.py)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", help="tenant id or slug (default: every tenant)")

    def handle(self, *args: Any, **options: Any) -> None:
        tenants = Tenant.objects.order_by("slug")
        if options["tenant"]:
            ref = options["tenant"]
            tenants = tenants.filter(pk=ref) | tenants.filter(slug=ref)
            if not tenants.exists():
                raise CommandError(f"No tenant '{ref}'")
        for tenant in tenants:
            rows = outcome_counters_rebuild(tenant_id=tenant.pk)
            self.stdout.write(f"{tenant.slug}: {rows} counter rows recounted")

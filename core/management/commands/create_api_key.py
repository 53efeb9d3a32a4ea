from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from core.models import Tenant
from core.roles import Role
from core.services import api_key_create


class Command(BaseCommand):
    help = "Create an API key for a tenant (id or slug) and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="tenant id or slug")
        parser.add_argument("--role", required=True, choices=[r.value for r in Role])
        parser.add_argument("--name", default="cli")

    def handle(self, *args: Any, **options: Any) -> None:
        ref = options["tenant"]
        tenant = Tenant.objects.filter(Q(pk=ref) | Q(slug=ref)).first()
        if tenant is None:
            raise CommandError(f"No tenant '{ref}'")
        _, raw = api_key_create(tenant=tenant, name=options["name"], role=options["role"])
        self.stdout.write(raw)

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import NudgeError
from core.services import tenant_create


class Command(BaseCommand):
    help = "Create a tenant and print its id."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--slug", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            tenant = tenant_create(name=options["name"], slug=options["slug"])
        except NudgeError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"{tenant.pk} {tenant.slug}")

"""``manage.py import_customers FILE --tenant T``: stream a CSV of customers into a tenant."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audience.csv_import import ImportProgress, import_customers_csv
from audience.importer import BATCH_ROWS
from core.errors import NudgeError
from core.models import Tenant


class Command(BaseCommand):
    help = "Import (upsert by externalId) customers from a CSV file; progress goes to stderr."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV file (UTF-8), or - for stdin")
        parser.add_argument("--tenant", required=True, help="Tenant id or slug")
        parser.add_argument("--batch-rows", type=int, default=BATCH_ROWS)
        parser.add_argument("--quiet-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        ref = options["tenant"]
        tenant = Tenant.objects.filter(pk=ref).first() or Tenant.objects.filter(slug=ref).first()
        if tenant is None:
            raise CommandError(f"No tenant with id or slug '{ref}'")
        started = time.monotonic()
        show = not options["quiet_progress"]

        def on_progress(p: ImportProgress) -> None:
            if not show:
                return
            width = 30
            filled = int(width * p.percent / 100)
            rate = p.rows / max(time.monotonic() - started, 1e-9)
            sys.stderr.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {p.percent:5.1f}% "
                f"{p.rows:>10,} rows  {rate:>9,.0f} rows/s  {p.errors:,} rejected"
            )
            sys.stderr.flush()

        path = options["file"]
        try:
            if path == "-":
                report = import_customers_csv(
                    tenant=tenant,
                    stream=sys.stdin.buffer,
                    on_progress=on_progress,
                    batch_rows=options["batch_rows"],
                )
            else:
                if not os.path.exists(path):
                    raise CommandError(f"No such file: {path}")
                with open(path, "rb") as stream:
                    report = import_customers_csv(
                        tenant=tenant,
                        stream=stream,
                        total_bytes=os.path.getsize(path),
                        on_progress=on_progress,
                        batch_rows=options["batch_rows"],
                    )
        except NudgeError as exc:
            raise CommandError(f"{exc.message}: {exc.details}") from exc
        if show:
            sys.stderr.write("\n")
        seconds = time.monotonic() - started
        self.stdout.write(
            f"{report.rows} rows in {seconds:.1f}s: {report.created} created, "
            f"{report.updated} updated, {report.unchanged} unchanged, "
            f"{report.duplicates} duplicates, {report.error_count} rejected"
        )
        for error in report.errors[:20]:
            self.stdout.write(f"  line {error['line']}: {error['details']}")
        if report.error_count > 20:
            self.stdout.write(f"  ... and {report.error_count - 20} more")

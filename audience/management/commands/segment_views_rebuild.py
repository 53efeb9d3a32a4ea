"""``manage.py segment_views_rebuild``: recreate every live segment's PostgreSQL view.

Run it after a migration that changes ``audience_customer`` (a view pins the columns it reads).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from audience.services import refresh_all_views


class Command(BaseCommand):
    help = "Recreate the PostgreSQL view of every live segment."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{refresh_all_views()} segment view(s) rebuilt")

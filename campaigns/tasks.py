"""Celery tasks of the campaigns app."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from campaigns import scheduling


@shared_task(name="campaigns.tasks.schedule_tick", ignore_result=True)
def schedule_tick() -> dict[str, Any]:
    """Fire every due campaign slot (see :mod:`campaigns.scheduling`). Beat runs it every
    minute; running it more often, twice at once, or again after a crash is harmless."""
    return scheduling.schedule_tick().as_dict()

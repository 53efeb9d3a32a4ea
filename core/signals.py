"""Celery hooks: every task's database writes are attributed to ``task:<name>`` in the audit log."""

from typing import Any

from celery.signals import task_postrun, task_prerun

from core.audit import clear_audit_context, set_audit_context


@task_prerun.connect
def _audit_actor_for_task(task: Any = None, task_id: str | None = None, **_: Any) -> None:
    set_audit_context(f"task:{getattr(task, 'name', 'unknown')}", task_id)


@task_postrun.connect
def _clear_audit_actor(**_: Any) -> None:
    clear_audit_context()

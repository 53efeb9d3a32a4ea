"""Celery hooks (every task's database writes are attributed to ``task:<name>`` in the audit
log) and API-key cache eviction."""

from typing import Any

from celery.signals import task_postrun, task_prerun
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.api import key_cache
from core.audit import clear_audit_context, set_audit_context
from core.models import ApiKey, Tenant


@task_prerun.connect
def _audit_actor_for_task(task: Any = None, task_id: str | None = None, **_: Any) -> None:
    set_audit_context(f"task:{getattr(task, 'name', 'unknown')}", task_id)


@task_postrun.connect
def _clear_audit_actor(**_: Any) -> None:
    clear_audit_context()


@receiver([post_save, post_delete], sender=ApiKey)
def _evict_cached_api_key(instance: ApiKey, **_: Any) -> None:
    """A revoked, re-roled or deleted key stops working in this process at once."""
    key_cache.forget_key(instance.key_hash)


@receiver([post_save, post_delete], sender=Tenant)
def _evict_tenant_api_keys(instance: Tenant, **_: Any) -> None:
    key_cache.forget_tenant(instance.pk)

"""A category cannot be deleted while an offer is being attached to it in another transaction."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction

from catalog import services
from catalog.models import Category, Offer
from core.errors import Conflict
from core.services import tenant_create


@pytest.mark.django_db(transaction=True)
def test_category_delete_waits_for_an_offer_being_attached() -> None:
    tenant = tenant_create(name="Race", slug="race")
    category = services.category_create(tenant=tenant, name="Cards")
    attached = threading.Event()
    release = threading.Event()
    outcome: dict[str, Any] = {}

    def attach() -> None:
        try:
            with transaction.atomic():
                services.offer_create(tenant=tenant, name="Gold", category=category)
                attached.set()
                release.wait(10)
        finally:
            connection.close()

    def delete() -> None:
        try:
            services.category_delete(category=Category.objects.get(pk=category.pk))
            outcome["deleted"] = True
        except Conflict as exc:
            outcome["conflict"] = exc.details
        finally:
            connection.close()

    writer = threading.Thread(target=attach)
    writer.start()
    assert attached.wait(10)
    deleter = threading.Thread(target=delete)
    deleter.start()
    deleter.join(0.5)
    assert deleter.is_alive(), "the delete must wait for the offer's transaction"
    release.set()
    writer.join(10)
    deleter.join(10)
    assert outcome == {"conflict": {"offerCount": 1, "offers": ["Gold"]}}
    assert Category.objects.filter(pk=category.pk).exists()
    assert Offer.objects.filter(category=category).count() == 1

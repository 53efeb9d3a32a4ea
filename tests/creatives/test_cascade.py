"""Deleting an offer soft-deletes its creatives; restoring it restores the same ones."""

from __future__ import annotations

from typing import Any

import pytest

from core.models import AuditLog
from core.services import entity_restore, entity_soft_delete
from creatives.models import Creative
from tests.creatives.factories import make_creative, make_offer

pytestmark = pytest.mark.django_db


def test_offer_delete_and_restore_cascade_to_its_creatives_only(personas: Any) -> None:
    offer, other = make_offer(personas.tenant_a), make_offer(personas.tenant_a)
    mine = [make_creative(personas.tenant_a, offer=offer) for _ in range(2)]
    earlier = make_creative(personas.tenant_a, offer=offer)
    untouched = make_creative(personas.tenant_a, offer=other)
    entity_soft_delete(instance=earlier)  # deleted on its own before the offer

    entity_soft_delete(instance=offer)

    assert not Creative.objects.filter(offer=offer).exists()
    assert Creative.objects.filter(pk=untouched.pk).exists()
    for creative in mine:
        assert AuditLog.objects.filter(entity_id=creative.pk, action="soft_delete").exists()

    entity_restore(instance=offer)

    live = set(Creative.objects.filter(offer=offer).values_list("pk", flat=True))
    assert live == {c.pk for c in mine}, "the creative deleted on its own stays deleted"


def test_cascade_through_the_api(api: Any, personas: Any) -> None:
    offer = make_offer(personas.tenant_a)
    creative = make_creative(personas.tenant_a, offer=offer)

    entity_soft_delete(instance=offer)  # whichever API the catalog exposes ends here
    listed = api("viewer_a").get("/api/v1/creatives").json()["data"]
    assert creative.pk not in {r["id"] for r in listed}

    restored = api("admin_a").post(f"/api/v1/restore?entityType=offer&id={offer.pk}")
    assert restored.status_code == 200, restored.content
    listed = api("viewer_a").get("/api/v1/creatives").json()["data"]
    assert creative.pk in {r["id"] for r in listed}


def test_restoring_a_creative_whose_name_was_reused_is_409(api: Any, personas: Any) -> None:
    creative = make_creative(personas.tenant_a, name="Hero")
    api("editor_a").delete(f"/api/v1/creatives?id={creative.pk}")
    make_creative(personas.tenant_a, name="Hero")
    response = api("admin_a").post(f"/api/v1/restore?entityType=creative&id={creative.pk}")
    assert response.status_code == 409

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from decisioning.models import DecisionFlow, Interaction
from decisioning.realtime import recommend
from tests.decisioning.factories import make_flow, make_world


@pytest.fixture
def staff(db: Any, django_user_model: Any) -> Client:
    user = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456")
    client = Client()
    client.force_login(user)
    return client


def test_flow_admin_lists_edits_publishes_and_rolls_back(staff: Client, personas: Any) -> None:
    flow = make_flow(personas.tenant_a, config={"ranking": {"limit": 2}})
    assert staff.get("/admin/decisioning/decisionflow/").status_code == 200
    page = staff.get(f"/admin/decisioning/decisionflow/{flow.pk}/change/")
    assert page.status_code == 200 and b"Audit history" in page.content
    response = staff.post(
        "/admin/decisioning/decisionflow/",
        {"action": "publish_selected", "_selected_action": [flow.pk]},
    )
    assert response.status_code == 302
    flow.refresh_from_db()
    assert flow.published_version is not None and flow.published_version.number == 1
    flow.config = {"ranking": {"limit": 4}}
    flow.save()
    staff.post(
        "/admin/decisioning/decisionflow/",
        {"action": "publish_selected", "_selected_action": [flow.pk]},
    )
    page = staff.get(f"/admin/decisioning/decisionflow/{flow.pk}/change/")
    assert b"Roll back" in page.content
    form = staff.get(f"/admin/decisioning/decisionflow/{flow.pk}/rollback/")
    assert form.status_code == 200 and b"v1" in form.content
    assert (
        staff.post(
            f"/admin/decisioning/decisionflow/{flow.pk}/rollback/", {"version": "1"}
        ).status_code
        == 302
    )
    flow.refresh_from_db()
    assert flow.published_version.number == 3 and flow.published_version.rolled_back_from == 1
    assert flow.versions.count() == 3


def test_flow_admin_rejects_a_bad_config_naming_the_path(staff: Client, personas: Any) -> None:
    flow = make_flow(personas.tenant_a)
    response = staff.post(
        f"/admin/decisioning/decisionflow/{flow.pk}/change/",
        {
            "tenant": personas.tenant_a.pk,
            "key": flow.key,
            "name": flow.name,
            "description": "",
            "status": "draft",
            "config": '{"ranking": {"limit": 99}}',
        },
    )
    assert response.status_code == 200
    assert b"config.ranking.limit" in response.content
    assert DecisionFlow.objects.get(pk=flow.pk).config == {}


def test_interactions_admin_is_read_only(staff: Client, personas: Any) -> None:
    world = make_world(personas.tenant_a)
    recommend(
        tenant=personas.tenant_a,
        customer_ref=world["customer"].external_id,
        flow_key=world["flow"].key,
    )
    interaction = Interaction.objects.first()
    assert staff.get("/admin/decisioning/interaction/").status_code == 200
    assert staff.get(f"/admin/decisioning/interaction/{interaction.pk}/change/").status_code == 200
    assert staff.get("/admin/decisioning/interaction/add/").status_code == 403

"""Login, logout, the tenant switcher, roles (403) and tenant isolation (404)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from campaigns.models import Campaign
from core.roles import Role
from core.services import membership_set
from core.tenancy import SESSION_TENANT_KEY
from tests.campaigns.factories import make_campaign
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_pages_need_a_login(client: Client, personas: Any) -> None:
    for url in ("/", "/campaigns", "/campaigns/new", "/creatives", "/offers"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login?next=")


def test_login_page_and_login(client: Client, personas: Any) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<label for="id_username">' in html and '<label for="id_password">' in html
    bad = client.post("/login", {"username": "editor_a", "password": "nope"})
    assert bad.status_code == 200
    assert "correct username and password" in bad.content.decode()
    good = client.post(
        "/login", {"username": "editor_a", "password": PASSWORD, "next": "/campaigns"}
    )
    assert good.status_code == 302 and good["Location"] == "/campaigns"
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert client.session[SESSION_TENANT_KEY] == personas.tenant_a.pk


def test_logout(ui_client: Any) -> None:
    client = ui_client("viewer_a")
    assert client.post("/logout")["Location"] == "/login"
    assert client.get("/")["Location"].startswith("/login")


def test_a_user_without_tenant_gets_a_friendly_403(client: Client, django_user_model: Any) -> None:
    client.force_login(django_user_model.objects.create_user("loner", password="x"))
    response = client.get("/")
    assert response.status_code == 403
    assert "not a member of any tenant" in response.content.decode()


def test_tenant_switcher_lists_only_member_tenants_and_switches(
    ui_client: Any, personas: Any
) -> None:
    mine = make_campaign(personas.tenant_a, name="A campaign")
    theirs = make_campaign(personas.tenant_b, name="B campaign")
    client = ui_client("editor_a")
    single = client.get("/").content.decode()
    assert 'id="tenant-select"' not in single  # one tenant: nothing to switch

    membership_set(tenant=personas.tenant_b, user=personas.editor_a, role=Role.VIEWER)
    html = client.get("/campaigns").content.decode()
    assert 'id="tenant-select"' in html
    assert "Tenant A (Editor)" in html and "Tenant B (Viewer)" in html
    assert "A campaign" in html and "B campaign" not in html

    response = client.post(
        "/tenant", {"tenant": personas.tenant_b.pk, "next": f"/campaigns/{mine.pk}"}
    )
    assert response["Location"] == "/campaigns"  # the old tenant's object is not shown
    assert client.session[SESSION_TENANT_KEY] == personas.tenant_b.pk
    html = client.get("/campaigns").content.decode()
    assert "B campaign" in html and "A campaign" not in html
    assert "+ New campaign" not in html  # a viewer in tenant B
    assert client.get(f"/campaigns/{theirs.pk}").status_code == 200
    assert client.get(f"/campaigns/{mine.pk}").status_code == 404


def test_switching_to_a_tenant_you_are_not_in_is_refused(ui_client: Any, personas: Any) -> None:
    client = ui_client("editor_a")
    response = client.post("/tenant", {"tenant": personas.tenant_b.pk}, follow=True)
    assert "not a member of that tenant" in response.content.decode()
    assert client.session[SESSION_TENANT_KEY] == personas.tenant_a.pk


def test_switch_ignores_an_offsite_next(ui_client: Any, personas: Any) -> None:
    response = ui_client("editor_a").post(
        "/tenant", {"tenant": personas.tenant_a.pk, "next": "https://evil.example/x"}
    )
    assert response["Location"] == "/"


def test_viewer_sees_no_run_now_or_edit_controls(ui_client: Any, personas: Any) -> None:
    campaign = make_campaign(personas.tenant_a, status="active")
    viewer = ui_client("viewer_a")
    for url in ("/", "/campaigns", f"/campaigns/{campaign.pk}"):
        html = viewer.get(url).content.decode()
        assert "Run now" not in html
        assert "New campaign" not in html
        assert f"/campaigns/{campaign.pk}/edit" not in html
        assert "Pause</button>" not in html and "Archive</button>" not in html
    editor_html = ui_client("editor_a").get(f"/campaigns/{campaign.pk}").content.decode()
    assert 'id="run-now"' in editor_html
    assert f"/campaigns/{campaign.pk}/edit" in editor_html
    assert "Pause</button>" in editor_html


def test_the_server_enforces_roles(ui_client: Any, personas: Any) -> None:
    campaign = make_campaign(personas.tenant_a, status="active")
    viewer = ui_client("viewer_a")
    assert viewer.get("/campaigns/new").status_code == 403
    assert viewer.get(f"/campaigns/{campaign.pk}/edit").status_code == 403
    for action in ("run", "pause", "archive", "edit"):
        response = viewer.post(f"/campaigns/{campaign.pk}/{action}")
        assert response.status_code == 403, action
        assert "needs the editor role" in response.content.decode()
    assert viewer.post("/campaigns/new", {"name": "x"}).status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == "active" and not campaign.runs.exists()
    assert not Campaign.objects.filter(name="x").exists()


def test_another_tenants_campaign_is_404_everywhere(ui_client: Any, personas: Any) -> None:
    other = make_campaign(personas.tenant_b, status="active")
    client = ui_client("admin_a")
    for url in (f"/campaigns/{other.pk}", f"/campaigns/{other.pk}/edit"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Not found" in response.content.decode()
    for action in ("run", "pause", "archive", "edit"):
        assert client.post(f"/campaigns/{other.pk}/{action}").status_code == 404
    other.refresh_from_db()
    assert other.status == "active" and not other.runs.exists()


def test_a_deleted_campaign_is_404(ui_client: Any, personas: Any) -> None:
    from campaigns.services import campaign_delete

    campaign = make_campaign(personas.tenant_a)
    campaign_delete(campaign=campaign)
    assert ui_client("editor_a").get(f"/campaigns/{campaign.pk}").status_code == 404

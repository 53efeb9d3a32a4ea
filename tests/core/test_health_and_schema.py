from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

from config.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_healthz_is_503_naming_the_broker_when_it_is_down(client: Any) -> None:
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        celery_app.conf.broker_url = previous
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["broker"] and body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("down")


def test_healthz_is_503_naming_the_database_when_it_is_down(client: Any, monkeypatch: Any) -> None:
    from django.db import connection

    from core import health

    broken = connection.copy()
    broken.settings_dict = {**connection.settings_dict, "NAME": "no_such_database_nudge"}
    monkeypatch.setattr(health, "connection", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["down"] == ["database"]


def test_openapi_schema_is_valid_and_documents_the_error_envelope(client: Any) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    assert "ErrorEnvelope" in schema["components"]["schemas"]
    operation = schema["paths"]["/api/v1/api-keys"]["post"]
    for status in ("400", "401", "403", "409", "415", "429"):
        assert status in operation["responses"], status
    assert "201" in operation["responses"]


def test_interactive_docs_are_served_without_external_assets(client: Any) -> None:
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower() and "cdn." not in html

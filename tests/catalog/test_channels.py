"""Channels: providerConfig per type, write-only secrets, cascade to placements."""

from __future__ import annotations

import json
from typing import Any

import pytest

from catalog.models import Channel, Placement
from catalog.provider_config import MASK
from core.models import AuditLog
from tests.api_suite import assert_error
from tests.catalog.factories import (
    SMTP_CONFIG,
    VOICE_CONFIG,
    WEBHOOK_CONFIG,
    make_channel,
    make_placement,
)

URL = "/api/v1/channels"


def post(personas: Any, body: dict) -> Any:
    return personas.client("editor_a").post(URL, body, format="json")


def put(personas: Any, pk: str, body: dict) -> Any:
    return personas.client("editor_a").put(f"{URL}/{pk}", body, format="json")


def webhook(personas: Any, **config: Any) -> dict:
    response = post(
        personas,
        {
            "name": "Hook",
            "channelType": "webhook",
            "deliveryMode": "integration",
            "providerConfig": {**WEBHOOK_CONFIG, **config},
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_delivery_mode_defaults_to_api_and_status_to_active(personas: Any) -> None:
    body = post(personas, {"name": "Web", "channelType": "web"}).json()
    assert body["deliveryMode"] == "api" and body["status"] == "active"
    assert body["providerConfig"] == {} and body["id"].startswith("ch_")


def test_webhook_secret_is_never_returned_or_audited(personas: Any) -> None:
    secret = WEBHOOK_CONFIG["signingSecret"]
    body = webhook(personas)
    assert body["providerConfig"]["signingSecret"] == MASK
    assert body["providerConfig"]["url"] == WEBHOOK_CONFIG["url"]
    assert body["providerConfig"]["method"] == "POST"
    assert body["providerConfig"]["timeoutSeconds"] == 10
    client = personas.client("viewer_a")
    for response in (client.get(URL), client.get(f"{URL}/{body['id']}")):
        assert secret not in response.content.decode()
    update = put(personas, body["id"], {"name": "Hook 2"})
    assert secret not in update.content.decode()
    channel = Channel.objects.get(pk=body["id"])
    assert channel.provider_secrets == {"signingSecret": secret}
    assert "signingSecret" not in channel.provider_config
    assert channel.resolved_provider_config()["signingSecret"] == secret
    audit = AuditLog.objects.filter(entity_type="channel", entity_id=body["id"])
    assert audit.count() == 2
    assert all(secret not in json.dumps([row.before, row.after]) for row in audit)
    logs = personas.client("admin_a").get("/api/v1/audit-logs", {"entityId": body["id"]})
    assert logs.status_code == 200 and secret not in logs.content.decode()


def test_smtp_password_is_masked(personas: Any) -> None:
    response = post(
        personas,
        {
            "name": "Mail",
            "channelType": "email",
            "deliveryMode": "integration",
            "providerConfig": SMTP_CONFIG,
        },
    )
    assert response.status_code == 201, response.content
    config = response.json()["providerConfig"]
    assert config["password"] == MASK and SMTP_CONFIG["password"] not in response.content.decode()
    assert config["useSsl"] is False and config["timeoutSeconds"] == 30


def test_a_secret_left_out_or_masked_is_kept_and_a_new_one_replaces_it(personas: Any) -> None:
    body = webhook(personas)
    new_url = "https://hooks.example.com/v2"
    put(personas, body["id"], {"providerConfig": {"url": new_url}})
    channel = Channel.objects.get(pk=body["id"])
    assert channel.provider_secrets["signingSecret"] == WEBHOOK_CONFIG["signingSecret"]
    assert channel.provider_config["url"] == new_url
    put(personas, body["id"], {"providerConfig": {"url": new_url, "signingSecret": MASK}})
    channel.refresh_from_db()
    assert channel.provider_secrets["signingSecret"] == WEBHOOK_CONFIG["signingSecret"]
    put(personas, body["id"], {"providerConfig": {"url": new_url, "signingSecret": "n" * 20}})
    channel.refresh_from_db()
    assert channel.provider_secrets["signingSecret"] == "n" * 20


def test_rotating_a_secret_is_audited_by_time_not_value(personas: Any) -> None:
    body = webhook(personas)
    assert body["secretsUpdatedAt"] is not None
    config = {**WEBHOOK_CONFIG, "signingSecret": "rotated-secret-0123456789"}
    response = put(personas, body["id"], {"providerConfig": config})
    assert response.json()["version"] == 2
    assert response.json()["secretsUpdatedAt"] > body["secretsUpdatedAt"]
    row = AuditLog.objects.get(entity_id=body["id"], action="update")
    assert row.changed_fields == ["secrets_updated_at"]
    assert "rotated" not in json.dumps([row.before, row.after])
    unchanged = put(personas, body["id"], {"providerConfig": config}).json()
    assert unchanged["version"] == 2


def test_the_webhook_secret_is_required_and_cannot_be_removed(personas: Any) -> None:
    config = {"url": WEBHOOK_CONFIG["url"]}
    response = post(personas, {"name": "H", "channelType": "webhook", "providerConfig": config})
    assert_error(response, 400, "signingSecret")
    body = webhook(personas)
    response = put(personas, body["id"], {"providerConfig": {**config, "signingSecret": None}})
    assert_error(response, 400, "signingSecret")


def test_smtp_password_can_be_removed_with_null(personas: Any) -> None:
    body = post(
        personas, {"name": "Mail", "channelType": "email", "providerConfig": SMTP_CONFIG}
    ).json()
    put(personas, body["id"], {"providerConfig": {**SMTP_CONFIG, "password": None}})
    channel = Channel.objects.get(pk=body["id"])
    assert channel.provider_secrets == {}
    assert "password" not in put(personas, body["id"], {"name": "M2"}).json()["providerConfig"]


BAD_CONFIGS = [
    ("webhook", {"url": "ftp://example.com/x"}, "url"),
    ("webhook", {"url": "http://"}, "url"),
    ("webhook", {"url": "not a url"}, "url"),
    ("webhook", {"url": "https://exa mple.com"}, "url"),
    ("webhook", {"url": "https://example.com:99999/x"}, "url"),
    ("webhook", {"url": 42}, "url"),
    ("webhook", {"signingSecret": "short"}, "signingSecret"),
    ("webhook", {"signingSecret": 1234567890123456789}, "signingSecret"),
    ("webhook", {"method": "GET"}, "method"),
    ("webhook", {"headers": {"X-A": "ok\r\nX-Injected: 1"}}, "X-A"),
    ("webhook", {"headers": {"bad header": "v"}}, "bad header"),
    ("webhook", {"timeoutSeconds": 0}, "timeoutSeconds"),
    ("webhook", {"timeoutSeconds": True}, "timeoutSeconds"),
    ("webhook", {"urll": "https://typo.example.com"}, "urll"),
    ("email", {"host": "smtp://mail.example.com"}, "host"),
    ("email", {"port": 70000}, "port"),
    ("email", {"port": "587"}, "port"),
    ("email", {"fromEmail": "not-an-email"}, "fromEmail"),
    ("email", {"useTls": True, "useSsl": True}, "useSsl"),
    ("email", {"useTls": "yes"}, "useTls"),
    ("email", {"password": 123}, "password"),
    ("email", {"replyTo": "nobody"}, "replyTo"),
    ("voice", {"phoneNumbers": ["+14155550100", "0044 20 7946 0958"]}, "phoneNumbers"),
    ("voice", {"phoneNumbers": []}, "phoneNumbers"),
    ("voice", {"phoneNumbers": ["+14155550100", "+14155550100"]}, "distinct"),
    ("voice", {"timezone": "Mars/Olympus"}, "timezone"),
    ("voice", {"timezone": "../../etc/passwd"}, "timezone"),
    ("voice", {"phoneNumberStrategy": "sequential"}, "phoneNumberStrategy"),
    ("voice", {"workingHours": {"monday": {"start": "18:00", "end": "09:00"}}}, "monday"),
    ("voice", {"workingHours": {"monday": {"start": "9am", "end": "18:00"}}}, "start"),
    ("voice", {"workingHours": {"funday": {"start": "09:00", "end": "18:00"}}}, "funday"),
    (
        "voice",
        {"workingHours": {"monday": {"start": "09:00", "end": "18:00", "enabled": False}}},
        "workingHours",
    ),
    ("voice", {"retryPolicy": {"maxRetries": 99}}, "maxRetries"),
    ("voice", {"retryPolicy": {"strategy": "linear"}}, "strategy"),
    ("voice", {"concurrencyLimit": 0}, "concurrencyLimit"),
    ("voice", {"defaultCallVariables": {"nested": {"a": 1}}}, "nested"),
    ("voice", {"agentId": ""}, "agentId"),
]
BASE: dict[str, dict[str, Any]] = {
    "webhook": WEBHOOK_CONFIG,
    "email": SMTP_CONFIG,
    "voice": VOICE_CONFIG,
}


@pytest.mark.parametrize(("channel_type", "change", "detail"), BAD_CONFIGS)
def test_bad_provider_config_is_400_naming_the_setting(
    personas: Any, channel_type: str, change: dict, detail: str
) -> None:
    body = {
        "name": "Bad",
        "channelType": channel_type,
        "providerConfig": {**BASE[channel_type], **change},
    }
    error = assert_error(post(personas, body), 400, "providerConfig")
    assert detail in json.dumps(error["details"]), error
    assert not Channel.all_objects.filter(name="Bad").exists()


@pytest.mark.parametrize("missing", ["agentId", "phoneNumbers"])
def test_voice_requires_agent_and_numbers(personas: Any, missing: str) -> None:
    config = {k: v for k, v in VOICE_CONFIG.items() if k != missing}
    body = {"name": "Call", "channelType": "voice", "providerConfig": config}
    assert_error(post(personas, body), 400, missing)


def test_voice_settings_are_stored_with_defaults(personas: Any) -> None:
    body = post(
        personas,
        {
            "name": "Call",
            "channelType": "voice",
            "deliveryMode": "integration",
            "providerConfig": {
                **VOICE_CONFIG,
                "workingHours": {"monday": {"start": "08:00", "end": "12:00"}},
            },
        },
    ).json()
    config = body["providerConfig"]
    assert config["workingHours"]["monday"] == {"start": "08:00", "end": "12:00", "enabled": True}
    assert config["workingHours"]["sunday"]["enabled"] is False
    assert config["retryPolicy"] == {"maxRetries": 3, "strategy": "fixed", "cooldownMinutes": 30}
    assert config["phoneNumberStrategy"] == "round_robin"
    assert config["workingHoursEnforced"] is True


def test_integration_delivery_needs_provider_settings(personas: Any) -> None:
    for channel_type in ("webhook", "email", "voice"):
        body = {"name": "I", "channelType": channel_type, "deliveryMode": "integration"}
        assert_error(post(personas, body), 400, "providerConfig")
    body = {"name": "Export", "channelType": "email", "deliveryMode": "file"}
    assert post(personas, body).status_code == 201


def test_other_types_take_any_object(personas: Any) -> None:
    body = post(
        personas,
        {"name": "SMS", "channelType": "sms", "providerConfig": {"senderId": "BANK", "n": [1]}},
    ).json()
    assert body["providerConfig"] == {"senderId": "BANK", "n": [1]}
    bad = {"name": "SMS2", "channelType": "sms", "providerConfig": {"k": "a\u0000b"}}
    assert_error(post(personas, bad), 400, "providerConfig")
    bad = {"name": "SMS3", "channelType": "sms", "providerConfig": "senderId=BANK"}
    assert_error(post(personas, bad), 400, "providerConfig")


def test_changing_the_type_revalidates_the_stored_settings(personas: Any) -> None:
    body = webhook(personas)
    assert_error(put(personas, body["id"], {"channelType": "email"}), 400, "providerConfig")
    assert Channel.objects.get(pk=body["id"]).channel_type == "webhook"
    response = put(personas, body["id"], {"channelType": "email", "providerConfig": SMTP_CONFIG})
    assert response.status_code == 200, response.content
    channel = Channel.objects.get(pk=body["id"])
    assert set(channel.provider_secrets) == {"password"}


def test_switching_to_integration_requires_settings(personas: Any) -> None:
    body = post(personas, {"name": "Mail", "channelType": "email", "deliveryMode": "file"}).json()
    assert_error(put(personas, body["id"], {"deliveryMode": "integration"}), 400, "providerConfig")


def test_duplicate_name_is_409(personas: Any) -> None:
    make_channel(personas.tenant_a, name="Email")
    assert_error(post(personas, {"name": "Email", "channelType": "email"}), 409)


def test_deleting_a_channel_soft_deletes_its_placements_and_restore_brings_them_back(
    personas: Any,
) -> None:
    channel = make_channel(personas.tenant_a, channel_type="web")
    placements = [make_placement(personas.tenant_a, channel=channel) for _ in range(2)]
    already_gone = make_placement(personas.tenant_a, channel=channel)
    admin = personas.client("admin_a")
    assert admin.delete(f"/api/v1/placements/{already_gone.pk}").status_code == 200
    assert admin.delete(f"{URL}/{channel.pk}").status_code == 200
    assert not Placement.objects.filter(channel=channel).exists()
    assert admin.post(f"/api/v1/restore?entityType=channel&id={channel.pk}").status_code == 200
    live = set(Placement.objects.filter(channel=channel).values_list("pk", flat=True))
    assert live == {p.pk for p in placements}

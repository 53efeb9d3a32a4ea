"""The examples of spec 003 (../shared/spec/003_0bf5e535181fbfeb.txt), copied verbatim so the
conformance test runs from a clean checkout; ``test_examples_match_the_spec_file`` checks that
they still equal the spec file's blocks whenever the file is present."""

from __future__ import annotations

from typing import Any

SPEC_FILE = "003_0bf5e535181fbfeb.txt"

LIST_RESPONSE: dict[str, Any] = {
    "data": [
        {
            "id": "cre_abc123",
            "tenantId": "t_001",
            "name": "Platinum Card - Email Hero",
            "offerId": "off_001",
            "channelId": "ch_email",
            "placementId": None,
            "contentItemId": None,
            "status": "active",
            "templateType": "email_html",
            "content": {"subject": "Your exclusive upgrade awaits", "body": "<html>...</html>"},
            "personalization": [{"key": "first_name", "source": "customer.first_name"}],
            "constraints": {},
            "abTestVariant": None,
            "weight": 100,
            "metrics": {},
            "version": 1,
            "deletedAt": None,
            "offer": {"id": "off_001", "name": "Platinum Card Upgrade"},
            "channel": {"id": "ch_email", "name": "Email"},
            "placement": None,
            "createdAt": "2026-03-10T12:00:00.000Z",
            "updatedAt": "2026-03-12T09:30:00.000Z",
        }
    ],
    "pagination": {"total": 18, "limit": 25, "hasMore": False, "nextCursor": None},
}

CREATE_REQUEST = {
    "name": "Platinum Card - Email Hero",
    "offerId": "off_001",
    "channelId": "ch_email",
    "templateType": "email_html",
    "content": {"subject": "Your exclusive upgrade awaits", "body": "<html>...</html>"},
    "personalization": [{"key": "first_name", "source": "customer.first_name"}],
    "weight": 100,
}

UPDATE_REQUEST = {"id": "cre_abc123", "status": "active", "weight": 80}

DELETE_RESPONSE = {"success": True, "id": "cre_abc123"}

# "Role requirements" table.
ROLES = {"GET": "viewer", "POST": "editor", "PUT": "editor", "DELETE": "editor"}

# Create defaults stated in the request-body table.
CREATE_DEFAULTS = {
    "placementId": None,
    "status": "draft",
    "templateType": "email_html",
    "weight": 100,
}

# Fields whose example values are generated per row, not contract values.
GENERATED = {"id", "tenantId", "offerId", "channelId", "createdAt", "updatedAt"}

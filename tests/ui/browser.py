"""Helpers for the Playwright tests."""

from __future__ import annotations

import re
from typing import Any


def log_in(page: Any, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))

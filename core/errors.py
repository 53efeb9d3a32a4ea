"""Domain errors raised by services; the API turns them into the error envelope."""

from __future__ import annotations

from typing import Any


class NudgeError(Exception):
    status = 400
    code = "BAD_REQUEST"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidInput(NudgeError):
    status = 400
    code = "BAD_REQUEST"


class NotFound(NudgeError):
    status = 404
    code = "NOT_FOUND"


class Conflict(NudgeError):
    status = 409
    code = "CONFLICT"


class PermissionDenied(NudgeError):
    status = 403
    code = "FORBIDDEN"

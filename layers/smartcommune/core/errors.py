"""Domain errors. Each carries a message a person can act on, in Vietnamese first and English too.

The API maps these classes to HTTP statuses in one place (``smartcommune.core.api.dispatch``); domain code
never thinks in status codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one input field."""

    field: str
    message: str
    message_en: str


class SmartCommuneError(Exception):
    """Base of every error the platform explains to its caller."""

    code = "error"

    def __init__(self, message: str, message_en: str, *, details: list[FieldProblem] | None = None) -> None:
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en
        self.details = details or []

    def to_dict(self) -> dict[str, Any]:
        """The JSON body the API sends for this error."""
        body: dict[str, Any] = {"code": self.code, "message": self.message, "message_en": self.message_en}
        if self.details:
            body["details"] = [
                {"field": p.field, "message": p.message, "message_en": p.message_en} for p in self.details
            ]
        return {"error": body}


class InvalidInputError(SmartCommuneError):
    """The input breaks a rule; nothing was written."""

    code = "invalid_input"


class NotFoundError(SmartCommuneError):
    code = "not_found"


class ConflictError(SmartCommuneError):
    """The record changed under the caller, or the action is not allowed in its current state."""

    code = "conflict"


class UnauthenticatedError(SmartCommuneError):
    code = "unauthenticated"


class ForbiddenError(SmartCommuneError):
    code = "forbidden"


class RateLimitedError(SmartCommuneError):
    """Too many attempts; ``retry_after_s`` tells when to try again."""

    code = "rate_limited"

    def __init__(self, message: str, message_en: str, *, retry_after_s: int) -> None:
        super().__init__(message, message_en)
        self.retry_after_s = retry_after_s

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["error"]["retry_after_s"] = self.retry_after_s
        return body

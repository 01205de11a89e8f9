"""Domain exceptions raised by services; views and socket handlers translate them."""

from __future__ import annotations


class DomainError(Exception):
    """Base for errors a person can cause; `message` is safe to show, `code` is stable for clients."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}

    def as_ack(self) -> dict:
        """Return the Socket.IO error ack for this error (its `details`, such as `retry_after`, ride along)."""
        return {"ok": False, "error": {**self.details, "code": self.code, "message": str(self.message)}}


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class Invalid(DomainError):
    code = "invalid"
    status = 400


class Conflict(DomainError):
    code = "conflict"
    status = 409


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429

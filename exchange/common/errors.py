"""Domain exceptions raised by services; views and socket handlers translate them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


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
    """Input a person must correct; `errors` lists every problem found, each as (field or None, message).

    A check that finds one problem raises `Invalid(message, field=...)`; a use case that checks several fields
    gathers them with `Problems` and raises them together (`Invalid.many`), so a form shows all its errors at once.
    `message` and `field` are the first problem's.
    """

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, details: dict | None = None,
                 errors: Iterable[tuple[str | None, str]] | None = None):
        super().__init__(message, field=field, details=details)
        self.errors: list[tuple[str | None, str]] = list(errors) if errors else [(field, message)]

    @classmethod
    def many(cls, errors: Iterable[tuple[str | None, str]], *, details: dict | None = None) -> Invalid:
        """Return one error carrying several problems (the first is its `message` and `field`)."""
        errors = list(errors)
        field, message = errors[0]
        return cls(message, field=field, details=details, errors=errors)

    def as_ack(self) -> dict:
        ack = super().as_ack()
        if len(self.errors) > 1:
            ack["error"]["errors"] = [{"field": f, "message": str(m)} for f, m in self.errors]
        return ack


class Problems:
    """Run several checks, keep every `Invalid` they raise, and raise them together at the end.

        problems = Problems()
        title = problems.check(clean_title, data.title)          # None when it failed
        zone = problems.check(check_zone, data.timezone, default="UTC")
        problems.raise_any()                                       # Invalid.many(...) if anything failed

    `details` of the first failed check that has some (for example the choices of an ambiguous time) ride along.
    """

    def __init__(self) -> None:
        self.errors: list[tuple[str | None, str]] = []
        self.details: dict = {}

    def check(self, fn: Callable[..., T], *args: Any, default: Any = None, **kwargs: Any) -> T:
        """Return `fn(*args, **kwargs)`, or `default` after noting the problems it raised."""
        try:
            return fn(*args, **kwargs)
        except Invalid as exc:
            self.add(exc)
            return default

    def add(self, exc: Invalid) -> None:
        """Note the problems of an error already caught."""
        self.errors.extend(exc.errors)
        if exc.details and not self.details:
            self.details = exc.details

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_any(self) -> None:
        """Raise every problem noted so far as one `Invalid` (nothing when there is none)."""
        if self.errors:
            raise Invalid.many(self.errors, details=self.details)


class Conflict(DomainError):
    code = "conflict"
    status = 409


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429

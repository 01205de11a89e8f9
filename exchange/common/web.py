"""Small helpers shared by HTTP views: turning domain errors into form messages, safe redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash

from .errors import DomainError


def form_error(form, error: DomainError) -> int:
    """Attach a service error to its form field (or the whole form) and return the HTTP status.

    An error that names several fields (`details["errors"]`: {field: message}) is attached to each of them, so the
    person sees every problem at once, next to its field.
    """
    named = error.details.get("errors") if isinstance(error.details.get("errors"), dict) else None
    for name, message in (named or {error.field: error.message}).items():
        field = getattr(form, name, None) if name else None
        if field is not None:
            field.errors = [*field.errors, str(message)] if isinstance(field.errors, list) else [str(message)]
        else:
            flash(str(message), "error")
    return error.status


def safe_next(target: str | None, default: str) -> str:
    """Return `target` when it is a path on this site, else `default` (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target

"""Small helpers shared by HTTP views: turning domain errors into form messages, safe redirects, numbers from
addresses and forms that the database can hold."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash
from werkzeug.routing import IntegerConverter

from .errors import DomainError

# Numbers people send are bounded before any query sees them: SQLite stops at a signed 64-bit integer
# (OverflowError beyond), PostgreSQL's INTEGER columns (every id) at a signed 32-bit one (a DataError even in a
# lookup: `WHERE id = %(pk)s::INTEGER`).
ID_MAX = 2**31 - 1
PAGE_MAX = 1_000_000


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in every route (the app factory puts it in place of Werkzeug's): a whole number from 0 to ID_MAX,
    the largest id an INTEGER column holds; anything larger names no row and is no address at all (404), never a
    500. A route whose number is not an id gives its own `max=` (`<int(max=…):n>`)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min=min, max=ID_MAX if max is None else max, signed=signed)


def optional_id(value) -> int | None:
    """Return a form or query-string value naming a row as its id (a whole number from 0 to ID_MAX), or None when
    it is not one: an id no column can hold names nothing."""
    text = str(value if value is not None else "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10 or int(text) > ID_MAX:
        return None
    return int(text)


def record_id(value) -> int:
    """Read the id of a row chosen in a form (`coerce=record_id` on a SelectField or SelectMultipleField), else
    raise ValueError, which the field reports as its own error ("Not a valid choice")."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= ID_MAX:
        return value
    number = optional_id(value)
    if number is None:
        raise ValueError(f"{value!r} is not an id")
    return number


def page_number(value) -> int:
    """Read a page number from a query string (`request.args.get("page", 1, type=page_number)`): 1 to PAGE_MAX,
    else ValueError, so the default is used."""
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= PAGE_MAX:
        raise ValueError(f"{text!r} is not a page number")
    return int(text)


def form_error(form, error: DomainError) -> int:
    """Attach a service error to its form field (or the whole form) and return the HTTP status."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)] if isinstance(field.errors, list) else [str(error.message)]
    else:
        flash(str(error.message), "error")
    return error.status


def safe_next(target: str | None, default: str) -> str:
    """Return `target` when it is a path on this site, else `default` (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target

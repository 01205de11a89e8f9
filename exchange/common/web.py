"""Small helpers shared by HTTP views: turning domain errors into form messages, the confirmation step of a
destructive action, safe redirects, numbers from addresses and forms that the database can hold."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter
from wtforms import TextAreaField
from wtforms.validators import Length

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
    """Attach a service error to its form fields (or the whole form) and return the HTTP status.

    An `Invalid` may carry several problems (`errors`): each goes onto its field, so the page shows them all; a
    problem without a field (or naming one the form lacks) is flashed.
    """
    for name, message in getattr(error, "errors", None) or [(error.field, error.message)]:
        field = getattr(form, name, None) if name else None
        if field is not None:
            errors = field.errors if isinstance(field.errors, list) else []
            if str(message) not in errors:  # two checks of one value (an exchange's zone and its session's) say it once
                field.errors = [*errors, str(message)]
        else:
            flash(str(message), "error")
    return error.status


class Required:
    """Marks a form field required (`field()` in templates/_macros.html says "(required)" and sets `required` and
    `aria-required`) without checking it: the service checks it, so its problem is reported with all the others."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        return None


# -- the confirmation step of a destructive action ------------------------------------------------------------
#
# One way for every action that destroys or cannot be undone (cancel a registration, a session, an exchange, a
# peer request; remove a speaker; withdraw from the program; close a live room): its button is a link (GET) to the
# action's own URL, which shows templates/confirm.html: what will happen, a Confirm button (POST with CSRF and
# `confirm=1`) and a way back. The view acts only on that confirmed POST; a POST without `confirm=1` (a one-click
# form anywhere) shows the same page and changes nothing. No JavaScript is needed.

class ConfirmForm(FlaskForm):
    """The confirmation form: its CSRF token (the template adds `confirm=1`). Subclasses add fields."""


class ReasonConfirmForm(ConfirmForm):
    """A confirmation with an optional reason that goes into the emails (cancelling a session or an exchange)."""

    reason = TextAreaField(_l("Reason (sent to everyone concerned)"), validators=[Length(max=1000)])


def confirmed(form: ConfirmForm) -> bool:
    """Whether this request is the confirmed POST of a destructive action (`confirm=1`, CSRF and fields valid).

    A GET, and a POST without `confirm=1`, answer False without judging the form: the view shows `confirm_page`.
    """
    return request.method == "POST" and request.form.get("confirm") == "1" and form.validate_on_submit()


def confirm_page(form: ConfirmForm, *, title: str, consequences: list[str], confirm_label: str, back: str,
                 back_label: str | None = None, status: int | None = None):
    """Render the one confirmation page: `title` asks, `consequences` say what will happen, `confirm_label` is the
    button that acts (a POST to the current URL), `back` the address that changes nothing. 400 when the form was
    refused (a reason too long), else 200."""
    page = render_template("confirm.html", form=form, title=title, consequences=consequences,
                           confirm_label=confirm_label, back=back, back_label=back_label, action=request.path)
    return page, status or (400 if form.errors else 200)


def safe_next(target: str | None, default: str) -> str:
    """Return `target` when it is a path on this site, else `default` (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target

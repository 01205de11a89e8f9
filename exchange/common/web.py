"""Small helpers shared by HTTP views: turning domain errors into form messages, the confirmation step of a
destructive action, safe redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from .errors import DomainError


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

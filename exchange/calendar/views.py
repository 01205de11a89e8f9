"""Calendar feeds and downloads (.ics), and the feed token on the profile page."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from . import services

bp = Blueprint("calendar", __name__)


def _ics(body: bytes, filename: str, *, download: bool = False, private: bool = False) -> Response:
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'{"attachment" if download else "inline"}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, max-age=300" if private else "public, max-age=300"
    if private:
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.route("/calendar/public.ics")
def public_feed():
    """Serve the public program: every published public exchange."""
    return _ics(services.public_feed(), "peer-exchange.ics")


@bp.route("/calendar/<token>.ics")
def personal_feed(token: str):
    """Serve a person's private feed; the token in the address is the only key (calendar apps send no cookie)."""
    digest, body = services.personal_feed_with_digest(token)
    response = _ics(body, "my-sessions.ics", private=True)
    # Weak: the same events make the same digest, but another process (or a render after eviction) writes
    # another DTSTAMP. Calendar programs that send If-None-Match get a 304 while nothing changed.
    response.set_etag(digest, weak=True)
    return response.make_conditional(request)


@bp.route("/exchanges/<int:exchange_id>/calendar.ics")
def exchange_calendar(exchange_id: int):
    """Download one exchange's sessions (METHOD:PUBLISH)."""
    exchange, body = services.exchange_calendar(exchange_id, actor=current_user)
    return _ics(body, f"exchange-{exchange.id}.ics", download=True, private=exchange.visibility != "public")


@bp.route("/calendar/token", methods=["POST"])
@login_required
def regenerate_token():
    """Give the signed-in person a new feed address; the old one stops working."""
    services.regenerate_calendar_token(current_user, actor=current_user)
    flash(_("Your calendar feed has a new address. Subscribe again with it; the old address no longer works."),
          "success")
    return redirect(url_for("accounts.profile") + "#calendar-feed")


@bp.app_template_global()
def calendar_links(session=None, feed_url: str | None = None, name: str | None = None) -> dict:
    """Return the "add to calendar" links for a session, or the subscribe links for a feed address."""
    return services.calendar_links(session=session, feed_url=feed_url, name=name)


@bp.app_template_global()
def calendar_feed_url(user) -> str | None:
    """Return `user`'s private feed address (None before one exists)."""
    return services.personal_feed_url(user)

"""The reader's language and zone, and the template helpers every page may use.

Shared by the app factory (Babel's selectors, `register_template_helpers`) and the feature views (`viewer_zone`),
so that no feature imports the factory. A feature's own template helpers stay in its views (`app_template_*`).
"""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from . import i18n, permissions, timefmt
from .time import is_zone, zone_label, zone_name

# A visitor's zone (no account): her choice on the zone page, or what her browser said (static/js/zone.js).
ZONE_COOKIE = "tz"
ZONE_COOKIE_MAX_AGE = 365 * 24 * 3600


def select_locale() -> str:
    """Return the language to speak: the account's, then the session's choice, then the browser's (Babel's selector)."""
    languages = list(current_app.config["LANGUAGES"])
    if not has_request_context():  # command line, background jobs: English unless forced
        return "en"
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or "en"


def known_zone() -> str | None:
    """Return the reader's own zone when it is known: the signed-in reader's profile zone, else a visitor's `tz`
    cookie when it names a zone (`time.is_zone`, which accepts old aliases too); None when nobody said."""
    if not has_request_context():
        return None
    if current_user and current_user.is_authenticated:
        return current_user.timezone or "UTC"
    cookie = request.cookies.get(ZONE_COOKIE, "")
    return cookie if is_zone(cookie) else None


def select_timezone() -> str:
    """Return the reader's zone (`known_zone`), else UTC (Babel's selector)."""
    return known_zone() or "UTC"


def viewer_zone() -> str:
    """Return the zone the current reader sees times in."""
    return select_timezone()


def zone_known() -> bool:
    """Tell whether times are in the reader's own zone; when not, pages say they are in UTC (and the exchange's
    zone) and offer the zone page, and `static/js/zone.js` asks the browser."""
    return known_zone() is not None


def register_template_helpers(app: Flask) -> None:
    """Add the app-wide template globals and filters: `can`, `localtime`, `translated`, `number`, ..."""

    @app.template_global()
    def can(action: str, obj=None) -> bool:
        return permissions.can(current_user, action, obj)

    # Times, always through `timefmt` (one way of writing a time): `x|localtime` a moment with its zone named
    # (`named=False` where a caption names it once), `x|localdate` a day, `x|localday` a day heading.
    @app.template_filter("localtime")
    def localtime(value, zone: str | None = None, named: bool = True):
        return timefmt.stamp(value, zone or viewer_zone(), str(get_locale() or "en"), named=named)

    @app.template_filter("localdate")
    def localdate(value, zone: str | None = None):
        return timefmt.date(value, zone or viewer_zone(), str(get_locale() or "en")) if value is not None else ""

    @app.template_filter("localday")
    def localday(value, zone: str | None = None, short: bool = False):
        return timefmt.day(value, zone or viewer_zone(), str(get_locale() or "en"), short=short) if value is not None else ""

    @app.template_filter("localclock")
    def localclock(value, zone: str | None = None):
        return timefmt.clock(value, zone or viewer_zone(), str(get_locale() or "en")) if value is not None else ""

    @app.template_filter("weekday_time")
    def weekday_time(value, zone: str | None = None):
        return timefmt.weekday_time(value, zone or viewer_zone(), str(get_locale() or "en"))

    # `name|translated`: reference data stored in English (focus areas, topics, countries) in the reader's language.
    app.add_template_filter(i18n.translated, "translated")
    app.add_template_filter(i18n.format_number, "number")
    app.add_template_filter(i18n.sorted_by_name, "sorted_by_name")
    app.jinja_env.globals.update(clock_hour12=timefmt.twelve_hour, zone_label=zone_label, zone_name=zone_name, get_locale=get_locale, viewer_zone=viewer_zone,
                                 zone_known=zone_known,
                                 language_labels=i18n.language_labels, js_catalog=i18n.js_catalog)

"""Links that put an event or a feed into web calendars: Google, Outlook.com and webcal:// (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

from .builders import EventData, clean_text

GOOGLE_EVENT = "https://calendar.google.com/calendar/render"
OUTLOOK_EVENT = "https://outlook.live.com/calendar/0/deeplink/compose"
OUTLOOK_SUBSCRIBE = "https://outlook.live.com/calendar/0/addfromweb"
# Google and Outlook cut long texts in the address; a short description with the link is kept whole.
MAX_DETAILS = 900


def _utc(value: datetime, fmt: str) -> str:
    return value.astimezone(UTC).strftime(fmt)


def _details(data: EventData) -> str:
    text = clean_text(data.description)
    if len(text) <= MAX_DETAILS:
        return text
    return text[:MAX_DETAILS].rstrip() + "…\n" + data.url


def google_event_url(data: EventData) -> str:
    """Return Google Calendar's "add event" address (times in UTC, shown in the event's zone)."""
    query = {
        "action": "TEMPLATE",
        "text": clean_text(data.summary),
        "dates": f"{_utc(data.start, '%Y%m%dT%H%M%SZ')}/{_utc(data.end, '%Y%m%dT%H%M%SZ')}",
        "details": _details(data),
        "location": clean_text(data.location or data.url),
    }
    if data.zone != "UTC":
        query["ctz"] = data.zone
    return f"{GOOGLE_EVENT}?{urlencode(query)}"


def outlook_event_url(data: EventData) -> str:
    """Return Outlook.com's "add event" address (ISO 8601 times in UTC)."""
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": clean_text(data.summary),
        "startdt": _utc(data.start, "%Y-%m-%dT%H:%M:%SZ"),
        "enddt": _utc(data.end, "%Y-%m-%dT%H:%M:%SZ"),
        "body": _details(data),
        "location": clean_text(data.location or data.url),
    }
    return f"{OUTLOOK_EVENT}?{urlencode(query)}"


def webcal_url(url: str) -> str:
    """Return the webcal:// form of an http(s) feed address: calendar programs offer to subscribe."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"not a web address: {url!r}")
    return urlunsplit(("webcal", *parts[1:]))


def google_subscribe_url(feed_url: str) -> str:
    """Return Google Calendar's "add by URL" address for a feed."""
    return f"{GOOGLE_EVENT}?{urlencode({'cid': webcal_url(feed_url)})}"


def outlook_subscribe_url(feed_url: str, name: str) -> str:
    """Return Outlook.com's "subscribe from web" address for a feed."""
    return f"{OUTLOOK_SUBSCRIBE}?{urlencode({'url': feed_url, 'name': clean_text(name)})}"

"""Helpers for exchange tests: calendar parts of emails, local wall times (fixtures: tests/conftest.py)."""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar


def calendar_of(message) -> Calendar | None:
    """Return the parsed text/calendar part of an email, or None."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return Calendar.from_ical(part.get_content())
    return None


def event_of(message):
    calendar = calendar_of(message)
    assert calendar is not None, "no calendar part"
    return next(iter(calendar.walk("VEVENT")))


def local(text: str) -> datetime:
    """Return a naive wall time from 'YYYY-MM-DD HH:MM'."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M")

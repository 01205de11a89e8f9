"""How session times read for people in different zones, who they fall outside waking hours for, and whether
an exchange is over."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..common import timefmt
from ..common.time import get_zone, utcnow, zone_city

WAKING_START = 7 * 60  # a session before 07:00 or after 22:00 local is flagged to organizers
WAKING_END = 22 * 60


def _tz(zone: str):
    return get_zone(zone or "UTC")


def city_times(starts_at: datetime, ends_at: datetime, places: list[tuple[str, str]], locale: str = "en") -> list[str]:
    """Return "Lagos Mon 15:00–16:00" for each (name, zone), one per distinct name, west to east."""
    seen: set[str] = set()
    lines = []
    for name, zone in sorted(places, key=lambda p: (starts_at.astimezone(_tz(p[1])).utcoffset(), p[0])):
        if name in seen:
            continue
        seen.add(name)
        lines.append(f"{name} {timefmt.weekday_time(starts_at, zone, locale)}–{timefmt.clock(ends_at, zone, locale)}")
    return lines


def outside_waking_hours(starts_at: datetime, ends_at: datetime, zone: str) -> bool:
    """Tell whether any part of the session falls outside 07:00–22:00 in `zone`."""
    tz = _tz(zone)
    start = starts_at.astimezone(tz)
    end = ends_at.astimezone(tz)
    if end.date() != start.date():
        return True  # crosses local midnight, so it covers 22:00–24:00 or 00:00 onwards
    return start.hour * 60 + start.minute < WAKING_START or end.hour * 60 + end.minute > WAKING_END


@dataclass
class HoursWarning:
    session_title: str
    person: str
    role: str
    local: str  # the session's local time for that person


def hours_warnings(sessions, people_at: Callable[[Any], list[tuple[str, str, str]]],
                   locale: str = "en") -> list[HoursWarning]:
    """Return a warning for each (session, person at it) where the session falls outside 07:00–22:00 for them.

    `people_at(session)` gives (name, zone, role) of that session's people: its own speakers and the registrants.
    """
    found = []
    for session in sessions:
        if session.status != "scheduled":
            continue
        for name, zone, role in people_at(session):
            if outside_waking_hours(session.starts_at, session.ends_at, zone):
                found.append(HoursWarning(session.title, name, role,
                                          timefmt.span(session.starts_at, session.ends_at, zone, locale)))
    return found


@dataclass
class HoursHint:
    session_title: str
    local: str  # "02:00–03:00" on the reader's clock
    city: str  # the city that names the reader's zone


def hours_hints(sessions, zone: str, locale: str = "en") -> list[HoursHint]:
    """Return, for a reader in `zone`, each upcoming scheduled session that falls outside 07:00–22:00 for them
    (shown on the exchange page before they register)."""
    now = utcnow()
    return [HoursHint(s.title, f"{timefmt.clock(s.starts_at, zone, locale)}–{timefmt.clock(s.ends_at, zone, locale)}",
                      zone_city(zone, locale))
            for s in sessions
            if s.status == "scheduled" and s.ends_at > now and outside_waking_hours(s.starts_at, s.ends_at, zone)]


def is_past(exchange) -> bool:
    """Tell whether every session of the exchange has ended (an exchange without sessions is not past)."""
    return bool(exchange.sessions) and all(s.ends_at <= utcnow() for s in exchange.sessions)

"""Calendar invites for one person and one session (the hook exchange services call).

`invite_part` is the single entry point the exchange use cases use to attach a calendar file to an
email: METHOD:REQUEST for an invite or update (same UID, SEQUENCE from the session), METHOD:CANCEL for a
cancellation. The calendar feature owns how the file is built.
"""

from __future__ import annotations

from typing import Literal

from flask import current_app, url_for
from icalendar import Calendar, Event, vCalAddress, vText

from ..common.time import get_zone, utcnow
from ..mail.services import CalendarPart

PRODID = "-//Peer Exchange//Democratic Innovation in World Megacities//EN"


def _attendee(email: str, name: str, role: str, partstat: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(name)
    address.params["ROLE"] = vText(role)
    address.params["PARTSTAT"] = vText(partstat)
    address.params["RSVP"] = vText("FALSE")
    return address


def build_event(session, *, method: str, attendee=None, role: str = "REQ-PARTICIPANT") -> Event:
    """Return the VEVENT for `session` (times in the session's zone, with TZID)."""
    exchange = session.exchange
    zone = get_zone(session.timezone) if session.timezone != "UTC" else None
    event = Event()
    event.add("uid", session.ical_uid)
    event.add("sequence", session.ical_sequence)
    event.add("dtstamp", utcnow())
    event.add("dtstart", session.starts_at.astimezone(zone) if zone else session.starts_at)
    event.add("dtend", session.ends_at.astimezone(zone) if zone else session.ends_at)
    event.add("summary", session.title if session.title == exchange.title else f"{exchange.title}: {session.title}")
    join = current_app.config["PUBLIC_URL"] + url_for("exchanges.detail", exchange_id=exchange.id) \
        if "exchanges.detail" in current_app.view_functions else current_app.config["PUBLIC_URL"] + "/"
    event.add("url", join)
    event.add("location", join)
    event.add("description", (session.description or exchange.description or "") + f"\n\n{join}")
    cancelled = method == "CANCEL" or session.status == "cancelled" or exchange.status == "cancelled"
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer = vCalAddress("mailto:" + current_app.config["MAIL_DEFAULT_SENDER"].rpartition("<")[2].rstrip(">"))
    organizer.params["CN"] = vText("Peer Exchange")
    event.add("organizer", organizer)
    if attendee is not None:
        event.add("attendee", _attendee(attendee.email, attendee.name, role,
                                        "DECLINED" if cancelled else "ACCEPTED"))
    focus = [area.name for area in exchange.focus_areas]
    if focus:
        event.add("categories", focus)
    return event


def invite_part(session, recipient, *, method: Literal["REQUEST", "CANCEL"] = "REQUEST",
                role: str = "REQ-PARTICIPANT") -> CalendarPart:
    """Build the calendar part of an invite (REQUEST) or cancellation (CANCEL) for one recipient."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add("calscale", "GREGORIAN")
    calendar.add_component(build_event(session, method=method, attendee=recipient, role=role))
    calendar.add_missing_timezones()
    return CalendarPart(ics=calendar.to_ical(), method=method)

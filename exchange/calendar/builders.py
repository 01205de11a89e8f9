"""iCalendar builders: pure functions from plain event data to RFC 5545 text (no app, no database).

Times carry the IANA zone as TZID plus a VTIMEZONE of our own making. icalendar's generated VTIMEZONE
lists every transition from 1970 to 2038 as RDATEs: large, and Outlook reads only RRULE-based rules.
Ours describes just the years around the events: one STANDARD and one DAYLIGHT component with a yearly
RRULE when the zone follows one rule there (the form Outlook, Google and Apple write themselves), else
one component per transition. Either way every instant in the window resolves to the offset zoneinfo
gives, which the tests check with ical.js (Thunderbird's parser) and vobject (Radicale's).
"""

from __future__ import annotations

import calendar as _calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vDuration,
    vText,
)

PRODID = "-//Peer Exchange//Democratic Innovation in World Megacities//EN"
METHODS = ("REQUEST", "CANCEL", "PUBLISH")
STATUSES = ("CONFIRMED", "TENTATIVE", "CANCELLED")
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Person:
    """An ORGANIZER or ATTENDEE: address, display name and, for attendees, role and participation."""

    email: str
    name: str = ""
    role: str = "REQ-PARTICIPANT"
    partstat: str = "ACCEPTED"


@dataclass(frozen=True)
class EventData:
    """Everything one VEVENT says; times are aware, `zone` an IANA name or "UTC"."""

    uid: str
    sequence: int
    start: datetime
    end: datetime
    zone: str
    summary: str
    description: str = ""
    url: str = ""
    location: str = ""
    status: str = "CONFIRMED"
    categories: tuple[str, ...] = ()
    organizer: Person | None = None
    attendees: tuple[Person, ...] = ()
    last_modified: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)


def clean_text(value: str | None) -> str:
    """Return text safe for a TEXT value: CRLF/CR become LF, other control characters go."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def clean_param(value: str | None) -> str:
    """Return a parameter value (a CN) every client reads alike: one line, no double quotes.

    icalendar would encode a double quote as ^' (RFC 6868), which Thunderbird and Apple decode but
    Outlook and vobject show literally; an apostrophe reads the same everywhere.
    """
    return " ".join(clean_text(value).replace('"', "'").split())


def _address(person: Person, *, attendee: bool) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["CN"] = vText(clean_param(person.name))
    if attendee:
        address.params["CUTYPE"] = vText("INDIVIDUAL")
        address.params["ROLE"] = vText(person.role)
        address.params["PARTSTAT"] = vText(person.partstat)
        # Replies are not processed: say so to clients so they do not offer to send one.
        address.params["RSVP"] = vText("FALSE")
    return address


def _zoned(value: datetime, zone: str) -> datetime:
    """Return `value` as wall-clock time in `zone`, or in UTC when that wall-clock time is ambiguous.

    In the hour repeated when clocks go back, RFC 5545 means the first occurrence but ical.js (and
    so Thunderbird) takes the second: only a UTC time is read alike by everyone there.
    """
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a calendar builder")
    if zone == "UTC":
        return value.astimezone(UTC)
    local = value.astimezone(ZoneInfo(zone))
    if local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset():
        return value.astimezone(UTC)
    return local


def build_event(data: EventData, *, stamp: datetime) -> Event:
    """Return the VEVENT for `data`; `stamp` (aware) becomes DTSTAMP."""
    if data.status not in STATUSES:
        raise ValueError(f"unknown STATUS {data.status!r}")
    event = Event()
    event.add("uid", data.uid)
    event.add("sequence", data.sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", _zoned(data.start, data.zone))
    event.add("dtend", _zoned(data.end, data.zone))
    if data.last_modified is not None:
        event.add("last-modified", data.last_modified.astimezone(UTC))
    event.add("summary", clean_text(data.summary))
    if data.description:
        event.add("description", clean_text(data.description))
    if data.location:
        event.add("location", clean_text(data.location))
    if data.url:
        event.add("url", data.url)
    event.add("status", data.status)
    event.add("transp", "TRANSPARENT" if data.status == "CANCELLED" else "OPAQUE")
    if data.categories:
        event.add("categories", [clean_param(c) for c in data.categories])
    if data.organizer is not None:
        event.add("organizer", _address(data.organizer, attendee=False))
    for person in data.attendees:
        event.add("attendee", _address(person, attendee=True))
    for name, value in data.extra.items():
        event.add(name, value)
    return event


# -- VTIMEZONE ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Transition:
    """A change of UTC offset: the instant (UTC), the offsets before and after, and the new name."""

    at: datetime
    before: timedelta
    after: timedelta
    name: str
    daylight: bool

    @property
    def local(self) -> datetime:
        """The wall-clock time of the change as clocks showed it just before (RFC 5545 DTSTART)."""
        return (self.at + self.before).replace(tzinfo=None)


def _state(tz: ZoneInfo, at: datetime) -> timedelta:
    return at.astimezone(tz).utcoffset()


def transitions(zone: str, start: datetime, end: datetime) -> list[Transition]:
    """Return the offset changes of `zone` between two aware instants, found from zoneinfo."""
    tz = ZoneInfo(zone)
    found: list[Transition] = []
    step = timedelta(hours=12)
    left = start.astimezone(UTC)
    offset = _state(tz, left)
    while left < end:
        right = min(left + step, end)
        new = _state(tz, right)
        if new != offset:
            # Bisect on whole seconds (zone changes happen on them): offset(low) is old, offset(high) new.
            low, high = int(left.timestamp()), int(right.timestamp())
            while high - low > 1:
                middle = (low + high) // 2
                if _state(tz, datetime.fromtimestamp(middle, UTC)) == offset:
                    low = middle
                else:
                    high = middle
            changed_at = datetime.fromtimestamp(high, UTC)
            local_after = changed_at.astimezone(tz)
            local_before = datetime.fromtimestamp(low, UTC).astimezone(tz)
            dst_after, dst_before = local_after.dst() or timedelta(0), local_before.dst() or timedelta(0)
            # Ireland's winter time is a negative "daylight" offset: judge by either side.
            daylight = dst_after > timedelta(0) or dst_before < timedelta(0)
            found.append(Transition(at=changed_at, before=offset, after=new,
                                    name=local_after.tzname() or "", daylight=daylight))
            offset = new
        left = right
    return found


def _ordinal(day: datetime) -> int:
    """Return n for "the nth weekday of the month" (1-4), or -1 when it is also the last one."""
    if day.day + 7 > _calendar.monthrange(day.year, day.month)[1]:
        return -1
    return (day.day - 1) // 7 + 1


def _nth_weekday(year: int, month: int, weekday: int, ordinal: int) -> int:
    days = _calendar.monthrange(year, month)[1]
    if ordinal == -1:
        last = datetime(year, month, days)
        return days - ((last.weekday() - weekday) % 7)
    first = datetime(year, month, 1)
    return 1 + (weekday - first.weekday()) % 7 + 7 * (ordinal - 1)


@dataclass(frozen=True)
class _Rule:
    """One yearly change: the nth (or last, -1) weekday of a month at a wall-clock time."""

    month: int
    weekday: int
    ordinal: int
    at: dt_time
    before: timedelta
    after: timedelta
    name: str
    daylight: bool

    def local(self, year: int) -> datetime:
        return datetime.combine(datetime(year, self.month, _nth_weekday(year, self.month, self.weekday, self.ordinal)).date(),
                                self.at)

    def instant(self, year: int) -> datetime:
        return (self.local(year) - self.before).replace(tzinfo=UTC)

    def rrule(self) -> dict:
        return {"freq": "yearly", "bymonth": self.month, "byday": f"{self.ordinal}{_WEEKDAYS[self.weekday]}"}


@dataclass(frozen=True)
class _Observance:
    daylight: bool
    dtstart: datetime  # wall-clock time before the change (naive)
    before: timedelta
    after: timedelta
    name: str
    rule: _Rule | None = None


def _yearly_rule(group: list[Transition], start: datetime, end: datetime) -> _Rule | None:
    """Return the rule for `group` if one yearly "nth weekday" rule yields exactly those changes."""
    first = group[0]
    if len({(t.local.month, t.local.weekday(), t.local.time()) for t in group}) != 1:
        return None
    ordinals = {_ordinal(t.local) for t in group}
    if len(ordinals) == 1:
        ordinal = ordinals.pop()
    elif ordinals == {4, -1}:  # a "4th weekday" that is sometimes also the month's last
        ordinal = 4
    else:
        return None
    rule = _Rule(first.local.month, first.local.weekday(), ordinal, first.local.time(), first.before, first.after,
                 first.name, first.daylight)
    expected = [rule.instant(y) for y in range(start.year - 1, end.year + 2) if start <= rule.instant(y) < end]
    return rule if expected == [t.at for t in group] else None


def _rules_hold(rules: list[_Rule], tz: ZoneInfo, year: int) -> bool:
    """Tell whether zoneinfo agrees with `rules` all through `year` (each change, and weekly samples)."""
    for rule in rules:
        at = rule.instant(year)
        if _state(tz, at - timedelta(seconds=1)) != rule.before or _state(tz, at) != rule.after:
            return False
    changes = sorted((rule.instant(y), rule.after) for rule in rules for y in (year - 1, year))
    sample = datetime(year, 1, 1, tzinfo=UTC)
    while sample.year == year:
        expected = [after for at, after in changes if at <= sample]
        if not expected or _state(tz, sample) != expected[-1]:
            return False
        sample += timedelta(days=7)
    return True


def _last_change_before(tz: ZoneInfo, zone: str, moment: datetime) -> Transition | None:
    """Return the last offset change before `moment` (searched back to 1970), or None."""
    offset, probe = _state(tz, moment), moment
    while probe.year >= 1970:
        earlier = probe - timedelta(days=30)
        if _state(tz, earlier) != offset:
            return transitions(zone, earlier, probe)[-1]
        probe = earlier
    return None


@lru_cache(maxsize=512)
def _observances(zone: str, first_year: int, last_year: int) -> tuple[_Observance, ...]:
    """Return the observances of `zone` for events in first_year..last_year (cached: tzdata is fixed)."""
    tz = ZoneInfo(zone)
    start, end = datetime(first_year - 1, 1, 1, tzinfo=UTC), datetime(last_year + 2, 1, 1, tzinfo=UTC)
    first_event = datetime(first_year, 1, 1, tzinfo=UTC)
    changes = transitions(zone, start, end)
    groups: dict[tuple, list[Transition]] = {}
    for change in changes:
        groups.setdefault((change.daylight, change.before, change.after, change.name), []).append(change)
    rules = [_yearly_rule(group, start, end) for group in groups.values()]
    if changes and len(rules) == 2 and all(rules):
        # Reach back as long as the same rules held (to 1970 at most): the VTIMEZONE then reads like the
        # ones clients write, and vobject, which compares zones over 2000-2020, does not mistake a
        # GMT-based zone such as Europe/London for UTC and drop it.
        year = first_year
        while year > 1970 and _rules_hold(rules, tz, year - 1):
            year -= 1
        if all(rule.instant(year) <= first_event for rule in rules):
            return tuple(_Observance(r.daylight, r.local(year), r.before, r.after, r.name, r)
                         for r in sorted(rules, key=lambda r: r.instant(year)))
    if not changes:
        offset = _state(tz, start)
        opening = start.astimezone(tz)
        last = _last_change_before(tz, zone, start)
        if last is None:
            return (_Observance(bool(opening.dst()), datetime(1970, 1, 1), offset, offset, opening.tzname() or ""),)
        return (_Observance(last.daylight, last.local, last.before, last.after, last.name),)
    # No single yearly rule: the offset at the start, then each change around the events.
    opening = start.astimezone(tz)
    offset = opening.utcoffset()
    observances = [_Observance((opening.dst() or timedelta(0)) > timedelta(0), (start + offset).replace(tzinfo=None),
                               offset, offset, opening.tzname() or "")]
    observances += [_Observance(c.daylight, c.local, c.before, c.after, c.name) for c in changes]
    return tuple(observances)


def build_timezone(zone: str, instants: Iterable[datetime]) -> Timezone:
    """Return a compact VTIMEZONE for `zone` that is right for every instant given (and a year around)."""
    moments = [m.astimezone(UTC) for m in instants]
    if not moments:
        raise ValueError("build_timezone needs at least one instant")
    timezone = Timezone()
    timezone.add("tzid", zone)
    timezone.add("x-lic-location", zone)
    for item in _observances(zone, min(moments).year, max(moments).year):
        component = TimezoneDaylight() if item.daylight else TimezoneStandard()
        component.add("dtstart", item.dtstart)
        if item.rule is not None:
            component.add("rrule", item.rule.rrule())
        component.add("tzoffsetfrom", item.before)
        component.add("tzoffsetto", item.after)
        if item.name:
            component.add("tzname", item.name)
        timezone.add_component(component)
    return timezone


# -- whole calendars ----------------------------------------------------------------------------------

def build_calendar(events: Sequence[EventData], *, method: str, stamp: datetime, name: str | None = None,
                   refresh: timedelta | None = None) -> Calendar:
    """Return a VCALENDAR with `method`, one VEVENT per item and one VTIMEZONE per zone used."""
    if method not in METHODS:
        raise ValueError(f"unknown METHOD {method!r}")
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if name:
        # icalendar writes NAME and X-WR-CALNAME unescaped: a newline in a title would break the file.
        one_line = " ".join(clean_text(name).split())
        cal.add("name", one_line)
        cal.add("x-wr-calname", one_line)
    if refresh is not None:
        cal.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(refresh))  # an X- property is text unless given its type
    zones: dict[str, list[datetime]] = {}
    for data in events:
        if data.zone != "UTC":
            zones.setdefault(data.zone, []).extend((data.start, data.end))
    for zone, instants in sorted(zones.items()):
        cal.add_component(build_timezone(zone, instants))
    for data in events:
        cal.add_component(build_event(data, stamp=stamp))
    return cal


def to_ics(cal: Calendar) -> bytes:
    """Serialise a calendar (CRLF line ends, folded at 75 octets)."""
    return cal.to_ical()

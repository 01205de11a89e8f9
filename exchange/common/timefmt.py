"""How a time is written, everywhere: pages, emails, exports, the CLI and (through `js_options`) the live room.

One module, a few named styles, all built from the reader's locale data (Babel/CLDR) and always in the reader's
zone. Never seconds, never a numeric day or month ("12/3/26" reads as 12 March in Lagos), month and weekday names
in the reader's language:

- `span(start, end, zone)`  a session: "Fri, Dec 4, 2026, 1:45 AM–3:15 AM (Lagos, UTC+1)"; `length="full"` writes
  the weekday and month in full (reminder emails).
- `stamp(value, zone)`     a moment (a deadline, when something was sent): "Fri, Dec 4, 2026, 1:45 AM (Lagos, UTC+1)";
  `named=False` leaves the zone out where a table's caption names it once.
- `day(value)`             a day heading (the agenda): "Friday, December 11, 2026"; `short=True` a grid's
  column (the assistant): "Fri, Dec 11".
- `date(value, zone)`      a day without a time (an expiry): "Jan 3, 2027".
- `weekday_time(value, zone)` a time in a week (the city times beside a session): "Fri 1:45 AM".
- `clock(value, zone)`     a time of day alone: "1:45 AM" / "01:45"; the live room's script writes the same with
  `Intl.DateTimeFormat` and `twelve_hour()`.

The hour follows the locale (12-hour in English, 24-hour in Spanish, Portuguese and French); the zone is named by
its city in the reader's language and its offset (`time.zone_label`).
"""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time

from .i18n import current_locale
from .time import get_zone, zone_label

DAY = "yMMMEd"  # weekday, day, abbreviated month and year, in the locale's order
DAY_FULL = "full"
WEEKDAY = "E"


def _locale(locale: str | None) -> str:
    return locale or current_locale()


def _glue(locale: str, date_text: str, time_text: str) -> str:
    """Join a date and a time the way the locale does ("{1}, {0}" in English, "{1} {0}" in French)."""
    pattern = str(Locale.parse(locale).datetime_formats.get("medium", "{1}, {0}"))
    return pattern.replace("{1}", date_text).replace("{0}", time_text)


def _local(value: datetime, zone: str | None) -> datetime:
    return value.astimezone(get_zone(zone or "UTC"))


def clock(value: datetime, zone: str | None, locale: str | None = None) -> str:
    """A time of day in the locale's short form: "1:45 AM" (en), "1:45" (es), "01:45" (pt, fr)."""
    return format_time(_local(value, zone), "short", locale=_locale(locale))


def weekday_time(value: datetime, zone: str | None, locale: str | None = None) -> str:
    """A weekday and a time: "Fri 1:45 AM" (en), "vie 1:45" (es)."""
    locale = _locale(locale)
    local = _local(value, zone)
    weekday = format_skeleton(WEEKDAY, local, locale=locale).rstrip(",")
    return f"{weekday} {format_time(local, 'short', locale=locale)}"


def date(value: datetime | Date, zone: str | None = None, locale: str | None = None) -> str:
    """A day without a time, month by name: "Jan 3, 2027" (en), "3 ene 2027" (es)."""
    if isinstance(value, datetime):
        value = _local(value, zone).date()
    return format_date(value, "medium", locale=_locale(locale))


def day(value: datetime | Date, zone: str | None = None, locale: str | None = None, *, short: bool = False) -> str:
    """A day heading, in full: "Friday, December 11, 2026" (en), "viernes, 11 de diciembre de 2026" (es);
    `short` for a column of a week's grid: "Fri, Dec 11" (en), "vie, 11 dic" (es)."""
    if isinstance(value, datetime):
        value = _local(value, zone).date()
    if short:
        return format_skeleton("MMMEd", value, locale=_locale(locale))
    return format_date(value, DAY_FULL, locale=_locale(locale))


def stamp(value: datetime | None, zone: str | None, locale: str | None = None, *, named: bool = True) -> str:
    """A moment: "Fri, Dec 4, 2026, 1:45 AM (Lagos, UTC+1)"; `named=False` leaves out the zone."""
    if value is None:
        return ""
    locale = _locale(locale)
    local = _local(value, zone)
    text = _glue(locale, format_skeleton(DAY, local, locale=locale), format_time(local, "short", locale=locale))
    return f"{text} ({zone_label(zone or 'UTC', value, locale)})" if named else text


def span(starts_at: datetime, ends_at: datetime, zone: str | None, locale: str | None = None, *,
         length: str = "short") -> str:
    """A session from start to end for a reader in `zone`, with the zone's city and offset.

    `short` (pages, notices, errors): "Mon, Mar 1, 2027, 9:00 AM–10:00 AM (Chicago, UTC−6)". `full` (reminder
    emails): "Tuesday, March 10, 2026, 9:00 AM–10:00 AM (New York, UTC−4)". The end repeats the date only when it
    falls on another day.
    """
    if length not in ("short", "full"):
        raise ValueError(f"a span is short or full, not {length!r}")
    locale = _locale(locale)
    zone = zone or "UTC"
    start, end = _local(starts_at, zone), _local(ends_at, zone)
    write_day = (lambda d: format_skeleton(DAY, d, locale=locale)) if length == "short" else (
        lambda d: format_date(d, DAY_FULL, locale=locale))
    if end.date() == start.date():
        hours = f"{format_time(start, 'short', locale=locale)}–{format_time(end, 'short', locale=locale)}"
        text = _glue(locale, write_day(start), hours)
    else:
        text = (f"{_glue(locale, write_day(start), format_time(start, 'short', locale=locale))} – "
                f"{_glue(locale, write_day(end), format_time(end, 'short', locale=locale))}")
    return f"{text} ({zone_label(zone, starts_at, locale)})"


def twelve_hour(locale: str | None = None) -> bool:
    """Tell whether the locale writes the time of day on a 12-hour clock (English) or a 24-hour one.

    The live room's script writes times with `Intl.DateTimeFormat(locale, {hour: "numeric", minute: "2-digit",
    hour12})` from this, so a time reads the same in the room as on the page around it.
    """
    return "a" in str(Locale.parse(_locale(locale)).time_formats["short"].pattern)

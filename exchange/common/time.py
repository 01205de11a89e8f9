"""UTC storage and time-zone helpers: every datetime in Python is aware, the database holds UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import get_timezone_location
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

from .errors import Invalid
from .i18n import current_locale, sort_key

# The years a time people enter may fall in: a program is planned for this century, and year 1 or 9999 in a
# far zone would overflow when converted to UTC.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A DateTime column that only accepts aware datetimes and always returns aware UTC ones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a zone first")
        value = value.astimezone(UTC)
        # SQLite has no zone type: store naive UTC there, aware elsewhere.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Return the IANA zone names people can choose, sorted."""
    names = {n for n in available_timezones() if "/" in n and not n.startswith(("Etc/", "SystemV/", "posix/", "right/"))}
    names.add("UTC")
    return tuple(sorted(names))


def is_zone(name: str | None) -> bool:
    """Tell whether `name` is a known IANA zone name."""
    return bool(name) and name in set(zone_names())


def get_zone(name: str) -> ZoneInfo:
    """Return the ZoneInfo for an IANA name, or raise Invalid with a clear message."""
    if not is_zone(name):
        raise Invalid(_l("Unknown time zone “%(zone)s”. Choose a zone such as America/New_York or Africa/Lagos.", zone=name or ""), field="timezone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - guarded by is_zone
        raise Invalid(_l("Unknown time zone “%(zone)s”.", zone=name), field="timezone") from exc


def check_year(value: date, *, field: str) -> None:
    """Raise Invalid on `field` when the date (or datetime) falls outside EARLIEST_YEAR..LATEST_YEAR."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise Invalid(_l("Choose a date between %(first)d and %(last)d.", first=EARLIEST_YEAR, last=LATEST_YEAR),
                      field=field, details={"reason": "out_of_range"})


def local_to_utc(local: datetime, zone: str, *, fold: int | None = None) -> datetime:
    """Convert a wall-clock time in `zone` to UTC.

    Raise Invalid when its year is outside EARLIEST_YEAR..LATEST_YEAR, when that wall time does not exist (spring-forward gap), and when it is ambiguous
    (fall-back) unless `fold` says which of the two is meant (0 = the first, 1 = the second).
    """
    tz = get_zone(zone)
    naive = local.replace(tzinfo=None)
    check_year(naive, field="start")  # year 1 or 9999 would overflow on the way to UTC
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    round_trip = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if round_trip != naive:
        raise Invalid(
            _l("%(time)s does not exist in %(zone)s: the clocks skip that hour for daylight saving. Choose another time.",
               time=naive.strftime("%Y-%m-%d %H:%M"), zone=zone),
            field="start",
            details={"reason": "nonexistent"},
        )
    if first.utcoffset() != second.utcoffset():
        if fold is None:
            raise Invalid(
                _l("%(time)s happens twice in %(zone)s when the clocks go back. Say which one you mean.",
                   time=naive.strftime("%Y-%m-%d %H:%M"), zone=zone),
                field="start",
                details={"reason": "ambiguous", "choices": [first.astimezone(UTC).isoformat(), second.astimezone(UTC).isoformat()]},
            )
        return (second if fold else first).astimezone(UTC)
    return first.astimezone(UTC)


def to_zone(value: datetime, zone: str) -> datetime:
    """Return `value` (aware) expressed in `zone`."""
    return value.astimezone(get_zone(zone) if zone != "UTC" else UTC)


@lru_cache(maxsize=4096)
def zone_city(zone: str, locale: str = "en") -> str:
    """Return the city that names a zone, in `locale` ("America/Sao_Paulo" -> "São Paulo"; "Asia/Shanghai" -> "Xangai" in pt)."""
    if zone == "UTC":
        return "UTC"
    try:
        city = get_timezone_location(ZoneInfo(zone), locale=locale, return_city=True)
    except (LookupError, ValueError, ZoneInfoNotFoundError):
        city = ""
    if not city or "/" in city:  # CLDR has no name for this zone: its IANA city, readable
        city = zone.rsplit("/", 1)[-1].replace("_", " ")
    return city


def zone_name(zone: str, locale: str | None = None) -> str:
    """Return a zone's city in the reader's language with its IANA name ("Nova York (America/New_York)"), no offset."""
    city = zone_city(zone, locale or current_locale())
    return city if city == zone else f"{city} ({zone})"


def zone_label(zone: str, at: datetime | None = None, locale: str | None = None) -> str:
    """Return a readable label for a zone at a moment, in the reader's language: its city and UTC offset."""
    locale = locale or current_locale()
    tz = ZoneInfo(zone)
    at = at or utcnow()
    offset = at.astimezone(tz).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, mins = divmod(abs(minutes), 60)
    if zone == "UTC":
        return "UTC"  # Babel has no city for it ("Unknown Region (UTC) Time")
    return f"{zone_city(zone, locale)}, UTC{sign}{hours}" + (f":{mins:02d}" if mins else "")


# The regions of the zone picker, in the order it lists them (the first part of a canonical IANA name).
ZONE_REGIONS = {
    "Africa": _l("Africa"), "America": _l("America"), "Antarctica": _l("Antarctica"), "Arctic": _l("Arctic"),
    "Asia": _l("Asia"), "Atlantic": _l("Atlantic Ocean"), "Australia": _l("Australia"), "Europe": _l("Europe"),
    "Indian": _l("Indian Ocean"), "Pacific": _l("Pacific Ocean"),
}


@lru_cache(maxsize=1)
def canonical_zone_names() -> tuple[str, ...]:
    """Return the zones the picker offers: UTC and the canonical IANA names (no old or legacy aliases such as
    `US/Eastern` or `Asia/Calcutta`: CLDR's alias table names them). `is_zone` still accepts every alias."""
    aliases = get_global("zone_aliases")
    return tuple(z for z in zone_names() if z == "UTC" or (z not in aliases and z.split("/", 1)[0] in ZONE_REGIONS))


@lru_cache(maxsize=16)
def zone_choices(locale: str = "en") -> tuple[tuple[str | None, tuple[tuple[str, str], ...]], ...]:
    """Return the zone picker's groups: (None, UTC) first, then (region, ((IANA name, "Country — City"), ...)) for
    each region of `ZONE_REGIONS` in its order, each region's zones sorted by label in `locale`. The region is its
    key in `ZONE_REGIONS` (the caller writes its label in the reader's language)."""
    try:
        territories = Locale.parse(locale).territories
    except (ValueError, TypeError, UnknownLocaleError):
        territories = Locale("en").territories
    zone_territory = get_global("zone_territories")
    labelled = []
    for zone in canonical_zone_names():
        if zone == "UTC":
            continue
        code = zone_territory.get(zone)
        country = territories.get(code) if code and code != "001" else None
        city = zone_city(zone, locale)
        labelled.append((zone, f"{country} — {city}" if country else city))
    counts: dict[str, int] = {}
    for _zone, label in labelled:
        counts[label] = counts.get(label, 0) + 1
    labelled = [(zone, f"{label} ({zone})" if counts[label] > 1 else label) for zone, label in labelled]
    groups = []
    for region in ZONE_REGIONS:
        zones = sorted(((z, label) for z, label in labelled if z.split("/", 1)[0] == region),
                       key=lambda pair: (sort_key(pair[1]), pair[0]))
        if zones:
            groups.append((region, tuple(zones)))
    return ((None, (("UTC", "UTC"),)), *groups)

"""Our files read by parsers that real clients use (ical.js = Thunderbird, vobject = Radicale) land on
the instants we stored, in zones with and without daylight saving, north and south, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from ical_tools import iso, vobject_events, vobject_zone

from exchange.calendar import builders
from exchange.calendar.builders import EventData
from exchange.calendar.services import exchange_calendar, invite_part

# zone -> first local start of a weekly series; five weeks from there cross the zone's DST change, if any.
SERIES = {
    "America/New_York": datetime(2027, 3, 2, 9, 0),      # U.S. spring forward on 14 March
    "America/Sao_Paulo": datetime(2027, 3, 2, 10, 0),    # no DST since 2019 (but New York's moves under it)
    "Europe/London": datetime(2027, 10, 19, 14, 0),      # back to GMT on 31 October
    "Africa/Lagos": datetime(2027, 3, 16, 15, 0),        # no DST
    "Asia/Jakarta": datetime(2027, 3, 16, 20, 0),        # no DST
    "Australia/Sydney": datetime(2027, 3, 23, 8, 0),     # southern autumn: DST ends on 4 April
    "Asia/Kolkata": datetime(2027, 3, 16, 18, 30),       # +05:30, no DST
    "Australia/Lord_Howe": datetime(2027, 9, 21, 7, 0),  # half-hour DST starting 3 October
    "Europe/Dublin": datetime(2027, 3, 16, 12, 0),       # "negative DST" in tzdata
    "Africa/Casablanca": datetime(2027, 1, 26, 11, 0),   # Ramadan changes (+00 from February): no yearly rule
    "America/Santiago": datetime(2027, 3, 23, 9, 0),     # southern DST, ends early April
    "Asia/Kathmandu": datetime(2027, 3, 16, 9, 0),       # +05:45
}
DST_ZONES = {"America/New_York", "Europe/London", "Australia/Sydney", "Australia/Lord_Howe", "Europe/Dublin",
             "America/Santiago", "Africa/Casablanca"}
WEEKS = 5


@pytest.fixture
def series(zoned_exchange):
    """One exchange per zone with five weekly sessions at the same local time."""
    return {zone: zoned_exchange(zone, [first + timedelta(weeks=w) for w in range(WEEKS)], title=f"Weekly {zone}")
            for zone, first in SERIES.items()}


def _probes(zone: str, around: list[datetime]) -> list[tuple[str, str, str]]:
    """Daily wall-clock times from a month before to a month after `around` (skipping gaps and repeats)."""
    tz = ZoneInfo(zone)
    probes = []
    day = min(around).astimezone(tz).date() - timedelta(days=30)
    last = max(around).astimezone(tz).date() + timedelta(days=30)
    while day <= last:
        for hour, minute in ((0, 30), (9, 0), (23, 30)):
            local = datetime(day.year, day.month, day.day, hour, minute)
            first, second = local.replace(tzinfo=tz, fold=0), local.replace(tzinfo=tz, fold=1)
            if first.utcoffset() != second.utcoffset():
                continue  # repeated or skipped hour: no single answer to compare
            if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local:
                continue
            probes.append((zone, local.isoformat(), iso(first)))
        day += timedelta(days=1)
    return probes


def test_weekly_series_cross_a_dst_change_where_the_zone_has_one(series):
    for zone, exchange in series.items():
        offsets = {s.starts_at.astimezone(ZoneInfo(zone)).utcoffset() for s in exchange.sessions}
        assert (len(offsets) == 2) == (zone in DST_ZONES), zone


def test_every_parser_lands_each_session_on_our_instant(series, icaljs):
    docs, expected = [], []
    for zone, exchange in series.items():
        _exchange, ics = exchange_calendar(exchange.id, actor=None)
        sessions = exchange.sessions
        probes = _probes(zone, [s.starts_at for s in sessions])
        docs.append((ics, [(tz, local) for tz, local, _utc in probes]))
        expected.append((zone, sessions, [utc for *_x, utc in probes], ics))
    results = icaljs.read_many(docs)
    for (zone, sessions, probe_utc, ics), seen in zip(expected, results, strict=True):
        ours = [(s.ical_uid, iso(s.starts_at), iso(s.ends_at)) for s in sessions]
        assert [(e["uid"], e["start"], e["end"]) for e in seen["events"]] == ours, f"ical.js in {zone}"
        assert {e["tzid"] for e in seen["events"]} == {zone}, "times must carry the zone, not UTC"
        assert seen["probes"] == probe_utc, f"ical.js reads the VTIMEZONE of {zone} wrong"
        read = vobject_events(ics)
        assert [(e["uid"], e["start"], e["end"]) for e in read] == ours, f"vobject in {zone}"
        assert {e["tz"] for e in read} == {"_tzicalvtz"}, "vobject must use our VTIMEZONE, not its own zones"
        tzinfo = vobject_zone(ics, zone)
        for _tz, local, utc in _probes(zone, [s.starts_at for s in sessions]):
            assert iso(datetime.fromisoformat(local).replace(tzinfo=tzinfo)) == utc, f"vobject {zone} {local}"


def test_emailed_invites_land_on_the_same_instants(series, icaljs, make_user):
    person = make_user(name="Adaeze Okafor")
    parts = [(zone, s, invite_part(s, person)) for zone, exchange in series.items() for s in exchange.sessions]
    results = icaljs.read_many([(part.ics, []) for _z, _s, part in parts])
    for (zone, session, part), seen in zip(parts, results, strict=True):
        assert seen["method"] == "REQUEST"
        assert (seen["events"][0]["start"], seen["events"][0]["end"]) == (iso(session.starts_at), iso(session.ends_at)), zone
        assert vobject_events(part.ics)[0]["start"] == iso(session.starts_at), zone


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/London", "Australia/Sydney", "Europe/Dublin",
                                  "Australia/Lord_Howe", "America/Santiago"])
def test_zones_with_one_yearly_rule_get_one_standard_and_one_daylight_rrule(zone):
    # The form Outlook understands: it ignores RDATE lists and reads one rule per observance.
    ics = builders.build_timezone(zone, [datetime(2027, 6, 1, tzinfo=UTC)]).to_ical().decode()
    assert ics.count("BEGIN:STANDARD") == 1 and ics.count("BEGIN:DAYLIGHT") == 1
    assert ics.count("RRULE:FREQ=YEARLY") == 2 and "RDATE" not in ics
    assert len(ics) < 700


@pytest.mark.parametrize("zone", ["America/Sao_Paulo", "Africa/Lagos", "Asia/Jakarta", "Asia/Kolkata", "Asia/Kathmandu"])
def test_zones_without_dst_get_a_single_observance(zone):
    ics = builders.build_timezone(zone, [datetime(2027, 6, 1, tzinfo=UTC)]).to_ical().decode()
    assert ics.count("BEGIN:STANDARD") + ics.count("BEGIN:DAYLIGHT") == 1
    assert "RRULE" not in ics and "RDATE" not in ics


def test_a_zone_without_a_yearly_rule_lists_only_the_changes_around_the_events():
    ics = builders.build_timezone("Africa/Casablanca", [datetime(2027, 3, 1, tzinfo=UTC)]).to_ical().decode()
    assert "RRULE" not in ics
    assert ics.count("BEGIN:STANDARD") + ics.count("BEGIN:DAYLIGHT") <= 8  # a few years, not 1970-2038


def test_icaljs_really_reads_our_vtimezone(icaljs):
    # If ical.js used a built-in zone, a wrong VTIMEZONE would not move the event; it must.
    start = datetime(2027, 7, 6, 13, 0, tzinfo=UTC)  # 09:00 EDT
    data = EventData(uid="probe@test", sequence=0, start=start, end=start + timedelta(hours=1),
                     zone="America/New_York", summary="Probe")
    ics = builders.to_ics(builders.build_calendar([data], method="PUBLISH", stamp=start))
    assert icaljs.read(ics)["events"][0]["start"] == "2027-07-06T13:00:00Z"
    tampered = ics.replace(b"TZOFFSETTO:-0400", b"TZOFFSETTO:-0300")
    assert icaljs.read(tampered)["events"][0]["start"] == "2027-07-06T12:00:00Z"


@pytest.mark.parametrize("fold", [0, 1])
def test_a_session_in_the_repeated_hour_is_read_as_the_right_one(icaljs, fold):
    # 01:30 happens twice in New York on 7 November 2027; ical.js picks the second, RFC 5545 the first.
    start = datetime(2027, 11, 7, 1, 30, fold=fold, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)
    data = EventData(uid="fold@test", sequence=0, start=start, end=start + timedelta(minutes=30),
                     zone="America/New_York", summary="Night owls")
    ics = builders.to_ics(builders.build_calendar([data], method="PUBLISH", stamp=start))
    assert icaljs.read(ics)["events"][0]["start"] == iso(start)
    assert vobject_events(ics)[0]["start"] == iso(start)


def test_utc_sessions_are_written_in_utc_without_a_vtimezone(icaljs):
    start = datetime(2027, 5, 4, 12, 0, tzinfo=UTC)
    data = EventData(uid="utc@test", sequence=0, start=start, end=start + timedelta(hours=1), zone="UTC", summary="UTC")
    ics = builders.to_ics(builders.build_calendar([data], method="PUBLISH", stamp=start))
    assert b"VTIMEZONE" not in ics and b"DTSTART:20270504T120000Z" in ics
    assert icaljs.read(ics)["events"][0]["start"] == "2027-05-04T12:00:00Z"

"""Calendar test tools: independent parsers (ical.js via node, vobject), a calendar-store simulator,
an SMTP sink, and helpers to read emailed calendar parts."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import vobject

JS = Path(__file__).parent / "js"


# -- ical.js (Thunderbird's parser) -------------------------------------------------------------------

class IcalJs:
    """Run tests/calendar/js/read_ics.mjs: what Mozilla's ical.js makes of our files."""

    def __init__(self):
        assert shutil.which("node") and shutil.which("npm"), "node and npm are needed for the ical.js checks"
        if not (JS / "node_modules" / "ical.js").exists():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JS, check=True, timeout=300,  # noqa: S603, S607
                           capture_output=True)

    def read(self, ics: bytes | str, probes: list[tuple[str, str]] = ()) -> dict:
        return self.read_many([(ics, probes)])[0]

    def read_many(self, docs: list[tuple[bytes | str, list[tuple[str, str]]]]) -> list[dict]:
        payload = [{"ics": ics.decode("utf-8") if isinstance(ics, bytes) else ics,
                    "probes": [{"tzid": tzid, "local": local} for tzid, local in probes]} for ics, probes in docs]
        result = subprocess.run(["node", str(JS / "read_ics.mjs")], input=json.dumps(payload), text=True,  # noqa: S603, S607
                                capture_output=True, cwd=JS, timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)


def iso(value: datetime) -> str:
    """Return an aware instant as the ISO string read_ics.mjs prints (UTC, seconds, Z)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- vobject (Radicale's parser) ------------------------------------------------------------------------

def vobject_events(ics: bytes | str) -> list[dict]:
    """Return each VEVENT as vobject reads it, instants in UTC (vobject builds zones from our VTIMEZONEs)."""
    cal = vobject.readOne(ics.decode("utf-8") if isinstance(ics, bytes) else ics)
    events = []
    for vevent in cal.contents.get("vevent", []):
        start, end = vevent.dtstart.value, vevent.dtend.value
        events.append({
            "uid": vevent.uid.value, "sequence": int(vevent.sequence.value) if hasattr(vevent, "sequence") else None,
            "start": iso(start), "end": iso(end),
            "tz": type(start.tzinfo).__name__,
            "summary": vevent.summary.value,
            "description": vevent.description.value if hasattr(vevent, "description") else None,
            "location": vevent.location.value if hasattr(vevent, "location") else None,
            "status": vevent.status.value if hasattr(vevent, "status") else None,
            "attendees": [(a.value, a.params) for a in vevent.contents.get("attendee", [])],
        })
    return events


def vobject_zone(ics: bytes | str, tzid: str):
    """Return the tzinfo vobject builds from the file's VTIMEZONE `tzid`."""
    cal = vobject.readOne(ics.decode("utf-8") if isinstance(ics, bytes) else ics)
    for vtz in cal.contents.get("vtimezone", []):
        if vtz.tzid.value == tzid:
            return vtz.gettzinfo()
    raise AssertionError(f"no VTIMEZONE {tzid}")


# -- a calendar store, as clients apply iTIP messages ------------------------------------------------

@dataclass
class StoredEvent:
    uid: str
    sequence: int
    dtstamp: str
    start: str
    end: str
    summary: str
    status: str


@dataclass
class CalendarStore:
    """Apply REQUEST / CANCEL / PUBLISH by UID and SEQUENCE the way calendar clients do (RFC 5546 §2.1.5)."""

    events: dict[str, StoredEvent] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def apply(self, parsed: dict) -> None:
        """Apply one calendar as read by ical.js (read_ics.mjs output)."""
        method = parsed["method"]
        for ev in parsed["events"]:
            known = self.events.get(ev["uid"])
            sequence = ev["sequence"] or 0
            if known and (sequence, ev["dtstamp"]) < (known.sequence, known.dtstamp):
                self.ignored.append(ev["uid"])  # an older message arriving late changes nothing
                continue
            if method == "CANCEL":
                self.events.pop(ev["uid"], None)
            elif method in ("REQUEST", "PUBLISH"):
                self.events[ev["uid"]] = StoredEvent(ev["uid"], sequence, ev["dtstamp"], ev["start"], ev["end"],
                                                     ev["summary"], ev["status"])
            else:
                raise AssertionError(f"unexpected METHOD {method}")


# -- a real SMTP server on loopback ------------------------------------------------------------------

def ics_of(message) -> tuple[bytes, str, bytes]:
    """Return (inline text/calendar body, its method parameter, the invite.ics attachment) of an email."""
    inline = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    attachment = next(p for p in message.iter_attachments() if p.get_filename() == "invite.ics")
    # Text parts travel with CRLF line ends but read back with either: compare them in the iCalendar form.
    text = inline.get_content().replace("\r\n", "\n").replace("\n", "\r\n")
    return text.encode("utf-8"), inline.get_param("method"), attachment.get_content()

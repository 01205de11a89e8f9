// Read iCalendar files with Mozilla's ical.js (Thunderbird's parser) and print what a client sees, as JSON.
// Input on stdin: [{"ics": "<text>", "probes": [{"tzid": "America/New_York", "local": "2026-03-08T09:00:00"}]}]
// Output: one entry per input with the calendar's METHOD, its events (UTC instants as ISO strings) and
// the UTC instant of each probe (a wall-clock time converted with the file's own VTIMEZONE).
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const inputs = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const iso = (time) => new Date(time.toUnixTime() * 1000).toISOString().replace(".000Z", "Z");
const params = (prop) => (prop ? { value: prop.getFirstValue(), ...prop.toJSON()[1] } : null);

const out = inputs.map(({ ics, probes = [] }) => {
  const cal = new ICAL.Component(ICAL.parse(ics));
  const zones = {};
  for (const vtz of cal.getAllSubcomponents("vtimezone")) {
    const zone = new ICAL.Timezone(vtz);
    zones[zone.tzid] = zone;
  }
  const events = cal.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    return {
      uid: event.uid,
      sequence: event.sequence,
      status: vevent.getFirstPropertyValue("status"),
      start: iso(event.startDate),
      end: iso(event.endDate),
      tzid: event.startDate.zone ? event.startDate.zone.tzid : null,
      summary: event.summary,
      description: event.description,
      location: event.location,
      url: vevent.getFirstPropertyValue("url"),
      dtstamp: iso(vevent.getFirstPropertyValue("dtstamp")),
      categories: vevent.getAllProperties("categories").flatMap((p) => p.getValues()),
      organizer: params(vevent.getFirstProperty("organizer")),
      attendees: vevent.getAllProperties("attendee").map(params),
    };
  });
  const probed = probes.map(({ tzid, local }) => {
    const time = ICAL.Time.fromDateTimeString(local);
    time.zone = zones[tzid];
    if (!time.zone) throw new Error(`no VTIMEZONE ${tzid}`);
    return iso(time);
  });
  return { method: cal.getFirstPropertyValue("method"), events, probes: probed };
});
process.stdout.write(JSON.stringify(out));

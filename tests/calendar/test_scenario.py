"""Done when: registering, rescheduling and cancelling leave three emails whose attachments, opened in
sequence by a calendar client, create, move and remove one event at the right local time; the personal
feed shows the same.

Each step is the exchange service a person or an organizer uses (register, update the session, cancel it); their
notices carry the calendar parts (`exchanges/notify.py` -> `calendar.invites.invite_part`). Each email is delivered
before the next step, as days pass between them.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ical_tools import ics_of, iso

from exchange.exchanges.registrations import RegistrationAnswers, register
from exchange.exchanges.services import SessionData, cancel_session, update_session

MEXICO = ZoneInfo("America/Mexico_City")


def _local(instant: str) -> str:
    return datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(MEXICO).strftime("%Y-%m-%d %H:%M")


def test_register_reschedule_cancel_create_move_and_remove_one_event(db, client, zoned_exchange, make_user, outbox,
                                                                      smtp_server, icaljs, store):
    # A webinar scheduled in New York, 09:00 on Tuesday 9 March 2027 (EST) — 08:00 in Mexico City.
    exchange = zoned_exchange("America/New_York", [datetime(2027, 3, 9, 9, 0)], title="Participatory budgeting")
    session = exchange.sessions[0]
    lucia = make_user(name="Lucía Hernández", email="lucia@example.org", timezone="America/Mexico_City",
                      language="es")

    # 1. She registers.
    register(exchange, actor=lucia, answers=RegistrationAnswers())
    delivered = outbox.deliver()
    feed_1 = client.get(f"/calendar/{lucia.calendar_token}.ics").data

    # 2. The organizer moves it a week later, past the U.S. change to daylight time: 09:00 EDT = 07:00 Mexico City.
    organizer = exchange.created_by
    update_session(session, actor=organizer, data=SessionData(
        title=session.title, starts_local=datetime(2027, 3, 16, 9, 0), ends_local=datetime(2027, 3, 16, 10, 0),
        timezone="America/New_York"))
    delivered += outbox.deliver()
    feed_2 = client.get(f"/calendar/{lucia.calendar_token}.ics").data

    # 3. The organizer cancels it.
    cancel_session(session, actor=organizer)
    delivered += outbox.deliver()
    feed_3 = client.get(f"/calendar/{lucia.calendar_token}.ics").data

    # Three emails in the outbox, delivered through a real SMTP server.
    assert [r.kind for r in outbox.rows() if r.to_addr == "lucia@example.org"] == [
        "exchange_registered", "exchange_session_changed", "exchange_session_cancelled"]
    assert delivered == 3
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["lucia@example.org"]] * 3
    files = [ics_of(message) for message in smtp_server.messages]
    assert [method for _inline, method, _attached in files] == ["REQUEST", "REQUEST", "CANCEL"]
    assert all(inline == attached for inline, _m, attached in files)
    first, second, third = icaljs.read_many([(attached, []) for _i, _m, attached in files])

    store.apply(first)
    assert list(store.events) == [session.ical_uid]
    created = store.events[session.ical_uid]
    assert _local(created.start) == "2027-03-09 08:00" and _local(created.end) == "2027-03-09 09:00"

    store.apply(second)
    assert list(store.events) == [session.ical_uid], "the update replaces the event, not a second one"
    moved = store.events[session.ical_uid]
    assert moved.sequence == 1
    assert _local(moved.start) == "2027-03-16 07:00" and moved.start == iso(session.starts_at)

    store.apply(third)
    assert store.events == {}, "the cancellation removes it"
    assert third["events"][0]["status"] == "CANCELLED" and third["events"][0]["sequence"] == 2

    # The bodies speak her language's dates and her zone.
    bodies = [m.get_body(preferencelist=("plain",)).get_content() for m in smtp_server.messages]
    assert "mar, 9 mar 2027, 8:00–9:00 (Ciudad de México, UTC−6)" in bodies[0]
    assert "mar, 16 mar 2027, 7:00–8:00 (Ciudad de México, UTC−6)" in bodies[1]
    assert all(f"http://localhost/exchanges/{exchange.id}" in body for body in bodies)

    # The personal feed tells the same story at each step.
    feeds = icaljs.read_many([(feed_1, []), (feed_2, []), (feed_3, [])])
    assert [[(e["uid"], _local(e["start"]), e["status"]) for e in f["events"]] for f in feeds] == [
        [(session.ical_uid, "2027-03-09 08:00", "CONFIRMED")],
        [(session.ical_uid, "2027-03-16 07:00", "CONFIRMED")],
        [(session.ical_uid, "2027-03-16 07:00", "CANCELLED")],
    ]

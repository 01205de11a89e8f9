"""Emailed invites and cancellations: what the file says, how the email is built, and how clients apply them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from ical_tools import ics_of, iso, vobject_events
from icalendar import Calendar

from exchange.calendar.invites import invite_part
from exchange.exchanges.models import ExchangeTeamMember
from exchange.exchanges.registrations import RegistrationAnswers, cancel_registration, register
from exchange.exchanges.services import SessionData, add_speaker, cancel_session, update_session
from exchange.experts.models import FocusArea
from exchange.mail.services import Recipient


@pytest.fixture
def webinar(db, zoned_exchange, make_user, add_speaker):
    """A webinar in New York with a host and a panelist, a focus area, an agenda and a description."""
    exchange = zoned_exchange("America/New_York", [datetime(2027, 3, 16, 9, 0)], title="Open data, in practice",
                              description="How cities open data.")
    exchange.focus_areas.append(FocusArea(slug="managing-information", name="Managing Information"))
    session = exchange.sessions[0]
    session.title, session.description = "Portals and 311", "1. Portals\n2. 311 feeds"
    db.session.commit()
    add_speaker(make_user(name="Marcus Reed", role="expert"), session, "panelist")
    add_speaker(make_user(name="Olivia Organizer", role="organizer"), session, "host")
    return exchange


def _event(ics: bytes):
    cal = Calendar.from_ical(ics)
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return cal, events[0]


def test_request_has_organizer_one_attendee_and_everything_a_client_shows(webinar, make_user, icaljs):
    session = webinar.sessions[0]
    person = make_user(name="Budi Santoso", email="budi@example.org")
    part = invite_part(session, person)
    cal, event = _event(part.ics)
    assert part.method == cal["METHOD"] == "REQUEST"
    assert str(event["UID"]) == session.ical_uid and event["SEQUENCE"] == 0
    assert str(event["ORGANIZER"]) == "mailto:no-reply@peer-exchange.local"
    attendees = event.get("ATTENDEE")
    assert not isinstance(attendees, list), "one ATTENDEE: the recipient only"
    assert str(attendees) == "mailto:budi@example.org"
    assert attendees.params["CN"] == "Budi Santoso"
    assert (attendees.params["ROLE"], attendees.params["PARTSTAT"], attendees.params["RSVP"]) == \
        ("REQ-PARTICIPANT", "ACCEPTED", "FALSE")
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Open data, in practice: Portals and 311"
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    seen = icaljs.read(part.ics)["events"][0]
    assert seen["start"] == iso(session.starts_at)
    assert seen["categories"] == ["Managing Information"]
    assert seen["url"] == f"http://localhost/sessions/{session.id}/room"  # the live room is where people join
    assert seen["url"] in seen["location"]
    description = seen["description"]
    for expected in ("1. Portals\n2. 311 feeds", "How cities open data.", "Olivia Organizer (host)",
                     "Marcus Reed (panelist)", f"Join: {seen['url']}", f"http://localhost/exchanges/{webinar.id}"):
        assert expected in description
    assert description.index("Olivia Organizer") < description.index("Marcus Reed"), "hosts first"


def test_dtstamp_is_the_time_of_sending(webinar, make_user):
    person = make_user()
    with time_machine.travel(datetime(2027, 1, 5, 10, 0, 7, tzinfo=UTC), tick=False):
        _cal, event = _event(invite_part(webinar.sessions[0], person).ics)
    assert event["DTSTAMP"].dt == datetime(2027, 1, 5, 10, 0, 7, tzinfo=UTC)
    assert event.to_ical().decode().count("DTSTAMP:20270105T100007Z") == 1


@pytest.mark.parametrize(("role", "ical_role"), [
    ("participant", "REQ-PARTICIPANT"), ("host", "CHAIR"), ("moderator", "CHAIR"), ("panelist", "REQ-PARTICIPANT"),
    ("OPT-PARTICIPANT", "OPT-PARTICIPANT"),
])
def test_speaker_roles_become_ical_roles(webinar, make_user, role, ical_role):
    from exchange.calendar.services import ical_role as to_ical

    _cal, event = _event(invite_part(webinar.sessions[0], make_user(), role=to_ical(role)).ics)
    assert event["ATTENDEE"].params["ROLE"] == ical_role


NASTY = [
    "Comma, semicolon; backslash \\ and\nnewline",
    "Zoë Ñúñez-Ødegård, 张伟; «Ελένη» \\ مريم",
    'Quote "the boss" O\'Neil',
    "Tab\tand\r\nCRLF and a bell\x07",
]


@pytest.mark.parametrize("text", NASTY)
def test_text_is_escaped_so_every_parser_reads_it_back(db, webinar, make_user, icaljs, text):
    session = webinar.sessions[0]
    webinar.title, session.title, session.description = text, text, text
    db.session.commit()
    person = make_user(name=text.replace("\n", " "))
    ics = invite_part(session, person).ics
    assert all(len(line) <= 75 for line in ics.split(b"\r\n")), "lines folded at 75 octets"
    clean = text.replace("\r\n", "\n").replace("\x07", "")
    seen = icaljs.read(ics)["events"][0]
    assert seen["summary"] == clean
    assert seen["description"].startswith(clean)
    cn = seen["attendees"][0]["cn"]
    read = vobject_events(ics)[0]
    assert read["summary"] == clean and read["description"].startswith(clean)
    assert read["attendees"][0][1]["CN"] == [cn], "both parsers read the same name"
    assert "\n" not in cn and '"' not in cn
    assert str(_event(ics)[1]["SUMMARY"]) == clean


def test_cancel_of_a_registration_keeps_uid_and_declines(db, webinar, make_user, icaljs):
    session = webinar.sessions[0]
    person = make_user()
    part = invite_part(session, person, method="CANCEL")
    cal, event = _event(part.ics)
    assert part.method == cal["METHOD"] == "CANCEL"
    assert str(event["UID"]) == session.ical_uid and str(event["STATUS"]) == "CANCELLED"
    assert event["ATTENDEE"].params["PARTSTAT"] == "DECLINED"
    assert icaljs.read(part.ics)["events"][0]["status"] == "CANCELLED"


def test_cancel_of_a_whole_session_keeps_the_answer(db, webinar, make_user):
    session = webinar.sessions[0]
    session.status, session.ical_sequence = "cancelled", 1
    db.session.commit()
    _cal, event = _event(invite_part(session, make_user(), method="CANCEL").ics)
    assert event["SEQUENCE"] == 1 and event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"


def test_invite_part_refuses_publish(webinar, make_user):
    with pytest.raises(ValueError, match="REQUEST or CANCEL"):
        invite_part(webinar.sessions[0], make_user(), method="PUBLISH")


def test_an_update_replaces_the_event_and_a_late_old_copy_changes_nothing(db, webinar, make_user, icaljs, store):
    session = webinar.sessions[0]
    person = make_user()
    first = invite_part(session, person).ics
    session.starts_at += timedelta(hours=2)
    session.ends_at += timedelta(hours=2)
    session.ical_sequence += 1
    db.session.commit()
    second = invite_part(session, person).ics
    one, two = icaljs.read_many([(first, []), (second, [])])
    store.apply(one)
    store.apply(two)
    assert list(store.events) == [session.ical_uid]
    assert store.events[session.ical_uid].start == iso(session.starts_at)
    store.apply(one)  # the first email read again, later
    assert store.events[session.ical_uid].start == iso(session.starts_at) and store.ignored == [session.ical_uid]


def _register(exchange, person):
    """Register `person` as people do (the exchange service): its notice carries the calendar invite."""
    return register(exchange, actor=person, answers=RegistrationAnswers())


def _moved(session, hours: int = 2) -> SessionData:
    """The session as an organizer re-enters it, `hours` later."""
    zone = ZoneInfo(session.timezone)
    start = (session.starts_at + timedelta(hours=hours)).astimezone(zone).replace(tzinfo=None)
    return SessionData(title=session.title, starts_local=start, ends_local=start + (session.ends_at - session.starts_at),
                       timezone=session.timezone, description=session.description or "")


def test_queued_invite_is_one_email_per_person_with_the_design_layout(db, webinar, make_user, outbox, smtp_server,
                                                                     icaljs):
    ana = make_user(name="Ana", email="ana@example.org", timezone="America/Sao_Paulo", language="pt")
    budi = make_user(name="Budi", email="budi@example.org", timezone="Asia/Jakarta")
    _register(webinar, ana)
    _register(webinar, budi)
    assert outbox.deliver() == 2  # after the registration window (MAIL_PERSON_WINDOW)
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["ana@example.org"], ["budi@example.org"]]
    for message, who in zip(smtp_server.messages, ("ana@example.org", "budi@example.org"), strict=True):
        assert message.get_content_type() == "multipart/mixed"
        alternative, attachment = message.get_payload()
        assert alternative.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in alternative.get_payload()] == ["text/plain", "text/html", "text/calendar"]
        inline, method, attached = ics_of(message)
        assert method == "REQUEST" and attachment.get_filename() == "invite.ics"
        assert inline == attached
        seen = icaljs.read(attached)
        assert seen["method"] == "REQUEST"
        assert [a["value"] for a in seen["events"][0]["attendees"]] == [f"mailto:{who}"]


def test_invite_email_is_in_the_recipients_zone_and_language_and_says_replies_are_not_read(db, webinar, make_user,
                                                                                          outbox):
    ana = make_user(name="Ana", email="ana@example.org", timezone="America/Sao_Paulo", language="pt")
    _register(webinar, ana)  # 09:00 in New York on 16 March 2027 = 10:00 in São Paulo
    message = outbox.last(to="ana@example.org")
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "ter., 16 de mar. de 2027 10:00–11:00 (São Paulo, UTC−3)" in text
    assert "09:00–10:00 (Nova York, UTC−4)" in text  # the exchange's own zone too, city named in Portuguese
    assert "não são lidas" in text and "não são lidas" in html  # "are not read"
    assert f"http://localhost/exchanges/{webinar.id}" in text and f'href="http://localhost/exchanges/{webinar.id}"' in html
    assert message["Subject"] == "Inscrição confirmada: Open data, in practice"


def _registered(webinar, person, outbox, make_user):
    _register(webinar, person)
    outbox.deliver()  # her invite went out: her calendar holds the event


def _promoted(webinar, person, outbox, make_user):
    webinar.capacity = 1
    first = make_user()
    _register(webinar, first)
    _register(webinar, person)  # full: she waits
    cancel_registration(webinar, actor=first)


def _speaker(webinar, person, outbox, make_user):
    person.role = "organizer"  # organizers may speak; adding oneself is accepting (a member of the team)
    webinar.team.append(ExchangeTeamMember(user=person))
    add_speaker(webinar.sessions[0], actor=person, user_id=person.id, role="panelist")


def _updated(webinar, person, outbox, make_user):
    _registered(webinar, person, outbox, make_user)
    update_session(webinar.sessions[0], actor=webinar.created_by, data=_moved(webinar.sessions[0]))


def _registration_cancelled(webinar, person, outbox, make_user):
    _registered(webinar, person, outbox, make_user)
    cancel_registration(webinar, actor=person)


def _session_cancelled(webinar, person, outbox, make_user):
    _registered(webinar, person, outbox, make_user)
    cancel_session(webinar.sessions[0], actor=webinar.created_by)


NOTICES = [  # what happened to her, the notice people get, its words, and the calendar method it carries
    (_registered, "exchange_registered", "Registered:", "You are registered for", "REQUEST"),
    (_promoted, "exchange_promoted", "A seat opened for you:", "A seat opened in", "REQUEST"),
    (_speaker, "exchange_speaker_confirmed", "You are speaking:", "as panelist", "REQUEST"),
    (_updated, "exchange_session_changed", "New time:", "has moved to a new time", "REQUEST"),
    (_registration_cancelled, "exchange_registration_cancelled", "Registration cancelled:", "is cancelled", "CANCEL"),
    (_session_cancelled, "exchange_session_cancelled", "Cancelled:", "is cancelled", "CANCEL"),
]


@pytest.mark.parametrize(("step", "kind", "subject", "phrase", "method"), NOTICES, ids=[n[1] for n in NOTICES])
def test_each_reason_has_its_own_words(db, webinar, make_user, outbox, step, kind, subject, phrase, method):
    person = make_user(email="person@example.org")
    step(webinar, person, outbox, make_user)
    message = outbox.last(to="person@example.org")
    assert outbox.rows()[-1].kind == kind
    assert message["Subject"].startswith(subject)
    assert phrase in message.get_body(preferencelist=("plain",)).get_content()
    assert ics_of(message)[1] == method


def test_reason_must_match_the_method(db, make_exchange, make_user, outbox):
    """No notice carries the other method: a cancellation's words never travel with a REQUEST, nor the reverse."""
    for step, _kind, _subject, _phrase, _method in NOTICES:
        step(make_exchange(), make_user(), outbox, make_user)
        outbox.deliver()
    methods = {kind: method for _step, kind, _subject, _phrase, method in NOTICES}
    carried = [(row.kind, ics_of(message)[1]) for row, message in zip(outbox.rows(), outbox.messages(), strict=True)
               if row.kind in methods]
    assert {kind for kind, _method in carried} == set(methods)
    assert all(method == methods[kind] for kind, method in carried), carried


def test_disabled_accounts_get_no_invite(db, webinar, make_user, outbox):
    person = make_user()
    _registered(webinar, person, outbox, make_user)
    person.disabled = True
    db.session.commit()
    before = len(outbox.rows())
    update_session(webinar.sessions[0], actor=webinar.created_by, data=_moved(webinar.sessions[0]))
    assert [r for r in outbox.rows()[before:] if r.to_addr == person.email] == []


def test_an_exchange_invite_is_one_email_per_session(db, zoned_exchange, make_user, outbox):
    conference = zoned_exchange("Africa/Lagos", [datetime(2027, 5, 4, 9, 0), datetime(2027, 5, 4, 11, 0),
                                                 datetime(2027, 5, 5, 9, 0)], kind="conference")
    conference.sessions[1].status = "cancelled"
    db.session.commit()
    person = make_user()
    _register(conference, person)
    rows = [r for r in outbox.rows() if r.to_addr == person.email]
    assert len(rows) == 2  # the cancelled session is not offered
    uids = {str(_event(ics_of(m)[2])[1]["UID"]) for m in outbox.messages(to=person.email)}
    assert uids == {conference.sessions[0].ical_uid, conference.sessions[2].ical_uid}


def test_a_mail_recipient_works_like_a_user(webinar):
    part = invite_part(webinar.sessions[0], Recipient(email="x@example.org", name="X", language="es"))
    attendee = _event(part.ics)[1]["ATTENDEE"]
    assert str(attendee) == "mailto:x@example.org" and attendee.params["CN"] == "X"

"""The right calendar message to the right person (RFC 5546): who gets a REQUEST, who a CANCEL, who words only,
and a SEQUENCE that only goes up, per person.

Each step is what people do (the organizer's pages, the speaker's emailed link, registering); what reaches a
person is applied to a calendar that keeps, per UID, the highest SEQUENCE it has seen and drops a message whose
SEQUENCE is not above it (the strictest clients do; RFC 5546 §2.1.4 wants a raised one), so "her calendar is
right" is checked, not only "some email went out".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, timedelta

import pytest
from sqlalchemy import select

from exchange.common.time import utcnow
from exchange.exchanges import registrations, services
from exchange.exchanges.models import SessionSpeaker
from exchange.exchanges.registrations import RegistrationAnswers
from tests.conftest import body_text
from tests.exchanges.conftest import calendar_of, event_of

SPEAKING = re.compile(r"http://localhost(/exchanges/speaking/[\w-]+)")


@dataclass
class StrictCalendar:
    """A calendar client: REQUEST adds or updates by UID, CANCEL removes; a SEQUENCE not above the last one seen
    for that UID is dropped (so an equal SEQUENCE after a CANCEL brings nothing back)."""

    events: dict[str, dict] = field(default_factory=dict)  # uid -> what it shows
    last: dict[str, int] = field(default_factory=dict)  # uid -> highest SEQUENCE seen
    dropped: list[str] = field(default_factory=list)

    def apply(self, message) -> None:
        calendar = calendar_of(message)
        if calendar is None:
            return
        event = event_of(message)
        uid, sequence = str(event["UID"]), int(event["SEQUENCE"])
        if uid in self.last and sequence <= self.last[uid]:
            self.dropped.append(uid)
            return
        self.last[uid] = sequence
        if str(calendar["METHOD"]) == "CANCEL":
            self.events.pop(uid, None)
        else:
            attendee = event["ATTENDEE"]
            self.events[uid] = {"status": str(event["STATUS"]), "role": attendee.params["ROLE"],
                                "description": str(event["DESCRIPTION"])}


def _register(exchange, person):
    return registrations.register(exchange, actor=person, answers=RegistrationAnswers())


def _calendar(outbox, person) -> StrictCalendar:
    calendar = StrictCalendar()
    for message in outbox.messages(to=person.email):
        calendar.apply(message)
    return calendar


def _sequences(outbox, person, uid: str) -> list[int]:
    return [int(event_of(m)["SEQUENCE"]) for m in outbox.messages(to=person.email)
            if calendar_of(m) is not None and str(event_of(m)["UID"]) == uid]


def _methods(messages) -> list[str | None]:
    return [str(calendar_of(m)["METHOD"]) if calendar_of(m) is not None else None for m in messages]


def _invite_and_accept(client, outbox, session, organizer, expert, role: str = "host"):
    """The organizer invites `expert` on the session page's form; she accepts through her emailed link."""
    services.add_speaker(session, actor=organizer, user_id=expert.id, role=role)
    link = SPEAKING.search(body_text(outbox.last(to=expert.email))).group(1)
    assert client.submit(link, {"answer": "accept"}).status_code == 302
    return link


# -- a registrant taken off the programme keeps her seat -----------------------------------------------------

@pytest.mark.parametrize("how", ["removed", "declined"])
def test_a_registered_speaker_taken_off_keeps_the_session_as_a_participant(db, client, login_as, make_exchange,
                                                                          make_expert_user, organizer, outbox, how):
    exchange = make_exchange(created_by=organizer)
    session = exchange.sessions[0]
    expert = make_expert_user(name="Marcus Reed")
    _register(exchange, expert)
    link = _invite_and_accept(client, outbox, session, organizer, expert)
    outbox.deliver()
    assert _calendar(outbox, expert).events[session.ical_uid]["role"] == "CHAIR"

    if how == "removed":
        speaker = db.session.scalar(select(SessionSpeaker))
        login_as(organizer)
        assert client.submit(f"/exchanges/{exchange.id}/speakers/{speaker.id}/remove", {"confirm": "1"},
                             page=f"/exchanges/{exchange.id}").status_code == 302
    else:
        assert client.submit(link, {"answer": "decline"}).status_code == 302
    outbox.deliver()

    last = outbox.last(to=expert.email)
    assert str(calendar_of(last)["METHOD"]) == "REQUEST", "she is still registered: no CANCEL"
    assert "You are still registered" in body_text(last)
    calendar = _calendar(outbox, expert)
    assert calendar.dropped == []
    held = calendar.events[session.ical_uid]
    assert held["role"] == "REQ-PARTICIPANT" and held["status"] == "CONFIRMED"
    assert "Marcus Reed" not in held["description"], "the invite no longer names her as a speaker"
    sequences = _sequences(outbox, expert, session.ical_uid)
    assert sequences == sorted(set(sequences)), "every message to her goes above the last one"
    # Her feed says the same: the session is still hers.
    feed = client.get(f"/calendar/{expert.calendar_token}.ics").get_data(as_text=True)
    assert f"UID:{session.ical_uid}" in feed.replace("\r\n ", "") and "STATUS:CONFIRMED" in feed


def test_a_speaker_who_is_not_registered_and_declines_after_accepting_gets_a_cancel(db, client, make_exchange,
                                                                                  make_expert_user, organizer, outbox):
    exchange = make_exchange(created_by=organizer)
    session = exchange.sessions[0]
    expert = make_expert_user()
    link = _invite_and_accept(client, outbox, session, organizer, expert, role="panelist")
    outbox.deliver()
    client.submit(link, {"answer": "decline"})
    outbox.deliver()
    assert _methods(outbox.messages(to=expert.email))[-2:] == ["REQUEST", "CANCEL"]
    calendar = _calendar(outbox, expert)
    assert calendar.events == {} and calendar.dropped == []


def test_a_registrant_who_speaks_keeps_her_session_when_she_cancels_her_registration(db, client, make_exchange,
                                                                                    make_expert_user, organizer,
                                                                                    outbox):
    exchange = make_exchange(created_by=organizer, kind="conference", sessions=2)
    first, second = exchange.sessions
    expert = make_expert_user()
    _invite_and_accept(client, outbox, first, organizer, expert)
    _register(exchange, expert)
    outbox.deliver()
    calendar = _calendar(outbox, expert)
    assert calendar.events[first.ical_uid]["role"] == "CHAIR", "registering keeps her speaker role in the invite"
    assert calendar.events[second.ical_uid]["role"] == "REQ-PARTICIPANT"

    registrations.cancel_registration(exchange, actor=expert)
    outbox.deliver()
    calendar = _calendar(outbox, expert)
    assert list(calendar.events) == [first.ical_uid], "she still speaks there"
    cancels = [m for m in outbox.messages(to=expert.email) if _methods([m]) == ["CANCEL"]]
    assert [str(event_of(m)["UID"]) for m in cancels] == [second.ical_uid]


# -- publishing confirms a draft's speakers ------------------------------------------------------------------

def test_publishing_confirms_the_tentative_invite_a_speaker_accepted_in_the_draft(db, client, login_as, make_exchange,
                                                                                make_expert_user, organizer, outbox):
    exchange = make_exchange(created_by=organizer, status="draft")
    session = exchange.sessions[0]
    expert = make_expert_user()
    _invite_and_accept(client, outbox, session, organizer, expert, role="moderator")
    outbox.deliver()
    assert _calendar(outbox, expert).events[session.ical_uid]["status"] == "TENTATIVE"

    login_as(organizer)
    client.submit(f"/exchanges/{exchange.id}/publish", {}, page=f"/exchanges/{exchange.id}")
    outbox.deliver()
    last = outbox.last(to=expert.email)
    assert last["Subject"] == f"Confirmed: {exchange.title}" and "is published" in body_text(last)
    calendar = _calendar(outbox, expert)
    assert calendar.events[session.ical_uid]["status"] == "CONFIRMED" and calendar.dropped == []
    assert calendar.events[session.ical_uid]["role"] == "CHAIR"


def test_an_exchange_created_published_sends_its_speaker_one_confirmed_invite(db, make_user, outbox):
    organizer = make_user(role="organizer")
    start = (utcnow() + timedelta(days=3)).astimezone(UTC).replace(tzinfo=None, second=0, microsecond=0)
    exchange = services.create_exchange(
        actor=organizer, data=services.ExchangeData(kind="webinar", title="Budgets in the open"),
        first_session=services.SessionData(title="Budgets", starts_local=start, ends_local=start + timedelta(hours=1),
                                           timezone="UTC"),
        speaker_id=organizer.id, publish=True)
    mine = outbox.messages(to=organizer.email)
    assert _methods(mine) == ["REQUEST"]
    assert str(event_of(mine[0])["STATUS"]) == "CONFIRMED"
    assert int(event_of(mine[0])["SEQUENCE"]) == exchange.sessions[0].ical_sequence


# -- SEQUENCE per person -------------------------------------------------------------------------------------

def test_cancelling_and_registering_again_raise_the_sequence_each_time(db, make_exchange, make_user, organizer, outbox):
    exchange = make_exchange(created_by=organizer)
    session = exchange.sessions[0]
    ana = make_user()
    for step in ("register", "cancel", "register"):
        if step == "register":
            _register(exchange, ana)
        else:
            registrations.cancel_registration(exchange, actor=ana)
        outbox.deliver()  # each message leaves before the next change: she gets all three
    assert _methods(outbox.messages(to=ana.email)) == ["REQUEST", "CANCEL", "REQUEST"]
    assert _sequences(outbox, ana, session.ical_uid) == [0, 1, 2]
    assert session.ical_sequence == 0, "her messages do not change the session's own SEQUENCE"
    calendar = _calendar(outbox, ana)
    assert list(calendar.events) == [session.ical_uid] and calendar.dropped == []

    # A change of the session later still goes above what she was sent.
    services.cancel_session(session, actor=organizer)
    assert _sequences(outbox, ana, session.ical_uid)[-1] == 3
    assert _calendar(outbox, ana).events == {}


def test_a_message_replaced_before_it_left_does_not_count(db, make_exchange, make_user, organizer, outbox):
    exchange = make_exchange(created_by=organizer)
    session = exchange.sessions[0]
    ana = make_user()
    _register(exchange, ana)
    outbox.deliver()
    registrations.cancel_registration(exchange, actor=ana)
    _register(exchange, ana)  # inside the window: the CANCEL never leaves, the new REQUEST replaces it
    outbox.deliver()
    assert _methods(outbox.messages(to=ana.email)) == ["REQUEST", "REQUEST"]
    assert _sequences(outbox, ana, session.ical_uid) == [0, 1]


# -- cancelling an exchange ----------------------------------------------------------------------------------

def test_cancelling_an_exchange_cancels_only_the_sessions_each_person_had(db, client, make_exchange, make_user,
                                                                         make_expert_user, organizer, outbox):
    exchange = make_exchange(created_by=organizer, kind="conference", sessions=3, capacity=1)
    first, second, third = exchange.sessions
    speaker = make_expert_user(name="Speaker on the first")
    _invite_and_accept(client, outbox, first, organizer, speaker)
    registered, waiting = make_user(), make_user()
    _register(exchange, registered)
    _register(exchange, waiting)  # full: the waitlist
    services.cancel_session(third, actor=organizer)
    outbox.deliver()
    before = {p.id: len(outbox.messages(to=p.email)) for p in (speaker, registered, waiting)}

    services.cancel_exchange(exchange, actor=organizer, reason="The venue closed.")
    outbox.deliver()

    def news(person):
        return outbox.messages(to=person.email)[before[person.id]:]

    assert [str(event_of(m)["UID"]) for m in news(speaker)] == [first.ical_uid], "only the session she speaks at"
    assert _methods(news(speaker)) == ["CANCEL"]
    assert sorted(str(event_of(m)["UID"]) for m in news(registered)) == sorted([first.ical_uid, second.ical_uid])
    assert _methods(news(waiting)) == [None], "never had it: told in words, no CANCEL"
    assert "The venue closed." in body_text(news(waiting)[0])
    for person in (speaker, registered, waiting):
        calendar = _calendar(outbox, person)
        assert calendar.events == {} and calendar.dropped == []


# -- a change of speakers reaches the registrants' copies ----------------------------------------------------

def test_a_change_of_speakers_updates_registrants_once_per_window(db, client, login_as, make_exchange, make_user,
                                                                  make_expert_user, organizer, outbox):
    exchange = make_exchange(created_by=organizer)
    session = exchange.sessions[0]
    ana, waiting = make_user(name="Ana Souza"), make_user()
    _register(exchange, ana)
    outbox.deliver()
    exchange.capacity = 1
    db.session.commit()
    _register(exchange, waiting)
    outbox.deliver()
    told = len(outbox.messages(to=ana.email))

    marcus, ngozi = make_expert_user(name="Marcus Reed"), make_expert_user(name="Ngozi Eze")
    _invite_and_accept(client, outbox, session, organizer, marcus, role="host")
    _invite_and_accept(client, outbox, session, organizer, ngozi, role="panelist")
    sent = outbox.deliver(after=10)
    assert sent == 4, "the speakers' invitations and calendar invites leave at once; the updates wait for the window"
    outbox.deliver()
    updates = outbox.messages(to=ana.email)[told:]
    assert len(updates) == 1, "two acceptances inside one window: one update"
    update = updates[0]
    assert update["Subject"] == f"Speakers changed: {exchange.title}"
    assert "Marcus Reed (host)" in body_text(update) and "Ngozi Eze (panelist)" in body_text(update)
    event = event_of(update)
    assert "Marcus Reed (host)" in str(event["DESCRIPTION"]) and "Ngozi Eze (panelist)" in str(event["DESCRIPTION"])
    assert event["ATTENDEE"].params["ROLE"] == "REQ-PARTICIPANT"
    assert [m for m in outbox.messages(to=waiting.email) if calendar_of(m) is not None] == [], \
        "the waitlist holds no event: nothing to update"
    # Marcus, who held the session already, hears that Ngozi joined; Ngozi's own invite names both.
    assert "Ngozi Eze" in str(event_of(outbox.last(to=marcus.email))["DESCRIPTION"])

    speaker = db.session.scalar(select(SessionSpeaker).where(SessionSpeaker.user_id == ngozi.id))
    login_as(organizer)
    client.submit(f"/exchanges/{exchange.id}/speakers/{speaker.id}/remove", {"confirm": "1"}, page=f"/exchanges/{exchange.id}")
    outbox.deliver()
    last = outbox.last(to=ana.email)
    assert "Ngozi Eze" not in str(event_of(last)["DESCRIPTION"]) and "Marcus Reed" in str(event_of(last)["DESCRIPTION"])
    calendar = _calendar(outbox, ana)
    assert calendar.dropped == [] and "Ngozi Eze" not in calendar.events[session.ical_uid]["description"]


def test_cancelling_inside_the_window_drops_the_unsent_speaker_update(db, client, make_exchange, make_user,
                                                                     make_expert_user, organizer, outbox):
    exchange = make_exchange(created_by=organizer)
    session = exchange.sessions[0]
    ana = make_user()
    _register(exchange, ana)
    outbox.deliver()
    _invite_and_accept(client, outbox, session, organizer, make_expert_user())
    registrations.cancel_registration(exchange, actor=ana)  # before her update left
    outbox.deliver()
    assert _methods(outbox.messages(to=ana.email)) == ["REQUEST", "CANCEL"]
    assert _calendar(outbox, ana).events == {}

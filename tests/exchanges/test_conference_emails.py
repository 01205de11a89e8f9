"""A 10-session conference: how many emails a registration sends, and why (README, "Calendar").

One iTIP REQUEST carries one event (RFC 5546 §3.2.2: all its components share one UID) and Outlook ignores every
VEVENT after the first of a message (MS-STANOICAL §2.2.175), so one email per session is the fewest that puts every
session in every calendar and lets each be moved or cancelled later. These tests hold that line: exactly one
message per session and change, each with exactly one event, all the sessions covered, each numbered.
"""

from __future__ import annotations

from exchange.exchanges import registrations
from exchange.exchanges.registrations import RegistrationAnswers
from tests.conftest import body_text
from tests.exchanges.conftest import calendar_of


def _events(message) -> list:
    calendar = calendar_of(message)
    assert calendar is not None, "no calendar part"
    return [(str(calendar["METHOD"]), str(e["UID"])) for e in calendar.walk("VEVENT")]


def test_registering_for_ten_sessions_sends_one_numbered_invite_per_session(db, make_exchange, make_user,
                                                                            organizer, outbox):
    conference = make_exchange(kind="conference", title="Cities summit", sessions=10, created_by=organizer)
    ana = make_user()
    registrations.register(conference, actor=ana, answers=RegistrationAnswers())
    outbox.deliver()
    messages = outbox.messages(to=ana.email)
    assert len(messages) == 10
    events = [_events(m) for m in messages]
    assert all(len(e) == 1 for e in events), "one VEVENT per message: Outlook reads only the first"
    assert {e[0] for e in events} == {("REQUEST", s.ical_uid) for s in conference.sessions}
    assert len({m["Subject"] for m in messages}) == 1
    for n, message in enumerate(messages, start=1):
        assert f"Message {n} of 10: one email per session" in body_text(message)

    registrations.cancel_registration(conference, actor=ana)
    outbox.deliver()
    cancels = outbox.messages(to=ana.email)[10:]
    assert len(cancels) == 10
    assert {_events(m)[0] for m in cancels} == {("CANCEL", s.ical_uid) for s in conference.sessions}
    assert "Message 10 of 10" in body_text(cancels[-1])


def test_a_single_session_is_not_numbered(db, make_exchange, make_user, organizer, outbox):
    webinar = make_exchange(created_by=organizer)
    ana = make_user()
    registrations.register(webinar, actor=ana, answers=RegistrationAnswers())
    outbox.deliver()
    [message] = outbox.messages(to=ana.email)
    assert len(_events(message)) == 1 and "Message 1 of 1" not in body_text(message)

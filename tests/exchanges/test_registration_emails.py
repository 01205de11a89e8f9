"""Register/cancel loops do not become loops of email: one message per window, for the state at its end.

The clock is driven with time-machine (frozen, moved by hand); delivery is `deliver_pending`, as the server's
thread and `exchange outbox send` run it. What reaches a person is applied to a calendar the way clients
apply iTIP (RFC 5546: by UID, an older SEQUENCE/DTSTAMP changes nothing), so "her calendar is right" is checked,
not only "some email went out".
"""

from __future__ import annotations

import email
from dataclasses import dataclass, field
from datetime import timedelta
from email.policy import default as default_policy

import pytest
import time_machine
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from exchange.cli import cli
from exchange.common.time import utcnow
from exchange.exchanges import services
from exchange.exchanges.registrations import RegistrationAnswers, approve_registration, cancel_registration
from exchange.exchanges.registrations import register as register_for
from exchange.mail.models import OutboxMessage
from exchange.mail.services import deliver_pending
from tests.conftest import body_text
from tests.exchanges.conftest import calendar_of, event_of

PERSON, ORGANIZER = 60, 120  # the default windows (MAIL_PERSON_WINDOW, MAIL_ORGANIZER_WINDOW), in seconds


@pytest.fixture(autouse=True)
def digest_for_every_exchange(app, monkeypatch):
    """These tests watch the digest on open exchanges too (by default only approval exchanges send it)."""
    monkeypatch.setitem(app.config, "MAIL_ORGANIZER_DIGEST", "all")


@pytest.fixture(autouse=True)
def own_outbox_folder(app, tmp_path, monkeypatch):
    """Files written at a travelled-to time go to this test's folder (others sort the shared one by name)."""
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path / "outbox"))


@pytest.fixture
def clock():
    """A frozen clock that tests move by hand (`clock.shift(seconds)`)."""
    with time_machine.travel(utcnow(), tick=False) as traveller:
        yield traveller


def sent(db, to: str) -> list[email.message.Message]:
    """Return what was delivered to `to`, in order."""
    db.session.expire_all()
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == to, OutboxMessage.status == "sent")
                              .order_by(OutboxMessage.sent_at, OutboxMessage.id))
    return [email.message_from_string(r.raw, policy=default_policy) for r in rows]


def deliver(clock, seconds: float = 0) -> int:
    clock.shift(seconds)
    return deliver_pending(limit=10_000).sent


@dataclass
class Calendar:
    """A calendar client's store: REQUEST adds or updates by UID, CANCEL removes; older messages are ignored."""

    events: dict[str, tuple[int, str]] = field(default_factory=dict)  # uid -> (SEQUENCE, DTSTAMP)
    seen: dict[str, tuple[int, str]] = field(default_factory=dict)

    def apply(self, message) -> None:
        calendar = calendar_of(message)
        if calendar is None:
            return
        event = event_of(message)
        uid, stamp = str(event["UID"]), (int(event["SEQUENCE"]), event["DTSTAMP"].dt.isoformat())
        assert stamp >= self.seen.get(uid, (-1, "")), "a later message must not carry an older SEQUENCE/DTSTAMP"
        self.seen[uid] = stamp
        if str(calendar["METHOD"]) == "CANCEL":
            self.events.pop(uid, None)
        else:
            self.events[uid] = stamp


def loop(exchange, person, clock, times: int, *, end_registered: bool, registered: bool = False) -> None:
    """Register and cancel `times` times each, a few seconds apart, from where she is to `end_registered`."""
    steps = [register_for, cancel_registration] * times
    if registered:
        steps = steps[1:] + [register_for]
    if steps and (steps[-1] is register_for) is not end_registered:
        steps = steps[:-1] if len(steps) > 1 else [*steps, steps[0]]
    for step in steps:
        if step is register_for:
            register_for(exchange, actor=person, answers=RegistrationAnswers())
        else:
            cancel_registration(exchange, actor=person)
        clock.shift(2)


@pytest.mark.parametrize("end_registered", [True, False])
def test_ten_loops_by_a_newcomer_send_one_message_for_her_final_state(db, make_user, make_exchange, organizer, clock,
                                                                       end_registered):
    exchange = make_exchange(created_by=organizer, capacity=50)
    ana = make_user(name="Ana Souza")
    loop(exchange, ana, clock, 10, end_registered=end_registered)
    assert deliver(clock) == 0  # nothing leaves inside the window
    deliver(clock, ORGANIZER + 1)

    mine, theirs = sent(db, ana.email), sent(db, organizer.email)
    if end_registered:
        assert len(mine) == 1 and str(calendar_of(mine[0])["METHOD"]) == "REQUEST"
        assert int(event_of(mine[0])["SEQUENCE"]) == exchange.sessions[0].ical_sequence
        assert "You are registered" in body_text(mine[0])
        assert len(theirs) == 1 and "Ana Souza registered." in body_text(theirs[0])
    else:
        assert mine == [] and theirs == []  # she never had an invite; nothing changed for the organizers
    calendar = Calendar()
    for message in mine:
        calendar.apply(message)
    assert (exchange.sessions[0].ical_uid in calendar.events) is end_registered


@pytest.mark.parametrize("end_registered", [True, False])
def test_ten_loops_after_her_invite_went_out_leave_her_calendar_right(db, make_user, make_exchange, organizer, clock,
                                                                       end_registered):
    exchange = make_exchange(created_by=organizer, sessions=2)
    ana = make_user(name="Ana Souza")
    register_for(exchange, actor=ana, answers=RegistrationAnswers())
    deliver(clock, ORGANIZER + 1)
    first, told = sent(db, ana.email), sent(db, organizer.email)
    assert [str(calendar_of(m)["METHOD"]) for m in first] == ["REQUEST", "REQUEST"]  # one per session
    assert len(told) == 1

    clock.shift(600)
    loop(exchange, ana, clock, 10, end_registered=end_registered, registered=True)
    deliver(clock, ORGANIZER + 1)

    later = sent(db, ana.email)[len(first):]
    method = "REQUEST" if end_registered else "CANCEL"
    assert [str(calendar_of(m)["METHOD"]) for m in later] == [method, method]  # once per session, not 10 times
    assert sorted(str(event_of(m)["UID"]) for m in later) == sorted(s.ical_uid for s in exchange.sessions)
    calendar = Calendar()
    for message in first + later:
        calendar.apply(message)
    assert bool(calendar.events) is end_registered and len(calendar.events) == (2 if end_registered else 0)

    digests = sent(db, organizer.email)[len(told):]
    if end_registered:
        assert digests == []  # registered before, registered after: no news
    else:
        assert len(digests) == 1 and "Ana Souza cancelled their registration." in body_text(digests[0])


def test_an_open_exchange_sends_its_organizers_no_digest_by_default(app, db, make_user, make_exchange, organizer,
                                                                    clock, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_ORGANIZER_DIGEST", "approval")
    exchange = make_exchange(created_by=organizer)
    ana = make_user(name="Ana Souza")
    register_for(exchange, actor=ana, answers=RegistrationAnswers())
    deliver(clock, ORGANIZER + 1)
    assert len(sent(db, ana.email)) == 1 and sent(db, organizer.email) == []


def test_two_people_registering_reach_the_organizer_in_one_digest(db, make_user, make_exchange, organizer, clock):
    exchange = make_exchange(created_by=organizer)
    ana, budi = make_user(name="Ana Souza"), make_user(name="Budi Santoso")
    register_for(exchange, actor=ana, answers=RegistrationAnswers())
    clock.shift(30)
    register_for(exchange, actor=budi, answers=RegistrationAnswers())
    deliver(clock, PERSON + 1)  # Ana's window (opened first) is over, Budi's too; the organizers' is not
    assert len(sent(db, ana.email)) == 1 and len(sent(db, budi.email)) == 1
    assert sent(db, organizer.email) == []
    deliver(clock, ORGANIZER)
    digests = sent(db, organizer.email)
    assert len(digests) == 1
    assert digests[0]["Subject"] == f"Registration changes: {exchange.title}"
    text = body_text(digests[0])
    assert "Ana Souza registered." in text and "Budi Santoso registered." in text
    assert f"http://localhost/exchanges/{exchange.id}/registrations" in text


def test_a_change_after_the_window_is_sent_again(db, make_user, make_exchange, organizer, clock):
    exchange = make_exchange(created_by=organizer)
    ana = make_user(name="Ana Souza")
    register_for(exchange, actor=ana, answers=RegistrationAnswers())
    assert deliver(clock, PERSON - 5) == 0  # not before its time
    deliver(clock, ORGANIZER)
    cancel_registration(exchange, actor=ana)
    deliver(clock, ORGANIZER + 1)
    register_for(exchange, actor=ana, answers=RegistrationAnswers())
    deliver(clock, ORGANIZER + 1)

    mine = sent(db, ana.email)
    assert [str(calendar_of(m)["METHOD"]) for m in mine] == ["REQUEST", "CANCEL", "REQUEST"]
    calendar = Calendar()
    for message in mine:
        calendar.apply(message)
    assert list(calendar.events) == [exchange.sessions[0].ical_uid]  # a later DTSTAMP brings the event back
    assert [next(line for line in body_text(m).splitlines() if "Souza" in line) for m in sent(db, organizer.email)] \
        == ["Ana Souza registered.", "Ana Souza cancelled their registration.", "Ana Souza registered."]


def test_the_window_is_fixed_so_someone_who_keeps_changing_her_mind_still_hears(db, make_user, make_exchange,
                                                                                  organizer, clock):
    exchange = make_exchange(created_by=organizer)
    ana = make_user(name="Ana Souza")
    register_for(exchange, actor=ana, answers=RegistrationAnswers())
    deliver(clock, ORGANIZER + 1)  # her invite is out: from now on every state she lands in means a message
    calendar = Calendar()
    registered = True
    for _ in range(15):  # a change every 20 seconds for five minutes, with the sender running all along
        if registered:
            cancel_registration(exchange, actor=ana)
        else:
            register_for(exchange, actor=ana, answers=RegistrationAnswers())
        registered = not registered
        deliver(clock, 20)
    deliver(clock, ORGANIZER + 1)
    mine = sent(db, ana.email)
    # About one a minute: bounded, and not starved by the changes (a window that slid with each change would
    # send nothing until she stopped).
    assert 1 + 3 <= len(mine) <= 1 + 6
    for message in mine:
        calendar.apply(message)
    assert (exchange.sessions[0].ical_uid in calendar.events) is registered
    assert len(sent(db, organizer.email)) <= 1 + 4  # at most one per two minutes


def test_a_move_inside_the_window_rebuilds_her_unsent_invite(db, make_user, make_exchange, organizer, clock, outbox):
    exchange = make_exchange(created_by=organizer)
    session = exchange.sessions[0]
    ana = make_user(name="Ana Souza")
    register_for(exchange, actor=ana, answers=RegistrationAnswers())
    clock.shift(10)
    start = (session.starts_at + timedelta(days=1)).replace(tzinfo=None)
    services.update_session(session, actor=organizer, data=services.SessionData(
        title=session.title, starts_local=start, ends_local=start + timedelta(hours=1), timezone="UTC"))
    assert session.ical_sequence == 1
    pending = outbox.messages(to=ana.email)
    assert len(pending) == 1, "one message with the new time, not an invite and then its correction"
    assert "You are registered" in body_text(pending[0]) and int(event_of(pending[0])["SEQUENCE"]) == 1
    assert event_of(pending[0])["DTSTART"].dt == session.starts_at
    deliver(clock, PERSON - 10 + 1)  # the window kept the time of her registration
    assert len(sent(db, ana.email)) == 1


def test_back_on_the_waitlist_after_her_invite_went_out_removes_the_event(db, make_user, make_exchange, organizer,
                                                                         clock):
    exchange = make_exchange(created_by=organizer, capacity=1)
    ana, budi = make_user(name="Ana Souza"), make_user(name="Budi Santoso")
    register_for(exchange, actor=ana, answers=RegistrationAnswers())
    deliver(clock, ORGANIZER + 1)
    cancel_registration(exchange, actor=ana)
    register_for(exchange, actor=budi, answers=RegistrationAnswers())  # takes the freed seat
    assert register_for(exchange, actor=ana, answers=RegistrationAnswers()).status == "waitlisted"
    deliver(clock, ORGANIZER + 1)
    mine = sent(db, ana.email)
    assert [str(calendar_of(m)["METHOD"]) for m in mine] == ["REQUEST", "CANCEL"]
    assert "on the waitlist" in body_text(mine[-1])  # the words of where she is; the file clears her calendar
    calendar = Calendar()
    for message in mine:
        calendar.apply(message)
    assert calendar.events == {}


def test_approving_inside_the_window_sends_her_one_message_and_the_organizers_none(db, make_user, make_exchange,
                                                                                  organizer, clock):
    exchange = make_exchange(created_by=organizer, requires_approval=True)
    ana = make_user(name="Ana Souza")
    registration = register_for(exchange, actor=ana, answers=RegistrationAnswers())
    clock.shift(20)
    approve_registration(registration, actor=organizer)
    deliver(clock, ORGANIZER + 1)
    mine = sent(db, ana.email)
    assert len(mine) == 1 and str(calendar_of(mine[0])["METHOD"]) == "REQUEST"
    assert sent(db, organizer.email) == []  # the organizer decided it: "to approve" is no longer news


def test_a_pending_registration_is_told_to_the_organizers_with_the_usual_subject(db, make_user, make_exchange,
                                                                                  organizer, clock):
    exchange = make_exchange(created_by=organizer, requires_approval=True)
    register_for(exchange, actor=make_user(name="Ngozi"), answers=RegistrationAnswers())
    deliver(clock, ORGANIZER + 1)
    (notice,) = sent(db, organizer.email)
    assert notice["Subject"] == f"To approve: Ngozi for {exchange.title}"
    assert "waits for approval" in body_text(notice)


def test_a_rush_of_registrations_is_one_digest_with_a_count_beyond_forty_names(db, make_user, make_exchange,
                                                                                organizer, clock):
    exchange = make_exchange(created_by=organizer)
    for n in range(45):
        register_for(exchange, actor=make_user(name=f"Official {n:02d}"), answers=RegistrationAnswers())
        clock.shift(1)
    deliver(clock, ORGANIZER + 1)
    (digest,) = sent(db, organizer.email)
    text = body_text(digest)
    assert "Official 00 registered." in text and "Official 39 registered." in text
    assert "Official 40 registered." not in text and "… and 5 more changes: see the registrations page." in text


def test_a_message_already_being_sent_is_not_replaced_and_counts_as_sent(db, make_user, make_exchange, organizer,
                                                                       clock):
    """The sender claimed her invite (status sending) just before she cancelled: the CANCEL must follow it."""
    from exchange.mail.services import claim_message

    exchange = make_exchange(created_by=organizer)
    ana = make_user(name="Ana Souza")
    register_for(exchange, actor=ana, answers=RegistrationAnswers())
    invite = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == ana.email))
    assert claim_message(invite.id)
    cancel_registration(exchange, actor=ana)
    db.session.expire_all()
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == ana.email)
                              .order_by(OutboxMessage.id)).all()
    assert [(r.status, r.ical_method) for r in rows] == [("sending", "REQUEST"), ("pending", "CANCEL")]


def test_a_rollback_keeps_the_message_it_would_have_replaced(db, make_user, make_exchange, organizer, outbox):
    from exchange.exchanges import notify

    exchange = make_exchange(created_by=organizer)
    ana = make_user(name="Ana Souza")
    registration = register_for(exchange, actor=ana, answers=RegistrationAnswers())
    notify.registration_cancelled(registration)  # inside a use case that then fails
    db.session.rollback()
    assert [(r.status, r.ical_method) for r in outbox.rows() if r.to_addr == ana.email] == [("pending", "REQUEST")]


def test_outbox_send_leaves_a_message_inside_its_window_for_the_next_run(app, db, make_user, make_exchange, organizer,
                                                                         clock):
    exchange = make_exchange(created_by=organizer)
    ana = make_user(name="Ana Souza")
    register_for(exchange, actor=ana, answers=RegistrationAnswers())
    def send() -> str:
        return CliRunner().invoke(cli, ["outbox", "send"], obj=ScriptInfo(create_app=lambda: app)).output

    assert "Sent 0," in send()
    clock.shift(PERSON + 1)
    assert "Sent 1," in send()  # hers; the organizers' digest still waits
    clock.shift(ORGANIZER)
    assert "Sent 1," in send()


def test_the_digest_speaks_the_organizers_language(db, make_user, make_exchange, clock):
    organizer = make_user(role="organizer", name="Olga", language="fr")
    exchange = make_exchange(created_by=organizer)
    register_for(exchange, actor=make_user(name="Ana Souza"), answers=RegistrationAnswers())
    register_for(exchange, actor=make_user(name="Budi Santoso"), answers=RegistrationAnswers())
    deliver(clock, ORGANIZER + 1)
    (digest,) = sent(db, organizer.email)
    assert digest["Subject"] == f"Changements d’inscriptions\u00a0: {exchange.title}"
    assert "Ana Souza s’est inscrit(e)." in body_text(digest)


def test_a_cancelled_session_inside_the_window_leaves_no_invite_behind(db, make_user, make_exchange, organizer, clock):
    exchange = make_exchange(created_by=organizer, sessions=2)
    first, second = exchange.sessions
    ana = make_user(name="Ana Souza")
    register_for(exchange, actor=ana, answers=RegistrationAnswers())
    clock.shift(10)
    services.cancel_session(first, actor=organizer)
    deliver(clock, ORGANIZER + 1)
    calendar = Calendar()
    for message in sent(db, ana.email):
        calendar.apply(message)
    assert list(calendar.events) == [second.ical_uid]
    invites = [m for m in sent(db, ana.email) if calendar_of(m) and str(calendar_of(m)["METHOD"]) == "REQUEST"]
    assert [str(event_of(m)["UID"]) for m in invites] == [second.ical_uid]  # no invite for the cancelled one


def test_a_cancelled_exchange_inside_the_window_sends_only_the_cancellation(db, make_user, make_exchange, organizer,
                                                                           clock):
    exchange = make_exchange(created_by=organizer)
    ana = make_user(name="Ana Souza")
    register_for(exchange, actor=ana, answers=RegistrationAnswers())
    clock.shift(10)
    services.cancel_exchange(exchange, actor=organizer, reason="The speaker is ill.")
    deliver(clock, ORGANIZER + 1)
    mine = sent(db, ana.email)
    # Her invite never left, so her calendar has nothing to cancel: the news in words, without a CANCEL.
    assert [calendar_of(m) for m in mine] == [None]
    assert "The speaker is ill." in body_text(mine[0]) and "is cancelled" in body_text(mine[0])

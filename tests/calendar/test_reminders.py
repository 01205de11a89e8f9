"""Reminders 24 hours and 1 hour before each session: to the right people, once, whatever happens."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from exchange.calendar import services
from exchange.calendar.models import CalendarReminder
from exchange.calendar.services import send_due_reminders
from exchange.cli import cli
from exchange.mail.models import OutboxMessage

START = datetime(2027, 5, 4, 13, 0, tzinfo=UTC)  # 09:00 in New York, 14:00 in Lagos, 20:00 in Jakarta


@pytest.fixture
def program(db, make_exchange, make_user, register, add_speaker):
    """One session at START with two registrants, a speaker, and people who must not be reminded."""
    exchange = make_exchange(starts_at=START, session_zone="America/New_York", title="Budgets in the open")
    session = exchange.sessions[0]
    people = {
        "ada": make_user(name="Adaeze", email="ada@example.org", timezone="Africa/Lagos"),
        "joao": make_user(name="João", email="joao@example.org", timezone="America/Sao_Paulo", language="pt"),
        "host": make_user(name="Marcus", email="host@example.org", role="expert", timezone="America/Chicago"),
        "waiting": make_user(email="waiting@example.org"),
        "left": make_user(email="left@example.org"),
        "disabled": make_user(email="disabled@example.org", disabled=True),
        "declined": make_user(email="declined@example.org", role="expert"),
    }
    register(people["ada"], exchange)
    register(people["joao"], exchange)
    register(people["host"], exchange)  # a speaker who also registered is reminded once
    register(people["waiting"], exchange, "waitlisted")
    register(people["left"], exchange, "cancelled")
    register(people["disabled"], exchange)
    add_speaker(people["host"], session, "host")
    add_speaker(people["declined"], session, "panelist", status="declined")
    return exchange, session, people


def _sent(db) -> list[tuple[str, str]]:
    db.session.expire_all()
    rows = db.session.execute(select(OutboxMessage.to_addr, OutboxMessage.kind).order_by(OutboxMessage.to_addr,
                                                                                        OutboxMessage.kind))
    return [tuple(r) for r in rows]


EXPECTED = ["ada@example.org", "host@example.org", "joao@example.org"]


def test_reminders_go_24h_and_1h_before_to_registrants_and_speakers_once(db, program):
    assert send_due_reminders(now=START - timedelta(hours=24, minutes=1)) == 0  # not yet
    assert send_due_reminders(now=START - timedelta(hours=23, minutes=59)) == 3
    assert send_due_reminders(now=START - timedelta(hours=12)) == 0  # never twice
    assert _sent(db) == [(who, "calendar_reminder_24h") for who in EXPECTED]
    assert send_due_reminders(now=START - timedelta(minutes=59)) == 3
    assert send_due_reminders(now=START - timedelta(minutes=1)) == 0
    assert send_due_reminders(now=START + timedelta(minutes=1)) == 0
    assert sorted(_sent(db)) == sorted([(w, "calendar_reminder_24h") for w in EXPECTED] +
                                       [(w, "calendar_reminder_1h") for w in EXPECTED])
    assert db.session.scalar(select(func.count()).select_from(CalendarReminder)) == 6


def test_a_reminder_is_in_the_readers_zone_and_language_with_the_join_link(db, program, outbox):
    exchange, session, _people = program
    send_due_reminders(now=START - timedelta(minutes=30))
    joao = outbox.last(to="joao@example.org")
    text = joao.get_body(preferencelist=("plain",)).get_content()
    assert "terça-feira, 4 de maio de 2027 10:00–11:00 (São Paulo, UTC−3)" in text
    assert "em 30 minutos" in text  # Babel's words for "in 30 minutes", in Portuguese
    assert f"http://localhost/sessions/{session.id}/room" in text  # the join link is the live room
    assert "Budgets in the open: Budgets in the open — part 1 começa em 30 minutos." in text
    assert joao["Subject"] == "Lembrete: Budgets in the open: Budgets in the open — part 1"
    host = outbox.last(to="host@example.org").get_body(preferencelist=("plain",)).get_content()
    assert "You take part as host." in host and "8:00\u202fAM–9:00\u202fAM (Chicago, UTC−5)" in host
    ada = outbox.last(to="ada@example.org").get_body(preferencelist=("html",)).get_content()
    assert "2:00\u202fPM–3:00\u202fPM (Lagos, UTC+1)" in ada and 'href="http://localhost/sessions/' in ada


@pytest.mark.parametrize("change", ["session_cancelled", "exchange_cancelled", "exchange_draft"])
def test_no_reminders_for_cancelled_or_unpublished_sessions(db, program, change):
    exchange, session, _people = program
    if change == "session_cancelled":
        session.status = "cancelled"
    elif change == "exchange_cancelled":
        exchange.status = "cancelled"
    else:
        exchange.status = "draft"
    db.session.commit()
    assert send_due_reminders(now=START - timedelta(minutes=30)) == 0
    assert _sent(db) == []


def test_a_registration_cancelled_after_the_24h_reminder_gets_no_1h_reminder(db, program):
    _exchange, _session, people = program
    send_due_reminders(now=START - timedelta(hours=20))
    from exchange.exchanges.models import Registration

    registration = db.session.scalar(select(Registration).where(Registration.user_id == people["ada"].id))
    registration.status = "cancelled"
    db.session.commit()
    send_due_reminders(now=START - timedelta(minutes=30))
    assert ("ada@example.org", "calendar_reminder_1h") not in _sent(db)
    assert ("joao@example.org", "calendar_reminder_1h") in _sent(db)


@pytest.mark.parametrize(("back_at", "kinds"), [
    (START - timedelta(hours=2), ["calendar_reminder_1h", "calendar_reminder_24h"]),  # the 24h window was missed
    (START - timedelta(minutes=20), ["calendar_reminder_1h"]),  # only the nearest one still makes sense
    (START + timedelta(minutes=5), []),  # the session has started: too late for any
])
def test_reminders_around_a_restart(db, program, back_at, kinds):
    """The server was down from 25 hours before the start until `back_at`; then it runs every minute."""
    assert send_due_reminders(now=START - timedelta(hours=25)) == 0
    now = back_at
    while now < START + timedelta(minutes=10):
        send_due_reminders(now=now)
        now += timedelta(minutes=1)
    assert sorted({k for who, k in _sent(db) if who == "ada@example.org"}) == kinds
    assert len(_sent(db)) == 3 * len(kinds), "each reminder once"


def test_two_concurrent_senders_send_each_reminder_once(app, db, program, make_exchange, make_user, register,
                                                       monkeypatch):
    # More sessions and people, so that both senders work on the same reminders at the same time.
    for index in range(3):
        extra = make_exchange(starts_at=START + timedelta(minutes=10 * index), title=f"Extra {index}")
        for person in range(4):
            register(make_user(email=f"extra{index}-{person}@example.org"), extra)
    now = START - timedelta(minutes=30)
    expected = len(services.due_reminders(now=now))
    assert expected == 3 + 12
    barrier = threading.Barrier(2)
    listed = threading.Barrier(2)
    real_due = services.due_reminders

    def due_then_wait(**kwargs):
        found = real_due(**kwargs)
        listed.wait(timeout=10)  # both senders hold the same list before either sends: they must collide
        return found

    monkeypatch.setattr(services, "due_reminders", due_then_wait)
    counts: list[int] = []
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                counts.append(send_due_reminders(now=now))
                from exchange.extensions import db as thread_db

                thread_db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread below
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(counts) == expected
    monkeypatch.undo()
    sent = _sent(db)
    assert len(sent) == expected and len(set(sent)) == expected, "no reminder twice"
    rows = db.session.scalars(select(CalendarReminder)).all()
    assert len(rows) == expected and all(r.outbox_message_id for r in rows)
    assert send_due_reminders(now=now) == 0


def test_reminder_row_and_email_commit_together(db, program, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(services, "queue_email", broken)
    with pytest.raises(RuntimeError):
        send_due_reminders(now=START - timedelta(minutes=30))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CalendarReminder)) == 0
    monkeypatch.undo()
    assert send_due_reminders(now=START - timedelta(minutes=30)) == 3


def test_cron_command_sends_due_reminders(app, db, program):
    import time_machine

    runner = CliRunner()
    with time_machine.travel(START - timedelta(minutes=30), tick=False):
        result = runner.invoke(cli, ["reminders", "send"], obj=ScriptInfo(create_app=lambda: app))
        again = runner.invoke(cli, ["reminders", "send"], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    assert "Queued 3 reminder(s)" in result.output
    assert "Queued 0 reminder(s)" in again.output


def test_the_scheduler_thread_sends_and_stops(app, db, program):
    import time

    import time_machine

    with time_machine.travel(START - timedelta(minutes=30), tick=True):
        loop = services.start_reminder_scheduler(app, interval=0.05)
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and len(_sent(db)) < 3:
                time.sleep(0.05)
        finally:
            loop.stop()
    assert len(_sent(db)) == 3


def test_serve_starts_the_reminder_scheduler(app, monkeypatch):
    from exchange.extensions import socketio
    from exchange.server import serve_in_process

    started = []
    monkeypatch.setattr(services, "start_reminder_scheduler", lambda a: started.append(a))
    monkeypatch.setattr(socketio, "run", lambda *a, **k: None)
    serve_in_process(app, "127.0.0.1", 0)
    assert started == [app]

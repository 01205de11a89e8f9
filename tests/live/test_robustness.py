"""A room never freezes: no socket I/O under a room lock, disconnects noticed mid-send handled later, stuck
locks reported, and per-person limits on the clicks that fan out to the whole room."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from exchange.common import realtime
from exchange.common.time import utcnow
from exchange.extensions import db as _db
from exchange.extensions import socketio
from exchange.live import access, roomlock
from exchange.live.models import LiveEvent, PollBallot, Question, QuestionVote

# A fixed moment for the rate windows, inside the logins' lifetime (a login ends 24 hours after it starts).
SOON = utcnow().replace(microsecond=0) + timedelta(minutes=5)

NS = "/live"


def sid_of(user) -> str:
    """The one live connection of `user` (found through the person's Socket.IO room)."""
    [(sid, _eio)] = list(socketio.server.manager.get_participants(NS, access.user_room(user.id)))
    return sid


def in_thread(work, timeout: float = 20.0):
    """Run `work` in a thread; return its result, or fail when it hangs (a frozen room)."""
    out: dict = {}
    thread = threading.Thread(target=lambda: out.update(result=work()), daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "the call never returned: the room is frozen"
    return out["result"]


@pytest.fixture
def watch_emits(monkeypatch):
    """Record, for every emit the server makes, whether a room lock or a transaction was held at that moment."""
    seen: list[dict] = []
    manager = socketio.server.manager
    original = manager.emit

    def emit(event, data, *args, **kwargs):
        seen.append({"event": event, "lock": roomlock.held_here(), "marked": realtime.holds_lock(),
                     "transaction": _db.session().in_transaction() if _db.session.registry.has() else False})
        return original(event, data, *args, **kwargs)

    monkeypatch.setattr(manager, "emit", emit)
    return seen


def test_no_emit_happens_under_a_room_lock_or_a_transaction(room, live_client, watch_emits):
    host, official = live_client(room.host), live_client(room.official)
    host.join(room.id)
    official.join(room.id)
    asked = official.emit("question.ask", {"session_id": room.id, "body": "How?", "anonymous": True, "client_id": "q"})
    steps = [
        host.emit("chat.send", {"session_id": room.id, "body": "Welcome", "client_id": "c1"}),
        host.emit("question.vote", {"session_id": room.id, "question_id": asked["question"]["id"], "value": 1}),
        host.emit("question.moderate", {"session_id": room.id, "question_id": asked["question"]["id"],
                                        "action": "answer", "answer": "Like this"}),
        host.emit("poll.open", {"session_id": room.id, "prompt": "Ready?", "options": ["Yes", "No"]}),
        official.emit("hand.raise", {"session_id": room.id, "raised": True}),
        official.emit("leave", {"session_id": room.id}),
        host.emit("room.close", {"session_id": room.id}),
    ]
    assert asked["ok"] and all(step["ok"] for step in steps), steps
    room_events = [e for e in watch_emits if e["event"] in ("room.event", "presence")]
    assert len(room_events) >= 12
    assert not any(e["lock"] or e["marked"] for e in room_events), room_events
    assert not any(e["transaction"] for e in room_events), room_events


def test_a_disconnect_noticed_inside_an_emit_is_handled_later_and_the_room_goes_on(room, live_client, monkeypatch,
                                                                                   wait_for):
    """The freeze: Engine.IO notices a dead client while sending to it and runs our disconnect handler on the
    spot, inside the sender's emit. That handler must not come back to the room the sender is writing to."""
    host, official, other = live_client(room.host), live_client(room.official), live_client(room.other)
    for client in (host, official, other):
        client.join(room.id)
    asked = official.emit("question.ask", {"session_id": room.id, "body": "Q", "anonymous": False, "client_id": "q"})
    gone = sid_of(room.other)
    manager = socketio.server.manager
    original = manager.emit
    fired = []

    def emit(event, data, *args, **kwargs):
        if event == "room.event" and not fired:
            fired.append(True)
            socketio.server.disconnect(gone, namespace=NS)  # what Engine.IO does on a ping timeout mid-send
        return original(event, data, *args, **kwargs)

    monkeypatch.setattr(manager, "emit", emit)
    vote = in_thread(lambda: host.emit("question.vote", {"session_id": room.id,
                                                         "question_id": asked["question"]["id"], "value": 1}))
    assert vote["ok"] and vote["votes"] == 1 and fired
    wait_for(lambda: official.presence()[-1:] == [2], what="the dead connection's presence dropped later")
    after = in_thread(lambda: host.emit("chat.send", {"session_id": room.id, "body": "Still here", "client_id": "c"}))
    assert after["ok"]
    assert after["seq"] in [e["seq"] for e in official.events()]
    fresh = live_client(room.other)
    assert in_thread(lambda: fresh.join(room.id))["ok"]


def test_room_events_leave_in_seq_order_when_writers_interleave(app, room, live_client, monkeypatch):
    """Writers on several threads: each sends after releasing the lock, yet every listener hears seq order."""
    from exchange.accounts.models import User
    from exchange.live import services

    monkeypatch.setitem(app.config, "LIVE_CHAT_RATE", (100, 10))
    listener = live_client(room.official)
    listener.join(room.id)
    people = [room.host.id, room.moderator.id, room.panelist.id, room.other.id]
    barrier = threading.Barrier(len(people))
    errors: list = []

    def write(user_id: int) -> None:
        try:
            barrier.wait(5)
            for n in range(15):
                with app.app_context():
                    services.send_chat(room.id, actor=_db.session.get(User, user_id), body=f"{user_id}:{n}",
                                       client_id=f"{user_id}-{n}")
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(uid,)) for uid in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    seqs = [e["seq"] for e in listener.events() if e["type"] == "chat.posted"]
    assert len(seqs) == 60 and seqs == sorted(seqs) and len(set(seqs)) == 60


def test_a_stuck_room_is_logged_with_its_holder_refused_in_time_and_reported_by_healthz(app, room, live_client,
                                                                                         caplog, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_LOCK_STUCK_SECONDS", 0.2)
    monkeypatch.setitem(app.config, "LIVE_LOCK_WAIT_SECONDS", 0.5)
    official = live_client(room.official)
    official.join(room.id)
    taken, done = threading.Event(), threading.Event()

    def a_writer_that_never_finishes():
        lock = roomlock.room_lock(room.id)
        lock.acquire()
        taken.set()
        done.wait(30)
        lock.release()

    holder = threading.Thread(target=a_writer_that_never_finishes, daemon=True)
    holder.start()
    taken.wait(5)
    try:
        threading.Event().wait(0.4)
        health = app.test_client().get("/healthz")
        assert health.status_code == 503
        assert [r["session_id"] for r in health.get_json()["live"]["stuck_rooms"]] == [room.id]
        with caplog.at_level(logging.ERROR, logger="exchange.live.roomlock"):
            assert roomlock.report_stuck(0.2) == 1
            assert roomlock.report_stuck(0.2) == 0  # once per hold
        assert "a_writer_that_never_finishes" in caplog.text and f"live room {room.id}" in caplog.text
        busy = official.emit("chat.send", {"session_id": room.id, "body": "hello?", "client_id": "b"})
        assert busy["ok"] is False and busy["error"]["code"] == "room_busy"
    finally:
        done.set()
        holder.join(5)
    assert app.test_client().get("/healthz").status_code == 200
    assert official.emit("chat.send", {"session_id": room.id, "body": "hello", "client_id": "b"})["ok"]


# --- floods: per-person limits on votes, ballots and hands -------------------------------------------------------

def stored_events(type_: str) -> int:
    _db.session.expire_all()
    return len(list(_db.session.scalars(select(LiveEvent.id).where(LiveEvent.type == type_))))


def test_question_vote_toggles_are_limited_per_person_and_refused_clicks_change_nothing(app, room, live_client,
                                                                                          monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_VOTE_RATE", (6, 10))
    official, other = live_client(room.official), live_client(room.other)
    official.join(room.id)
    other.join(room.id)
    asked = other.emit("question.ask", {"session_id": room.id, "body": "Q", "anonymous": False, "client_id": "q"})
    qid = asked["question"]["id"]
    with time_machine.travel(SOON, tick=False):
        acks = [official.emit("question.vote", {"session_id": room.id, "question_id": qid, "value": (n + 1) % 2})
                for n in range(10)]
        assert [a["ok"] for a in acks] == [True] * 6 + [False] * 4
        refused = acks[-1]["error"]
        assert refused["code"] == "rate_limited" and "too fast" in refused["message"]
        assert 1 <= refused["retry_after"] <= 10
        assert stored_events("question.updated") == 6
        assert _db.session.get(Question, qid).votes == 0  # six toggles: back to no vote
        other_vote = other.emit("question.vote", {"session_id": room.id, "question_id": qid, "value": 1})
        assert other_vote["ok"]  # the limit is per person
    with time_machine.travel(SOON + timedelta(seconds=11), tick=False):
        again = official.emit("question.vote", {"session_id": room.id, "question_id": qid, "value": 1})
        assert again["ok"] and again["votes"] == 2
    assert _db.session.get(QuestionVote, (qid, room.official.id)) is not None


def test_ballots_and_hands_are_limited_per_person(app, room, live_client, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_BALLOT_RATE", (3, 10))
    monkeypatch.setitem(app.config, "LIVE_HAND_RATE", (4, 10))
    host, official = live_client(room.host), live_client(room.official)
    host.join(room.id)
    official.join(room.id)
    poll = host.emit("poll.open", {"session_id": room.id, "prompt": "Which?", "options": ["A", "B"]})["poll"]
    a, b = (o["id"] for o in poll["options"])
    with time_machine.travel(SOON, tick=False):
        ballots = [official.emit("poll.vote", {"session_id": room.id, "poll_id": poll["id"], "choices": [c]})
                   for c in (a, b, a, b, a)]
        assert [x["ok"] for x in ballots] == [True, True, True, False, False]
        assert ballots[-1]["error"]["code"] == "rate_limited" and ballots[-1]["error"]["retry_after"] >= 1
        _db.session.expire_all()
        assert _db.session.scalar(select(PollBallot.choices).where(PollBallot.user_id == room.official.id)) == [a]
        hands = [official.emit("hand.raise", {"session_id": room.id, "raised": n % 2 == 0}) for n in range(6)]
        assert [h["ok"] for h in hands] == [True] * 4 + [False] * 2
        assert hands[-1]["error"]["code"] == "rate_limited"
        assert stored_events("hand.changed") == 4


def test_chat_rate_limit_says_when_to_try_again(app, room, live_client, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_CHAT_RATE", (2, 10))
    official = live_client(room.official)
    official.join(room.id)
    acks = [official.emit("chat.send", {"session_id": room.id, "body": f"m{n}", "client_id": f"m{n}"})
            for n in range(3)]
    assert [a["ok"] for a in acks] == [True, True, False]
    assert 1 <= acks[-1]["error"]["retry_after"] <= 10

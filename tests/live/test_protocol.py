"""Every client event refuses people who may not send it and bad payloads: an error ack, nothing stored."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exchange.exchanges.models import ExchangeSession
from exchange.live import models

BIG = "x" * 1_000_000  # a 1 MB body

# event -> a valid payload from a host; "$name" is replaced with an id from the busy room.
VALID = {
    "join": {"session_id": "$session", "after_seq": 0},
    "leave": {"session_id": "$session"},
    "chat.send": {"session_id": "$session", "body": "Hello", "client_id": "new-1"},
    "chat.history": {"session_id": "$session", "before_id": "$message"},
    "chat.delete": {"session_id": "$session", "message_id": "$message"},
    "chat.mute": {"session_id": "$session", "user_id": "$official", "minutes": 5},
    "question.ask": {"session_id": "$session", "body": "Why?", "anonymous": False, "client_id": "new-2"},
    "question.vote": {"session_id": "$session", "question_id": "$question", "value": 1},
    "question.moderate": {"session_id": "$session", "question_id": "$question", "action": "pin"},
    "poll.open": {"session_id": "$session", "prompt": "Which?", "options": ["A", "B"], "multiple": False},
    "poll.vote": {"session_id": "$session", "poll_id": "$poll", "choices": ["$option"]},
    "poll.close": {"session_id": "$session", "poll_id": "$poll"},
    "hand.raise": {"session_id": "$session", "raised": True},
    "hand.lower": {"session_id": "$session", "user_id": "$official"},
    "room.open": {"session_id": "$session"},
    "room.close": {"session_id": "$session"},
}
WRONG = {int: ["1", 1.5, True, [1], {"a": 1}], str: [1, True, ["x"], {"a": "b"}], bool: [1, 0, "true", [True]],
         list: ["A", 1, {"a": 1}]}

# event -> the people in the room who may not send it (outsiders never may).
REFUSED = {
    "join": ["outsider", "waitlisted"],
    "leave": ["outsider"],
    "chat.send": ["outsider", "waitlisted"],
    "chat.history": ["outsider", "waitlisted"],
    "chat.delete": ["outsider", "official", "panelist"],
    "chat.mute": ["outsider", "official", "panelist"],
    "question.ask": ["outsider", "waitlisted"],
    "question.vote": ["outsider"],
    "question.moderate": ["outsider", "official", "panelist"],
    "poll.open": ["outsider", "official", "panelist"],
    "poll.vote": ["outsider"],
    "poll.close": ["outsider", "official", "panelist"],
    "hand.raise": ["outsider"],
    "hand.lower": ["outsider", "official", "panelist"],
    "room.open": ["outsider", "official", "panelist", "moderator"],
    "room.close": ["outsider", "official", "panelist", "moderator"],
}


@pytest.fixture
def busy(room, live_client):
    """The room with a message, a question, an open poll and a raised hand; ids for the payloads."""
    host = live_client(room.host)
    official = live_client(room.official)
    message = host.emit("chat.send", {"session_id": room.id, "body": "Welcome", "client_id": "w"})["message"]
    question = official.emit("question.ask", {"session_id": room.id, "body": "How?", "anonymous": True,
                                              "client_id": "q"})["question"]
    poll = host.emit("poll.open", {"session_id": room.id, "prompt": "Ready?", "options": ["Yes", "No"]})["poll"]
    assert official.emit("hand.raise", {"session_id": room.id, "raised": True})["ok"]
    ids = {"session": room.id, "message": message["id"], "question": question["id"], "poll": poll["id"],
           "option": poll["options"][0]["id"], "official": room.official.id}
    return ids


def fill(template: dict, ids: dict) -> dict:
    def value(v):
        if isinstance(v, str) and v.startswith("$"):
            return ids[v[1:]]
        if isinstance(v, list):
            return [value(x) for x in v]
        return v
    return {k: value(v) for k, v in template.items()}


@pytest.fixture
def fingerprint(db, room):
    """Return everything the live room stores, to compare before and after a refused event."""
    def take():
        db.session.expire_all()
        rows = {}
        for model in (models.LiveEvent, models.LiveRoom, models.ChatMessage, models.Mute, models.Question,
                      models.QuestionVote, models.Poll, models.PollOption, models.PollBallot, models.RaisedHand,
                      models.Attendance):
            table = model.__table__
            rows[table.name] = sorted(tuple(str(v) for v in r) for r in db.session.execute(select(table)))
        rows["room_status"] = db.session.scalar(select(ExchangeSession.room_status).where(ExchangeSession.id == room.id))
        return rows
    return take


@pytest.mark.parametrize("event", sorted(VALID))
def test_people_who_may_not_send_an_event_get_an_error_and_nothing_changes(event, room, busy, live_client, fingerprint):
    before = fingerprint()
    for who in REFUSED[event]:
        ack = live_client(getattr(room, who)).emit(event, fill(VALID[event], busy))
        assert ack["ok"] is False, (who, ack)
        assert ack["error"]["code"] in ("forbidden", "not_found") and ack["error"]["message"], (who, ack)
        assert fingerprint() == before, who
    ack = live_client(None).emit(event, fill(VALID[event], busy))
    assert ack["error"]["code"] == "unauthenticated"
    assert fingerprint() == before


def bad_payloads(event: str, ids: dict) -> list[tuple[str, object]]:
    """Return (label, payload) variants of an event's valid payload that must all be refused."""
    valid = fill(VALID[event], ids)
    variants: list[tuple[str, object]] = [("no payload", None), ("a list", [valid]), ("a string", "join"),
                                          ("unknown session", {**valid, "session_id": 99999})]
    for name, value in valid.items():
        if name in ("after_seq", "before_id") or (event == "poll.open" and name == "multiple"):
            continue  # optional fields
        variants.append((f"missing {name}", {k: v for k, v in valid.items() if k != name}))
        for wrong in WRONG[type(value)]:
            variants.append((f"{name}={wrong!r:.20}", {**valid, name: wrong}))
        if isinstance(value, str):
            variants.append((f"1 MB {name}", {**valid, name: BIG}))
        if isinstance(value, list) and isinstance(value[0], str):
            variants.append((f"1 MB item in {name}", {**valid, name: [BIG, *value]}))
        elif isinstance(value, list):
            variants.append((f"huge {name}", {**valid, name: list(range(1, 200_000))}))
    if "session_id" in valid:
        variants += [("session_id 0", {**valid, "session_id": 0}), ("session_id -1", {**valid, "session_id": -1}),
                     ("huge session_id", {**valid, "session_id": 2**40})]
    return variants


@pytest.mark.parametrize("event", sorted(VALID))
def test_bad_payloads_get_an_error_and_nothing_changes(event, room, busy, live_client, fingerprint):
    host = live_client(room.host)
    before = fingerprint()
    for label, payload in bad_payloads(event, busy):
        ack = host.emit(event) if payload is None else host.emit(event, payload)
        assert ack["ok"] is False and ack["error"]["code"] in ("invalid", "not_found"), (label, ack)
        assert ack["error"]["message"], label
        assert fingerprint() == before, label
    ack = host.emit(event, fill(VALID[event], busy), "extra")
    assert ack["error"]["code"] == "invalid"
    assert fingerprint() == before


def test_every_event_of_the_protocol_is_covered(app):
    from exchange.extensions import socketio

    handled = {name for name in socketio.server.handlers["/live"] if name not in ("connect", "disconnect", "*")}
    assert handled == set(VALID)


def test_unknown_event_names_get_an_error_ack(room, live_client):
    ack = live_client(room.host).emit("chat.shout", {"session_id": room.id})
    assert ack["ok"] is False and ack["error"]["code"] == "unknown_event"


@pytest.mark.parametrize("event", ["chat.send", "question.ask", "question.vote", "poll.open", "poll.vote",
                                   "hand.raise"])
def test_a_closed_room_is_read_only(event, room, busy, live_client, fingerprint):
    host = live_client(room.host)
    assert host.emit("room.close", {"session_id": room.id})["ok"]
    before = fingerprint()
    for person in (room.host, room.moderator) if event == "poll.open" else (room.host, room.official):
        ack = live_client(person).emit(event, fill(VALID[event], busy))
        assert ack["ok"] is False and ack["error"]["code"] in ("room_not_open", "conflict"), ack
    assert fingerprint() == before


def test_a_room_not_yet_open_takes_no_posts_until_the_host_opens_it(room, live_client, db):
    room.session.room_status = "scheduled"
    db.session.commit()
    official, host = live_client(room.official), live_client(room.host)
    assert official.join(room.id)["status"] == "scheduled"
    payload = {"session_id": room.id, "body": "Early", "client_id": "e"}
    assert official.emit("chat.send", payload)["error"]["code"] == "room_not_open"
    assert host.emit("room.open", {"session_id": room.id}) == {"ok": True, "status": "open", "seq": 1}
    assert official.events()[-1]["data"] == {"status": "open"}
    assert official.emit("chat.send", payload)["ok"]


def test_cancelled_session_room_cannot_open(room, live_client, db):
    room.session.status, room.session.room_status = "cancelled", "scheduled"
    db.session.commit()
    ack = live_client(room.organizer).emit("room.open", {"session_id": room.id})
    assert ack["error"]["code"] == "conflict"

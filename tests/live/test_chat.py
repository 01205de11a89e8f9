"""Chat: posting, limits, idempotent client ids, rate limits, deletion and mutes."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import event

from exchange.common.time import utcnow
from exchange.extensions import db as _db
from exchange.live.models import ChatMessage, LiveEvent


def send(client, room, body="Hello", client_id="c1"):
    return client.emit("chat.send", {"session_id": room.id, "body": body, "client_id": client_id})


def test_a_message_reaches_everyone_in_the_room_with_its_author_and_role(room, live_client):
    official, host, mod = live_client(room.official), live_client(room.host), live_client(room.moderator)
    for c in (official, host, mod):
        c.join(room.id)
    ack = send(official, room, "  Hello from Lagos  \n")
    assert ack["ok"] and ack["seq"] == 1
    assert ack["message"]["body"] == "Hello from Lagos"
    assert ack["message"]["author"] == {"id": room.official.id, "name": "Adaeze Official", "role": "participant"}
    for c in (official, host, mod):
        (event,) = c.events()
        assert event["type"] == "chat.posted" and event["seq"] == 1 and event["session_id"] == room.id
        assert event["data"]["message"] == ack["message"] and event["at"].endswith("+00:00")


@pytest.mark.parametrize(("body", "ok"), [
    ("x" * 2000, True), ("  " + "x" * 2000 + "  ", True), ("x" * 2001, False), ("", False), ("   \n\t ", False),
    ("\x00\x07", False),  # control characters are dropped, leaving nothing
    ("\ud800", False),  # a lone surrogate (valid JSON, not valid text)
    ("👩\u200d💻 שלום\u200f", True),  # joiners and direction marks are kept
])
def test_message_length_rules(room, live_client, stored, body, ok):
    ack = send(live_client(room.official), room, body)
    assert ack["ok"] is ok, ack
    if ok:
        assert ack["message"]["body"] == body.strip()
    else:
        assert ack["error"]["code"] == "invalid"
    assert stored(ChatMessage) == stored(LiveEvent) == int(ok)


def test_a_repeated_client_id_returns_the_first_result(room, live_client, stored):
    official = live_client(room.official)
    first = send(official, room, "Once", "same")
    again = send(official, room, "Twice?", "same")
    assert again == first
    assert stored(ChatMessage) == 1 and stored(LiveEvent) == 1
    other = send(live_client(room.other), room, "Mine", "same")  # client ids are per person
    assert other["ok"] and other["message"]["id"] != first["message"]["id"]


def test_rate_limit_answers_with_an_error_and_stores_nothing(room, live_client, stored):
    official = live_client(room.official)
    for n in range(5):
        assert send(official, room, f"m{n}", f"c{n}")["ok"]
    second_tab = live_client(room.official)  # the limit is per person, not per connection
    ack = send(second_tab, room, "too fast", "c5")
    assert ack["ok"] is False and ack["error"]["code"] == "rate_limited" and "too fast" in ack["error"]["message"]
    assert stored(ChatMessage) == 5
    assert send(official, room, "m0", "c0")["ok"]  # a retry of a sent message still gets its first result
    assert send(live_client(room.other), room, "someone else", "o1")["ok"]
    with time_machine.travel(utcnow() + timedelta(seconds=11)):
        assert send(official, room, "later", "c6")["ok"]


def test_moderator_deletes_a_message_for_everyone_and_from_replays(room, live_client):
    official, mod = live_client(room.official), live_client(room.moderator)
    official.join(room.id)
    posted = send(official, room, "Something rude")
    ack = mod.emit("chat.delete", {"session_id": room.id, "message_id": posted["message"]["id"]})
    assert ack == {"ok": True, "message_id": posted["message"]["id"], "seq": 2}
    assert official.events()[-1] == {"seq": 2, "session_id": room.id, "type": "chat.deleted",
                                     "at": official.events()[-1]["at"], "data": {"message_id": posted["message"]["id"]}}
    replay = live_client(room.other).join(room.id, after_seq=0)["events"]
    assert replay[0]["data"]["message"]["deleted"] is True and replay[0]["data"]["message"]["body"] == ""
    assert "rude" not in str(replay)
    assert live_client(room.other).join(room.id)["snapshot"]["chat"] == []
    again = mod.emit("chat.delete", {"session_id": room.id, "message_id": posted["message"]["id"]})
    assert again["ok"] and "seq" not in again  # already deleted: nothing new happens


def test_deleting_a_message_of_another_room_is_not_found(room, live_client, make_exchange, register):
    elsewhere = make_exchange(title="Elsewhere")
    elsewhere.sessions[0].room_status = "open"
    register(room.official, elsewhere)
    posted = send(live_client(room.official), elsewhere.sessions[0])
    ack = live_client(room.moderator).emit("chat.delete", {"session_id": room.id, "message_id": posted["message"]["id"]})
    assert ack["error"]["code"] == "not_found"


def test_muted_person_cannot_post_until_the_mute_ends_or_is_lifted(room, live_client, stored):
    official, mod = live_client(room.official), live_client(room.moderator)
    ack = mod.emit("chat.mute", {"session_id": room.id, "user_id": room.official.id, "minutes": 10})
    assert ack["ok"] and ack["user_id"] == room.official.id and ack["muted_until"]
    refused = send(official, room)
    assert refused["error"]["code"] == "muted" and refused["error"]["until"] == ack["muted_until"]
    assert "UTC" not in refused["error"]["message"]  # the page writes the time, in the reader's zone
    asked = official.emit("question.ask", {"session_id": room.id, "body": "Q", "anonymous": False, "client_id": "q"})
    assert asked["error"]["code"] == "muted"
    assert official.join(room.id)["snapshot"]["muted_until"] == ack["muted_until"]
    assert send(live_client(room.other), room, client_id="x")["ok"]  # others still chat
    with time_machine.travel(utcnow() + timedelta(minutes=11)):
        assert send(official, room, client_id="later")["ok"]
    mod.emit("chat.mute", {"session_id": room.id, "user_id": room.official.id, "minutes": 10})
    assert mod.emit("chat.mute", {"session_id": room.id, "user_id": room.official.id, "minutes": 0})["muted_until"] is None
    assert send(official, room, client_id="unmuted")["ok"]
    assert stored(ChatMessage) == 3


def test_a_mute_and_its_lifting_reach_the_moderators_and_that_person_only(room, live_client):
    official, other, mod = live_client(room.official), live_client(room.other), live_client(room.moderator)
    for c in (official, other, mod):
        c.join(room.id)
    muted = mod.emit("chat.mute", {"session_id": room.id, "user_id": room.official.id, "minutes": 10})
    lifted = mod.emit("chat.mute", {"session_id": room.id, "user_id": room.official.id, "minutes": 0})
    person = {"id": room.official.id, "name": "Adaeze Official"}
    expected = [(muted["seq"], {"user": person, "muted_until": muted["muted_until"]}),
                (lifted["seq"], {"user": person, "muted_until": None})]
    for c in (official, mod):
        assert [(e["seq"], e["data"]) for e in c.events() if e["type"] == "mute.changed"] == expected
    assert other.events() == []
    assert muted["muted_until"].endswith("+00:00")
    replay = live_client(room.official).join(room.id, after_seq=0)["events"]  # replays carry it to her alone
    assert [e["data"]["muted_until"] for e in replay] == [muted["muted_until"], None]
    assert live_client(room.other).join(room.id, after_seq=0)["events"] == []


@pytest.mark.parametrize(("target", "minutes", "code"), [
    ("host", 5, "invalid"), ("organizer", 5, "invalid"), ("outsider", 5, "not_found"),
    ("official", -1, "invalid"), ("official", 24 * 60 + 1, "invalid"),
])
def test_mute_refusals(room, live_client, target, minutes, code):
    ack = live_client(room.moderator).emit("chat.mute", {"session_id": room.id, "user_id": getattr(room, target).id,
                                                         "minutes": minutes})
    assert ack["ok"] is False and ack["error"]["code"] == code


def test_an_event_is_sent_only_after_it_is_stored(room, live_client, stored):
    official, other = live_client(room.official), live_client(room.other)
    other.join(room.id)
    other.clear()
    staged = []

    def fail_before_commit(session):
        staged.extend(obj.type for obj in session.new if isinstance(obj, LiveEvent))
        raise RuntimeError("the database went away before commit")

    event.listen(_db.session, "before_commit", fail_before_commit)  # the event is recorded, its commit fails
    try:
        ack = send(official, room)
    finally:
        event.remove(_db.session, "before_commit", fail_before_commit)
    assert staged == ["chat.posted"]
    assert ack == {"ok": False, "error": {"code": "internal", "message": "Something went wrong on our side. Try again."}}
    assert other.events() == [] and stored(LiveEvent) == 0 and stored(ChatMessage) == 0
    posted = send(official, room, client_id="c2")
    assert other.events()[-1]["seq"] == posted["seq"] == 1  # the failed attempt used no seq

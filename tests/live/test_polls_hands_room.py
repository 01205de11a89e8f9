"""Polls (single and multiple choice, changeable ballots), raised hands, and opening and closing the room."""

from __future__ import annotations

import pytest

from exchange.live.models import LiveEvent, PollBallot


def open_poll(client, room, options=("Yes", "No", "Not sure"), multiple=None, prompt="Ready to open your data?"):
    payload = {"session_id": room.id, "prompt": prompt, "options": list(options)}
    if multiple is not None:
        payload["multiple"] = multiple
    return client.emit("poll.open", payload)


def cast(client, room, poll_id, choices):
    return client.emit("poll.vote", {"session_id": room.id, "poll_id": poll_id, "choices": choices})


def counts(poll):
    return [o["votes"] for o in poll["options"]]


def test_single_choice_poll_with_live_results_and_changeable_ballots(room, live_client, stored):
    host, official, other = live_client(room.host), live_client(room.official), live_client(room.other)
    official.join(room.id)
    poll = open_poll(host, room)["poll"]
    assert poll["status"] == "open" and poll["multiple"] is False and counts(poll) == [0, 0, 0]
    assert official.events()[-1]["type"] == "poll.opened"
    yes, no, _ = (o["id"] for o in poll["options"])
    assert counts(cast(official, room, poll["id"], [yes])["poll"]) == [1, 0, 0]
    assert counts(cast(other, room, poll["id"], [yes])["poll"]) == [2, 0, 0]
    changed = cast(official, room, poll["id"], [no])
    assert changed["choices"] == [no] and counts(changed["poll"]) == [1, 1, 0] and changed["poll"]["voters"] == 2
    same = cast(official, room, poll["id"], [no])
    assert "seq" not in same  # nothing changed, nothing sent
    assert [counts(e["data"]["poll"]) for e in official.events() if e["type"] == "poll.updated"] == [
        [1, 0, 0], [2, 0, 0], [1, 1, 0]]
    assert stored(PollBallot) == 2
    assert official.join(room.id)["snapshot"]["polls"][0]["my_choices"] == [no]
    closed = host.emit("poll.close", {"session_id": room.id, "poll_id": poll["id"]})
    assert closed["poll"]["status"] == "closed" and counts(closed["poll"]) == [1, 1, 0]
    assert official.events()[-1]["type"] == "poll.closed"
    late = cast(other, room, poll["id"], [no])
    assert late["error"]["code"] == "conflict"


def test_multiple_choice_poll(room, live_client):
    poll = open_poll(live_client(room.moderator), room, multiple=True)["poll"]
    ids = [o["id"] for o in poll["options"]]
    ack = cast(live_client(room.official), room, poll["id"], [ids[2], ids[0]])
    assert ack["choices"] == sorted([ids[0], ids[2]]) and counts(ack["poll"]) == [1, 0, 1]


@pytest.mark.parametrize(("choices", "multiple"), [
    ([], False), ([1, 2], False), ("other-poll", False), ("dup", True), ([999999], True),
])
def test_bad_ballots_are_refused(room, live_client, stored, choices, multiple):
    host = live_client(room.host)
    poll = open_poll(host, room, multiple=multiple)["poll"]
    other = open_poll(host, room, prompt="Another")["poll"]
    ids = [o["id"] for o in poll["options"]]
    if choices == "other-poll":
        choices = [other["options"][0]["id"]]
    elif choices == "dup":
        choices = [ids[0], ids[0]]
    elif choices == [1, 2]:
        choices = ids[:2]
    ack = cast(live_client(room.official), room, poll["id"], choices)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid"
    assert stored(PollBallot) == 0


@pytest.mark.parametrize(("options", "prompt"), [
    (["Only one"], "Q"), ([str(n) for n in range(11)], "Q"), (["Same", "same"], "Q"), (["A", " "], "Q"),
    (["A", "B"], " "), (["A", "B"], "p" * 301), (["o" * 201, "B"], "Q"),
])
def test_bad_polls_are_refused(room, live_client, stored, options, prompt):
    ack = open_poll(live_client(room.host), room, options=options, prompt=prompt)
    assert ack["error"]["code"] == "invalid"
    assert stored(LiveEvent) == 0


def test_raised_hands_are_seen_by_moderators_who_lower_them(room, live_client):
    official, other, host, mod = (live_client(u) for u in (room.official, room.other, room.host, room.moderator))
    for c in (official, other, host, mod):
        c.join(room.id)
    ack = official.emit("hand.raise", {"session_id": room.id, "raised": True})
    assert ack == {"ok": True, "raised": True, "seq": 1}
    for c in (official, host, mod):
        assert c.events()[-1]["data"] == {"user": {"id": room.official.id, "name": "Adaeze Official"}, "raised": True}
    assert other.events() == []  # other participants do not see hands
    hands = mod.join(room.id)["snapshot"]["hands"]
    assert [h["user"]["id"] for h in hands] == [room.official.id]
    assert other.join(room.id)["snapshot"]["hands"] == []
    assert official.join(room.id)["snapshot"]["hands"][0]["raised"] is True
    lowered = host.emit("hand.lower", {"session_id": room.id, "user_id": room.official.id})
    assert lowered["raised"] is False and official.events()[-1]["data"]["raised"] is False
    assert mod.join(room.id)["snapshot"]["hands"] == []
    assert "seq" not in host.emit("hand.lower", {"session_id": room.id, "user_id": room.official.id})


def test_closing_the_room_closes_polls_lowers_hands_and_can_be_undone(room, live_client):
    host, official = live_client(room.host), live_client(room.official)
    official.join(room.id)
    poll = open_poll(host, room)["poll"]
    official.emit("hand.raise", {"session_id": room.id, "raised": True})
    official.clear()
    assert host.emit("room.close", {"session_id": room.id})["status"] == "closed"
    types = [e["type"] for e in official.events()]
    assert types == ["poll.closed", "hand.changed", "room.status"]
    snap = official.join(room.id)
    assert snap["status"] == "closed" and snap["snapshot"]["polls"][0]["status"] == "closed"
    assert "seq" not in host.emit("room.close", {"session_id": room.id})
    assert live_client(room.organizer).emit("room.open", {"session_id": room.id})["status"] == "open"
    assert poll["id"]


def test_seq_increases_by_one_per_stored_event(room, live_client, db):
    from sqlalchemy import select

    host = live_client(room.host)
    host.emit("chat.send", {"session_id": room.id, "body": "a", "client_id": "a"})
    open_poll(host, room)
    host.emit("hand.raise", {"session_id": room.id, "raised": True})
    seqs = list(db.session.scalars(select(LiveEvent.seq).where(LiveEvent.session_id == room.id).order_by(LiveEvent.seq)))
    assert seqs == [1, 2, 3]

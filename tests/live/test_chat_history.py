"""Earlier chat: `chat.history` pages back through the stored messages, 100 at a time, for people with a seat."""

from __future__ import annotations

import pytest

from exchange.common.time import utcnow
from exchange.extensions import db as _db
from exchange.live.models import ChatMessage


def seed(room, count: int) -> list[int]:
    """Store `count` messages by turns from the official and the host (oldest first); return their ids."""
    rows = [ChatMessage(session_id=room.id, author_id=(room.official if n % 2 else room.host).id,
                        author_role="participant" if n % 2 else "host", client_id=f"seed-{n}", body=f"message {n}",
                        seq=n + 1, created_at=utcnow()) for n in range(count)]
    _db.session.add_all(rows)
    _db.session.commit()
    return [r.id for r in rows]


def history(client, room, before_id=None):
    payload = {"session_id": room.id}
    if before_id is not None:
        payload["before_id"] = before_id
    return client.emit("chat.history", payload)


def test_three_pages_reach_the_first_message_without_duplicates(room, live_client):
    ids = seed(room, 250)
    official = live_client(room.official)
    snap = official.join(room.id)["snapshot"]
    assert [m["id"] for m in snap["chat"]] == ids[150:] and snap["chat_more"] is True
    seen = [m["id"] for m in snap["chat"]]
    pages = []
    more = True
    while more:
        ack = history(official, room, before_id=seen[0])
        assert ack["ok"], ack
        page = [m["id"] for m in ack["messages"]]
        assert page == sorted(page)  # oldest first, like the snapshot
        pages.append(len(page))
        seen = page + seen
        more = ack["more"]
    assert pages == [100, 50]  # with the snapshot: three pages of the 250
    assert seen == ids and len(set(seen)) == 250
    assert ack["messages"][0] == {"id": ids[0], "body": "message 0", "deleted": False, "at": ack["messages"][0]["at"],
                                  "author": {"id": room.host.id, "name": "Hana Host", "role": "host"}}


def test_without_before_id_the_newest_page_comes_and_a_short_room_has_no_more(room, live_client):
    ids = seed(room, 3)
    ack = history(live_client(room.panelist), room)
    assert [m["id"] for m in ack["messages"]] == ids and ack["more"] is False
    assert live_client(room.official).join(room.id)["snapshot"]["chat_more"] is False
    assert history(live_client(room.official), room, before_id=ids[0]) == {"ok": True, "messages": [], "more": False}


def test_deleted_messages_stay_deleted_in_earlier_pages(room, live_client, app, monkeypatch):
    ids = seed(room, 120)
    mod = live_client(room.moderator)
    assert mod.emit("chat.delete", {"session_id": room.id, "message_id": ids[5]})["ok"]
    for reader in (live_client(room.official), mod):  # participants and moderators read the same chat
        ack = history(reader, room, before_id=ids[20])
        got = [m["id"] for m in ack["messages"]]
        assert ids[5] not in got and got == ids[:5] + ids[6:20]
        assert "message 5" not in str(ack)


@pytest.mark.parametrize("who", ["outsider", "waitlisted", None])
def test_people_without_a_seat_are_refused(room, live_client, who):
    seed(room, 3)
    ack = history(live_client(getattr(room, who) if who else None), room)
    assert ack["ok"] is False
    assert ack["error"]["code"] == ("forbidden" if who else "unauthenticated")
    assert "message" not in str(ack.get("messages", ""))


@pytest.mark.parametrize("payload", [{"before_id": 0}, {"before_id": "5"}, {"before_id": True}, {}])
def test_bad_payloads_are_invalid(room, live_client, payload):
    ack = live_client(room.official).emit("chat.history", {**payload, **({"session_id": room.id} if payload else {})})
    assert ack["ok"] is False and ack["error"]["code"] == "invalid"


def test_paging_is_rate_limited_per_person(room, live_client, app, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_HISTORY_RATE", (2, 10))
    seed(room, 3)
    official = live_client(room.official)
    assert history(official, room)["ok"] and history(official, room)["ok"]
    ack = history(live_client(room.official), room)  # a second tab counts for the same person
    assert ack["ok"] is False and ack["error"]["code"] == "rate_limited" and ack["error"]["retry_after"] >= 1
    assert history(live_client(room.other), room)["ok"]

"""Who may join a room, what a join answers, presence, and replay after a reconnect."""

from __future__ import annotations

import pytest

from exchange.live.models import Attendance, LiveEvent, Presence


@pytest.mark.parametrize(("who", "role"), [
    ("host", "host"), ("moderator", "moderator"), ("panelist", "panelist"), ("official", "participant"),
    ("other", "participant"),
    ("organizer", "moderator"),  # organizers moderate every room
])
def test_people_with_a_place_join_with_their_role(room, live_client, who, role):
    ack = live_client(getattr(room, who)).join(room.id)
    assert ack["role"] == role and ack["status"] == "open" and ack["last_seq"] == 0
    assert set(ack["snapshot"]) >= {"chat", "questions", "polls", "hands", "presence"}
    assert ack["snapshot"]["presence"] == 1 and "events" not in ack


def test_organizer_who_hosts_is_host(room, live_client, add_speaker, make_user):
    admin = make_user(role="admin")
    add_speaker(admin, room.session, "host")
    assert live_client(admin).join(room.id)["role"] == "host"


@pytest.mark.parametrize(("who", "code", "words"), [
    ("outsider", "forbidden", "Register for"),
    ("waitlisted", "forbidden", "Register for"),
    ("declined", "forbidden", "Register for"),  # a speaker who declined has no seat
])
def test_people_without_a_place_get_a_clear_error(room, live_client, stored, who, code, words):
    ack = live_client(getattr(room, who)).emit("join", {"session_id": room.id})
    assert ack["ok"] is False and ack["error"]["code"] == code and words in ack["error"]["message"]
    assert stored(Presence) == 0 and stored(Attendance) == 0


def test_anonymous_visitor_is_told_to_log_in(room, live_client):
    ack = live_client(None).emit("join", {"session_id": room.id})
    assert ack == {"ok": False, "error": {"code": "unauthenticated", "message": "Log in to use the live room."}}


def test_private_exchange_room_looks_missing_to_outsiders(room, live_client, db):
    room.exchange.visibility = "invite_only"
    db.session.commit()
    missing = live_client(room.outsider).emit("join", {"session_id": 99999})
    hidden = live_client(room.outsider).emit("join", {"session_id": room.id})
    assert missing == hidden == {"ok": False, "error": {"code": "not_found", "message": "There is no such session."}}


def test_a_big_room_hears_one_presence_count_for_a_wave_of_joins(room, live_client, app, wait_for, monkeypatch):
    # Above LIVE_PRESENCE_COALESCE_ABOVE people, counts are coalesced (bench/RESULTS.md: joins were O(N²) messages).
    monkeypatch.setitem(app.config, "LIVE_PRESENCE_COALESCE_ABOVE", 0)
    monkeypatch.setitem(app.config, "LIVE_PRESENCE_SECONDS", 2)
    first = live_client(room.official)
    first.join(room.id)
    live_client(room.other).join(room.id)
    live_client(room.host).join(room.id)
    wait_for(lambda: first.presence() != [], what="the coalesced count")
    assert first.presence() == [3]
    monkeypatch.setitem(app.config, "LIVE_PRESENCE_SECONDS", 0)  # the disconnects at teardown need not wait


def test_a_big_room_still_records_its_attendance_peak(room, live_client, app, db, wait_for, monkeypatch):
    from exchange.live.models import LiveRoom

    # In a big room joins no longer count heads one by one: the coalesced sender counts and keeps the peak.
    monkeypatch.setitem(app.config, "LIVE_PRESENCE_COALESCE_ABOVE", 0)
    monkeypatch.setitem(app.config, "LIVE_PRESENCE_SECONDS", 0.2)
    clients = [live_client(u) for u in (room.official, room.other, room.host)]
    for c in clients:
        c.join(room.id)
    wait_for(lambda: clients[0].presence()[-1:] == [3], what="the coalesced count of three")

    def peak() -> int:
        db.session.expire_all()
        return db.session.get(LiveRoom, room.id).peak_presence

    wait_for(lambda: peak() == 3, what="the peak of three stored")
    clients[2].disconnect()
    wait_for(lambda: clients[0].presence()[-1:] == [2], what="the count after one left")
    assert peak() == 3
    monkeypatch.setitem(app.config, "LIVE_PRESENCE_SECONDS", 0)


def test_presence_counts_people_not_connections(room, live_client):
    first = live_client(room.official)
    first.join(room.id)
    second_tab = live_client(room.official)
    assert second_tab.join(room.id)["snapshot"]["presence"] == 1
    host = live_client(room.host)
    assert host.join(room.id)["snapshot"]["presence"] == 2
    assert first.presence()[-1] == 2
    host.disconnect()
    assert first.presence()[-1] == 1
    assert second_tab.emit("leave", {"session_id": room.id}) == {"ok": True}
    assert first.presence()[-1] == 1  # the same person is still here in the first tab


def test_attendance_peak_is_kept(room, live_client, db, stored):
    from exchange.live.models import LiveRoom

    clients = [live_client(u) for u in (room.official, room.other, room.host)]
    for c in clients:
        c.join(room.id)
    for c in clients:
        c.disconnect()
    db.session.expire_all()
    assert db.session.get(LiveRoom, room.id).peak_presence == 3
    assert stored(Presence) == 0 and stored(Attendance) == 3


def test_replay_returns_exactly_the_missed_events_in_order(room, live_client):
    official, host = live_client(room.official), live_client(room.host)
    official.join(room.id)
    host.join(room.id)
    host.emit("chat.send", {"session_id": room.id, "body": "before", "client_id": "h1"})
    seen = official.events()[-1]["seq"]
    official.disconnect()
    for n in range(3):
        assert host.emit("chat.send", {"session_id": room.id, "body": f"missed {n}", "client_id": f"m{n}"})["ok"]
    back = live_client(room.official).join(room.id, after_seq=seen)
    assert [e["data"]["message"]["body"] for e in back["events"]] == ["missed 0", "missed 1", "missed 2"]
    assert [e["seq"] for e in back["events"]] == [seen + 1, seen + 2, seen + 3] and back["last_seq"] == seen + 3
    assert "snapshot" not in back


def test_replay_past_the_limit_sends_a_fresh_snapshot(room, live_client, app, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_REPLAY_LIMIT", 3)
    monkeypatch.setitem(app.config, "LIVE_CHAT_RATE", (100, 10))
    host = live_client(room.host)
    for n in range(4):
        host.emit("chat.send", {"session_id": room.id, "body": f"m{n}", "client_id": f"c{n}"})
    back = live_client(room.official).join(room.id, after_seq=0)
    assert back["reset"] is True and [m["body"] for m in back["snapshot"]["chat"]] == ["m0", "m1", "m2", "m3"]
    assert live_client(room.official).join(room.id, after_seq=1)["events"][0]["seq"] == 2  # 3 events: a replay


def test_after_seq_the_room_never_reached_resets(room, live_client):
    back = live_client(room.official).join(room.id, after_seq=50)
    assert back["reset"] is True and back["last_seq"] == 0 and "snapshot" in back


def test_replay_hides_what_the_person_may_not_see(room, live_client, db, stored):
    room.session.premoderate_questions = True
    db.session.commit()
    asker, other, mod = live_client(room.official), live_client(room.other), live_client(room.moderator)
    asked = asker.emit("question.ask", {"session_id": room.id, "body": "Pending?", "anonymous": True, "client_id": "q"})
    assert asked["ok"] and asked["question"]["status"] == "pending"
    mod.emit("hand.raise", {"session_id": room.id, "raised": True})
    assert other.join(room.id, after_seq=0)["events"] == []
    assert [e["type"] for e in asker.join(room.id, after_seq=0)["events"]] == ["question.asked"]
    mod_events = mod.join(room.id, after_seq=0)["events"]
    assert [e["type"] for e in mod_events] == ["question.asked", "hand.changed"]
    assert mod_events[0]["data"]["question"]["author"]["name"] == "Adaeze Official"
    assert stored(LiveEvent) == 2


def test_presence_of_a_process_that_stopped_fades_and_is_forgotten(room, live_client, db, stored):
    from datetime import timedelta

    import time_machine

    from exchange.common.time import utcnow
    from exchange.live import services

    live_client(room.official).join(room.id)
    # A connection held by another server process that died without a goodbye.
    db.session.add(Presence(session_id=room.id, user_id=room.other.id, sid="gone", node="dead-process",
                            joined_at=utcnow(), seen_at=utcnow()))
    db.session.commit()
    assert live_client(room.host).join(room.id)["snapshot"]["presence"] == 3
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        services.refresh_presence()  # this process's beat: its own connections stay
        assert live_client(room.moderator).join(room.id)["snapshot"]["presence"] == 3  # official, host, moderator
    with time_machine.travel(utcnow() + timedelta(hours=2)):
        services.refresh_presence()
    assert stored(Presence) == 3  # the dead process's row is gone

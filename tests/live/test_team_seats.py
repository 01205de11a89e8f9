"""Who moderates a room: the session's accepted hosts and moderators, the exchange's team and administrators.

Other organizers are ordinary people there (a participant seat only when registered); a speaker invited but not yet
accepted gets no host or moderator seat. Seeing who asked anonymously follows the moderator seat, in the live
event, the join snapshot and the replay alike.
"""

from __future__ import annotations

import pytest

from exchange.exchanges.models import ExchangeTeamMember
from tests.live.helpers import wait_for


def _ask_anonymously(room, live_client) -> dict:
    asker = live_client(room.official)
    asker.join(room.id)
    ack = asker.emit("question.ask", {"session_id": room.id, "body": "Candidly, who pays?", "anonymous": True,
                                      "client_id": "anon-1"})
    assert ack["ok"], ack
    return ack["question"]


def _sees_the_asker(client, room) -> bool:
    """What the person's own join snapshot, replay and live event say of the anonymous question's author."""
    snapshot = client.emit("join", {"session_id": room.id})["snapshot"]["questions"]
    replay = client.emit("join", {"session_id": room.id, "after_seq": 0})["events"]
    names = [(q["author"] or {}).get("name") for q in snapshot]
    names += [(e["data"]["question"]["author"] or {}).get("name") for e in replay if e["type"] == "question.asked"]
    assert names, "the question is not in the snapshot or the replay"
    seen = {name == "Adaeze Official" for name in names}
    assert len(seen) == 1, f"snapshot and replay disagree: {names}"
    return seen.pop()


def _moderation_refused(client, room, question_id) -> None:
    for event, payload in (("question.moderate", {"question_id": question_id, "action": "pin"}),
                           ("room.close", {}),
                           ("poll.open", {"prompt": "Which?", "options": ["A", "B"]})):
        ack = client.emit(event, {"session_id": room.id, **payload})
        assert not ack["ok"] and ack["error"]["code"] == "forbidden", (event, ack)


def test_an_organizer_outside_the_team_gets_no_seat_unless_registered(room, live_client, make_user):
    outsider = make_user(role="organizer", name="Otto Outside")
    client = live_client(outsider)
    ack = client.emit("join", {"session_id": room.id})
    assert not ack["ok"] and ack["error"]["code"] == "forbidden"
    ack = client.emit("chat.send", {"session_id": room.id, "body": "Hello", "client_id": "c1"})
    assert not ack["ok"] and ack["error"]["code"] == "forbidden"


def test_a_registered_organizer_outside_the_team_is_a_participant_and_never_sees_an_anonymous_asker(
        room, live_client, make_user, register):
    outsider = make_user(role="organizer", name="Otto Outside")
    register(outsider, room.exchange)
    client = live_client(outsider)
    assert client.join(room.id)["role"] == "participant"
    question = _ask_anonymously(room, live_client)
    (event,) = [e for e in client.events() if e["type"] == "question.asked"]
    assert event["data"]["question"]["author"] is None and "Adaeze" not in str(event)
    assert not _sees_the_asker(client, room)
    _moderation_refused(client, room, question["id"])


def test_a_speaker_invited_to_moderate_who_has_not_accepted_gets_no_moderator_seat(room, live_client, make_user,
                                                                                  add_speaker, db):
    invited = make_user(role="expert", name="Ines Invited")
    speaker = add_speaker(invited, room.session, "moderator", status="invited")
    client = live_client(invited)
    assert client.join(room.id)["role"] == "participant"  # on the programme: she may listen in
    question = _ask_anonymously(room, live_client)
    assert not _sees_the_asker(client, room)
    _moderation_refused(client, room, question["id"])

    speaker.status = "accepted"  # she accepts: her connection closes and she comes back as moderator
    db.session.commit()
    wait_for(lambda: not client.sock.is_connected("/live"), timeout=5, what="her connection to close")
    again = live_client(invited)
    assert again.join(room.id)["role"] == "moderator"
    assert _sees_the_asker(again, room)


def test_a_co_organizer_moderates_and_hosts_until_removed_from_the_team(room, live_client, make_user, db):
    co = make_user(role="organizer", name="Cora Coorganizer")
    member = ExchangeTeamMember(exchange=room.exchange, user=co, added_by=room.organizer)
    db.session.add(member)
    db.session.commit()
    client = live_client(co)
    assert client.join(room.id)["role"] == "moderator"
    _ask_anonymously(room, live_client)
    assert _sees_the_asker(client, room)
    assert client.emit("room.close", {"session_id": room.id})["ok"]  # the team opens and closes rooms
    assert client.emit("room.open", {"session_id": room.id})["ok"]

    db.session.delete(member)
    db.session.commit()
    wait_for(lambda: not client.sock.is_connected("/live"), timeout=5, what="the removed member's connection to close")
    ack = live_client(co).emit("join", {"session_id": room.id})
    assert not ack["ok"] and ack["error"]["code"] == "forbidden"


@pytest.mark.parametrize("role", ["host", "moderator"])
def test_an_accepted_expert_chair_moderates_and_sees_the_asker(room, live_client, role):
    chair = getattr(room, role)
    client = live_client(chair)
    assert client.join(room.id)["role"] == role
    _ask_anonymously(room, live_client)
    assert _sees_the_asker(client, room)

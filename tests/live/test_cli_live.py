"""`exchange live open|close`: moderating a room from the command line goes through the room's own rules."""

from __future__ import annotations

import pytest

from exchange.live.models import LiveEvent


def test_a_host_closes_and_reopens_the_room(run, room, db, stored):
    result = run("live", "close", "--session", str(room.id), "--as", room.host.email.upper())
    assert result.exit_code == 0, result.output
    assert f"Room of session {room.id} is closed" in result.output
    db.session.expire_all()
    assert room.session.room_status == "closed" and stored(LiveEvent) == 1
    assert run("live", "open", "--session", str(room.id), "--as", room.organizer.email).exit_code == 0
    db.session.expire_all()
    assert room.session.room_status == "open" and stored(LiveEvent) == 2


@pytest.mark.parametrize(("who", "session_offset", "message"), [
    ("official", 0, "Only the session's hosts and the exchange's organizers"),  # a participant may not close the room
    ("outsider", 0, "to join its live room"),                      # nor someone without a seat
    ("nobody", 0, "No active account with the email"),            # an unknown email
    ("host", 999, "There is no such session."),                   # a session that does not exist
])
def test_the_command_refuses_and_changes_nothing(run, room, db, stored, who, session_offset, message):
    email = "nobody@example.org" if who == "nobody" else getattr(room, who).email
    result = run("live", "close", "--session", str(room.id + session_offset), "--as", email)
    assert result.exit_code != 0
    assert message in result.output
    db.session.expire_all()
    assert room.session.room_status == "open" and stored(LiveEvent) == 0

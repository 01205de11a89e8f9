"""The room itself: open and close it (hosts and organizers), raise and lower hands.

Closing a room closes its open polls, lowers every hand and sends `room_closed` inside the same transaction,
so what other features do about a closed room (reports: unanswered questions become follow-ups) commits with
the close or not at all. The receivers are connected by the app factory (`exchange/__init__.py`).
"""

from __future__ import annotations

from typing import Any

from blinker import Namespace
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..accounts.models import User
from ..common.errors import Conflict
from ..common.time import utcnow
from ..exchanges.models import ExchangeSession, RoomStatus
from ..extensions import db
from .eventlog import record, room_write
from .models import LiveEvent, Poll, RaisedHand
from .payloads import person_view
from .polls import record_poll_closed
from .presence import record_attendance
from .rules import check_flood, require_open, room_status
from .seats import get_seat, require_host, require_moderator

signals = Namespace()
# Sent with `session_id` while a room is being closed, inside the close's transaction (before its commit);
# receivers stage their changes in that transaction and never commit.
room_closed = signals.signal("live.room-closed")


def _hand_event(session_id: int, user: User, raised: bool, actor_id: int) -> LiveEvent:
    return record(session_id, "hand.changed", {"user": person_view(user), "raised": raised}, actor_id=actor_id,
                  public=False, user_id=user.id)


def raise_hand(session_id: int, *, actor: Any, raised: bool) -> dict:
    """Raise or lower one's own hand; hosts and moderators see it."""
    seat = get_seat(session_id, actor=actor)
    check_flood(seat, "hand.raise")
    with room_write(session_id):
        require_open(session_id)
        hand = db.session.scalar(select(RaisedHand).where(RaisedHand.session_id == session_id,
                                                          RaisedHand.user_id == actor.id))
        if (hand is not None) == raised:
            return {"raised": raised}
        if raised:
            db.session.add(RaisedHand(session_id=session_id, user_id=actor.id, raised_at=utcnow()))
        else:
            db.session.delete(hand)
        event = _hand_event(session_id, actor, raised, actor.id)
        result = {"raised": raised, "seq": event.seq}
        db.session.commit()
    return result


def lower_hand(session_id: int, *, actor: Any, user_id: int) -> dict:
    """Lower someone's raised hand (hosts and moderators)."""
    seat = get_seat(session_id, actor=actor)
    require_moderator(seat)
    with room_write(session_id):
        hand = db.session.scalar(select(RaisedHand).where(RaisedHand.session_id == session_id,
                                                          RaisedHand.user_id == user_id))
        if hand is None:
            return {"user_id": user_id, "raised": False}
        db.session.delete(hand)
        event = _hand_event(session_id, hand.user, False, actor.id)
        result = {"user_id": user_id, "raised": False, "seq": event.seq}
        db.session.commit()
    return result


def open_room(session_id: int, *, actor: Any) -> dict:
    """Open the room (hosts and organizers), early if they like, or again after closing it."""
    seat = get_seat(session_id, actor=actor)
    require_host(seat)
    if seat.session.status == "cancelled":
        raise Conflict(_l("This session is cancelled; its room cannot open."))
    return _set_room_status(session_id, RoomStatus.OPEN, actor)


def close_room(session_id: int, *, actor: Any) -> dict:
    """Close the room (hosts and organizers): open polls close, hands go down, and the room turns read-only."""
    seat = get_seat(session_id, actor=actor)
    require_host(seat)
    return _set_room_status(session_id, RoomStatus.CLOSED, actor)


def _set_room_status(session_id: int, status: RoomStatus, actor: Any) -> dict:
    with room_write(session_id):
        if room_status(session_id) == status:
            return {"status": status}
        if status == RoomStatus.CLOSED:
            for poll in list(db.session.scalars(select(Poll).where(Poll.session_id == session_id,
                                                                   Poll.status == "open"))):
                record_poll_closed(poll, actor.id)
            for hand in list(db.session.scalars(select(RaisedHand).where(RaisedHand.session_id == session_id))):
                db.session.delete(hand)
                _hand_event(session_id, hand.user, False, actor.id)
            # Other features stage what a closed room means to them (reports: follow-ups) in this same transaction.
            room_closed.send(current_app._get_current_object(), session_id=session_id)
        else:
            record_attendance(session_id)  # who looked in before the session and is still here attends it
        db.session.execute(update(ExchangeSession).where(ExchangeSession.id == session_id)
                           .values(room_status=status, updated_at=utcnow())
                           .execution_options(synchronize_session=False))
        event = record(session_id, "room.status", {"status": status}, actor_id=actor.id)
        result = {"status": status, "seq": event.seq}
        db.session.commit()
    return result
